/*
 * libFuzzer target for kube/quantity: parse arbitrary bytes; whatever parses must format,
 * re-parse to the same value and reach a fixpoint string, keep its invariants, and survive the
 * arithmetic and accessor functions without undefined behaviour.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_invariants(const struct quantity *q)
{
    CHECK(q->nanos > -1000000000 && q->nanos < 1000000000);
    CHECK(!(q->units > 0 && q->nanos < 0) && !(q->units < 0 && q->nanos > 0));
    CHECK(!(q->units == INT64_MAX && q->nanos != 0));
    CHECK(!(q->units == INT64_MIN && q->nanos != 0));
    CHECK(q->srclen <= KG_MAX_QUANTITY_INPUT);
    CHECK(q->format == QUANTITY_DECIMAL_SI || q->format == QUANTITY_BINARY_SI ||
          q->format == QUANTITY_DECIMAL_EXPONENT);
}

static size_t format_either(const struct quantity *q, int canonical, char *out)
{
    size_t n = canonical ? quantity_format_canonical(q, out) : quantity_format(q, out);
    CHECK(n < KG_MAX_QUANTITY_LEN && n == strlen(out));
    return n;
}

/*
 * format -> parse gives the same value. The text is a fixpoint, except that a BinarySI value
 * printed in decimal ("64000" for 62.5Ki) re-parses as DecimalSI and may then print differently
 * ("64k"), exactly as in Kubernetes; from the second round on it must be stable.
 */
static void check_round_trip(const struct quantity *q, int canonical)
{
    char s1[KG_MAX_QUANTITY_LEN], s2[KG_MAX_QUANTITY_LEN], s3[KG_MAX_QUANTITY_LEN];
    struct quantity r, r2;

    format_either(q, canonical, s1);
    CHECK(quantity_parse(&r, s1, NULL, 0) == 0);
    check_invariants(&r);
    CHECK(quantity_cmp(q, &r) == 0);
    if (!canonical && q->srclen > 0)
        CHECK(q->units == r.units && q->nanos == r.nanos && q->format == r.format &&
              q->srclen == r.srclen && memcmp(q->src, r.src, q->srclen) == 0);
    format_either(&r, canonical, s2);
    if (q->format != QUANTITY_BINARY_SI)
        CHECK(strcmp(s1, s2) == 0);
    CHECK(quantity_parse(&r2, s2, NULL, 0) == 0);
    CHECK(quantity_cmp(q, &r2) == 0);
    format_either(&r2, canonical, s3);
    CHECK(strcmp(s2, s3) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct quantity q, t;
    char err[KG_ERRBUF], out[KG_MAX_QUANTITY_LEN];
    int64_t v;
    int rc;

    rc = quantity_parse_n(&q, (const char *)data, size, err, sizeof(err));
    if (rc != 0) {
        CHECK(rc == -EINVAL || rc == -ERANGE || rc == -E2BIG);
        CHECK(quantity_is_zero(&q) && q.srclen == 0);
        return 0;
    }
    check_invariants(&q);
    check_round_trip(&q, 0);
    check_round_trip(&q, 1);

    (void)quantity_value(&q);
    (void)quantity_approx_double(&q);
    for (int scale = -20; scale <= 20; scale += 3)
        (void)quantity_scaled_value(&q, scale, &v);
    if (quantity_scaled_value(&q, -9, &v) == 0) {
        struct quantity n;
        quantity_format_nanocores(v, out);
        CHECK(quantity_parse(&n, out, NULL, 0) == 0);
        CHECK(quantity_cmp(&n, &q) == 0);
        quantity_format_nanocores_u64((uint64_t)v, out);
    }
    quantity_format_bytes(q.units, out);
    quantity_format_bytes_u64((uint64_t)q.units, out);

    /* q + q - q == q when the sum fits; double negation is the identity */
    t = q;
    if (quantity_add(&t, &q) == 0) {
        check_invariants(&t);
        CHECK(quantity_sub(&t, &q) == 0);
        CHECK(quantity_cmp(&t, &q) == 0);
    } else {
        CHECK(quantity_cmp(&t, &q) == 0);
    }
    t = q;
    if (quantity_neg(&t) == 0) {
        CHECK(quantity_sign(&t) == -quantity_sign(&q));
        CHECK(quantity_neg(&t) == 0);
        CHECK(quantity_cmp(&t, &q) == 0);
    }
    return 0;
}
