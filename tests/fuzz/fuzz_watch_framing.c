/*
 * Fuzzes watch-stream framing. The first input byte seeds how the rest is cut into chunks;
 * the oracle is that chunking never changes the outcome: the same events (type, offset,
 * size) and the same final status as feeding everything at once.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json/json.h"
#include "json/watch.h"
#include "util/assert.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EV 256

struct log {
    size_t n;
    int type[MAX_EV];
    size_t off[MAX_EV];
    size_t size[MAX_EV];
};

static int log_cb(void *ud, const struct watch_event *ev)
{
    struct log *l = ud;
    ASSERT(json_kind(ev->object) == JSON_OBJECT);
    ASSERT(ev->type >= WATCH_ADDED && ev->type <= WATCH_ERROR);
    if (l->n < MAX_EV) {
        l->type[l->n] = ev->type;
        l->off[l->n] = ev->offset;
        l->size[l->n] = ev->size;
    }
    l->n++;
    return 0;
}

/* Small limit so the oversize path is reachable. */
#define FUZZ_MAX_EVENT 4096

static int run(const uint8_t *p, size_t n, unsigned seed, struct log *l, char *err, size_t errlen)
{
    struct watch_decoder *d = watch_decoder_new(FUZZ_MAX_EVENT);
    size_t i = 0;
    int rc = 0;
    unsigned x = seed * 2654435761u + 1;
    while (i < n && rc == 0) {
        size_t len = seed == 0 ? n : 1 + (x >> 16) % 17;
        x = x * 1103515245u + 12345u;
        if (len > n - i)
            len = n - i;
        rc = watch_decoder_feed(d, p + i, len, log_cb, l, err, errlen);
        i += len;
    }
    if (rc == 0)
        rc = watch_decoder_finish(d, err, errlen);
    watch_decoder_free(d);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct log a, b;
    char ea[KG_ERRBUF] = "", eb[KG_ERRBUF] = "";
    if (size < 1)
        return 0;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    int ra = run(data + 1, size - 1, 0, &a, ea, sizeof(ea));
    int rb = run(data + 1, size - 1, (unsigned)data[0] + 1, &b, eb, sizeof(eb));
    ASSERT(ra == rb);
    ASSERT(strcmp(ea, eb) == 0);
    ASSERT(a.n == b.n);
    for (size_t k = 0; k < a.n && k < MAX_EV; k++)
        ASSERT(a.type[k] == b.type[k] && a.off[k] == b.off[k] && a.size[k] == b.size[k]);
    return 0;
}
