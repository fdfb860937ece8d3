/*
 * Fuzzes kube/rest's decoders: the first byte picks the target —
 *   0: Status decoding of an error response body (JSON Status or generic text),
 *   1: a watch stream cut into pieces (size from the second byte),
 *   2: one list page walked item by item.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/rest.h"
#include "util/assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_event(enum rest_event_type t, const struct json_value *obj, void *ud)
{
    (void)ud;
    ASSERT(obj != NULL);
    if (t == REST_EVENT_ERROR) {
        struct rest_status st;
        (void)rest_status_from_json(obj, &st);
    }
    return 0;
}

static int on_item(const struct json_value *item, void *ud)
{
    (*(size_t *)ud)++;
    (void)item;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const char *p = (const char *)data + 2;
    size_t n = size - 2;
    char err[256];
    switch (data[0] % 3) {
    case 0: {
        struct rest_status st;
        struct rest_resource res = {
            .group = "apps", .version = "v1", .resource = "deployments", .name = "web"
        };
        long code = 400 + data[1];
        int rc = rest_status_decode(code, (data[1] & 1) ? "text/plain" : "application/json", p, n,
                                    "GET", &res, &st);
        ASSERT(rc == -EREMOTEIO || (code >= 200 && code <= 206));
        ASSERT(strlen(st.message) < sizeof(st.message));
        break;
    }
    case 1:
        (void)rest__watch_decode(p, n, data[1], on_event, NULL, err, sizeof(err));
        break;
    case 2: {
        char rv[64], *cont = NULL;
        size_t items = 0, counted = 0;
        int rc = rest_list_page_decode(p, n, (data[1] & 1) ? REST_ACCEPT_TABLE : REST_ACCEPT_JSON,
                                       on_item, &counted, rv, sizeof(rv), &cont, &items, err,
                                       sizeof(err));
        ASSERT(rc != 0 || items == counted);
        free(cont);
        break;
    }
    }
    return 0;
}
