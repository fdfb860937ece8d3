/*
 * libFuzzer target for metrics/decode: arbitrary bytes as a /metrics/resource payload, with the
 * decode flags taken from the first byte. Without DECODE_STRICT decoding always succeeds; the
 * batch invariants (node_batch_check) hold for every batch; nothing leaks (ASan).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics/decode.h"
#include "util/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct decode_opts o = { (data[0] & 4) ? "node" : NULL,
                             (data[0] & 8) ? INT64_C(1700000000000000000) : 0,
                             data[0] & (DECODE_STRICT | DECODE_KEEP_PARTIAL_PODS) };
    struct node_batch *b = NULL;
    char err[KG_ERRBUF];
    int rc = decode_resource(data + 1, size - 1, &o, &b, err, sizeof(err));
    if (!(o.flags & DECODE_STRICT))
        CHECK(rc == 0);
    CHECK(rc == 0 || rc == -EINVAL);
    CHECK((rc == 0) == (b != NULL));
    if (b) {
        CHECK(node_batch_check(b, err, sizeof(err)) == 0);
        CHECK(b->ncontainers <= KG_MAX_BATCH_CONTAINERS);
        CHECK((o.node == NULL) == (b->node == NULL));
    }
    node_batch_free(b);
    return 0;
}
