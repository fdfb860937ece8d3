/*
 * Fuzzes route patterns and path matching: the input is lines "METHOD PATTERN" (routes to
 * register; malformed ones must be rejected cleanly) followed by a line "METHOD PATH" to match.
 * Checks: a match names a registered pattern, parameter values are NUL-terminated and never
 * contain '/' (the wildcard excepted), 405 comes with a non-empty Allow list.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "http/server.h"
#include "util/alloc.h"
#include "util/assert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void noop(const struct server_req *req, struct server_resp *resp, void *ud)
{
    (void)req;
    (void)resp;
    (void)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text, *line, *next, *last_method = NULL, *last_path = NULL;
    struct server *srv;
    struct server_match m;
    char err[256];
    int nroutes = 0;

    if (size > 4096)
        return 0;
    text = xstrndup((const char *)data, size);
    srv = server_new(NULL, err, sizeof err);
    ASSERT(srv != NULL);
    for (line = text; line; line = next) {
        char *sp;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        sp = strchr(line, ' ');
        if (!sp)
            continue;
        *sp = '\0';
        if (last_method && nroutes < 64) {
            int rc = server_route(srv, last_method, last_path, noop, NULL, err, sizeof err);
            ASSERT(rc == 0 || rc == -EINVAL || rc == -EEXIST);
            if (rc < 0)
                ASSERT(err[0] != '\0');
            nroutes++;
        }
        last_method = line;
        last_path = sp + 1;
    }
    if (last_method) {
        server_match_path(srv, last_method, last_path, &m);
        ASSERT(m.status == 200 || m.status == 404 || m.status == 405);
        if (m.status == 200) {
            ASSERT(m.pattern != NULL);
            ASSERT(m.n_params <= KG_MAX_HTTP_ROUTE_PARAMS + 1);
            for (size_t i = 0; i < m.n_params; i++) {
                ASSERT(strlen(m.values[i]) <= strlen(last_path));
                if (strcmp(m.names[i], "*") != 0) {
                    ASSERT(strchr(m.values[i], '/') == NULL);
                    ASSERT(m.values[i][0] != '\0');
                }
            }
        } else if (m.status == 405) {
            ASSERT(m.allow[0] != '\0');
        }
        server_match_cleanup(&m);
    }
    server_free(srv);
    free(text);
    return 0;
}
