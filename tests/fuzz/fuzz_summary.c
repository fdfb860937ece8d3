/*
 * libFuzzer target for metrics/summary: arbitrary bytes as a /stats/summary document, flags from
 * the first byte. Any result is either an error with no batch or a batch that satisfies the
 * invariants (node_batch_check); nothing leaks (ASan).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics/summary.h"
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
    struct decode_opts o = { (data[0] & 4) ? "node" : NULL, 0,
                             data[0] & (DECODE_STRICT | DECODE_KEEP_PARTIAL_PODS) };
    struct node_batch *b = NULL;
    char err[KG_ERRBUF];
    int rc = decode_summary(data + 1, size - 1, &o, &b, err, sizeof(err));
    CHECK(rc == 0 || rc == -EINVAL);
    CHECK((rc == 0) == (b != NULL));
    if (b) {
        CHECK(node_batch_check(b, err, sizeof(err)) == 0);
        if (o.node)
            CHECK(b->node != NULL);
    }
    node_batch_free(b);
    return 0;
}
