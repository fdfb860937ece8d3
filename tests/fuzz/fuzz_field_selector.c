/*
 * libFuzzer target for kube/fields: parse arbitrary bytes. Failures must carry a message and
 * leave no selector; a parsed selector's String() must re-parse to the same terms (as a
 * multiset: the raw-text order can change once "==" prints as "="), and from then on be a
 * fixpoint; matching and the field check must not misbehave.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/fields.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static int span_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (an < bn ? -1 : an > bn);
}

static int req_cmp(const void *pa, const void *pb)
{
    const struct fields_requirement *a = *(const struct fields_requirement *const *)pa;
    const struct fields_requirement *b = *(const struct fields_requirement *const *)pb;
    int c = span_cmp(a->field, a->field_len, b->field, b->field_len);
    if (c == 0)
        c = (int)a->op - (int)b->op;
    if (c == 0)
        c = span_cmp(a->value, a->value_len, b->value, b->value_len);
    return c;
}

static void sorted_terms(const struct fields_selector *sel, const struct fields_requirement **out)
{
    size_t n = fields_selector_count(sel);
    for (size_t i = 0; i < n; i++)
        out[i] = fields_selector_get(sel, i);
    qsort(out, n, sizeof(*out), req_cmp);
}

static bool first_cb(void *ud, const char *field, size_t field_len, const char **value,
                     size_t *value_len)
{
    const struct fields_requirement *r = ud;
    if (r && r->field_len == field_len && memcmp(r->field, field, field_len) == 0) {
        *value = r->value;
        *value_len = r->value_len;
        return true;
    }
    return false;
}

static void check_round_trip(const struct fields_selector *sel, struct buf *s1)
{
    static char err[2 * KG_MAX_SELECTOR_LEN + 64];
    static const struct fields_requirement *a[KG_MAX_SELECTOR_TERMS], *b[KG_MAX_SELECTOR_TERMS];
    struct fields_selector *again = NULL, *third = NULL;
    struct buf s2, s3;
    size_t n = fields_selector_count(sel);

    buf_init(&s2, 4 * KG_MAX_SELECTOR_LEN);
    buf_init(&s3, 4 * KG_MAX_SELECTOR_LEN);
    CHECK(fields_selector_parse(&again, buf_str(s1), buf_len(s1), err, sizeof(err)) == 0);
    CHECK(fields_selector_count(again) == n);
    sorted_terms(sel, a);
    sorted_terms(again, b);
    for (size_t i = 0; i < n; i++)
        CHECK(req_cmp(&a[i], &b[i]) == 0);
    CHECK(fields_selector_format(again, &s2) == 0);
    if (buf_len(&s2) <= KG_MAX_SELECTOR_LEN) {
        CHECK(fields_selector_parse(&third, buf_str(&s2), buf_len(&s2), err, sizeof(err)) == 0);
        CHECK(fields_selector_format(third, &s3) == 0);
        CHECK(buf_len(&s2) == buf_len(&s3) &&
              memcmp(buf_str(&s2), buf_str(&s3), buf_len(&s2)) == 0);
    }
    fields_selector_free(again);
    fields_selector_free(third);
    buf_cleanup(&s2);
    buf_cleanup(&s3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char err[2 * KG_MAX_SELECTOR_LEN + 64];
    static const struct fields_allowed allowed[] = { { "metadata.name", NULL },
                                                     { "spec.host", "spec.nodeName" } };
    struct fields_selector *sel = NULL;
    struct buf s1;
    int rc;

    buf_init(&s1, 4 * KG_MAX_SELECTOR_LEN);
    rc = fields_selector_parse(&sel, (const char *)data, size, err, sizeof(err));
    if (rc != 0) {
        CHECK(rc == -EINVAL || rc == -E2BIG);
        CHECK(sel == NULL && err[0] != '\0');
        goto out;
    }
    CHECK(fields_selector_count(sel) <= KG_MAX_SELECTOR_TERMS);
    for (size_t i = 0; i < fields_selector_count(sel); i++) {
        const struct fields_requirement *r = fields_selector_get(sel, i);
        CHECK(r->field_len > 0 || r->value_len > 0);
        CHECK(r->field[r->field_len] == '\0' && r->value[r->value_len] == '\0');
    }
    CHECK(fields_selector_format(sel, &s1) == 0);
    if (buf_len(&s1) <= KG_MAX_SELECTOR_LEN)
        check_round_trip(sel, &s1);

    if (fields_selector_count(sel) > 0) {
        const struct fields_requirement *r = fields_selector_get(sel, 0);
        const char *v;
        size_t vl;
        (void)fields_selector_matches(sel, first_cb, (void *)r);
        (void)fields_selector_requires_exact_match(sel, "metadata.name", &v, &vl);
    }
    (void)fields_selector_matches(sel, first_cb, NULL);
    rc = fields_selector_check(sel, allowed, 2,
                               size % 2 ? FIELDS_REJECT_NOT_KNOWN : FIELDS_REJECT_NOT_SUPPORTED,
                               err, sizeof(err));
    CHECK(rc == 0 || (rc == -EINVAL && err[0] != '\0'));
out:
    fields_selector_free(sel);
    buf_cleanup(&s1);
    return 0;
}
