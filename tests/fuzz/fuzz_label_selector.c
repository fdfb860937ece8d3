/*
 * libFuzzer target for kube/labels: parse arbitrary bytes. Failures must carry a message and
 * leave no selector; a parsed selector must keep its invariants (keys sorted, values sorted and
 * unique, value counts per operator), print a String() that re-parses to an equal selector and
 * is a fixpoint, and survive matching and quoting without undefined behaviour.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube/labels.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static void check_invariants(const struct labels_selector *sel)
{
    size_t n = labels_selector_count(sel);

    CHECK(n <= KG_MAX_SELECTOR_TERMS);
    CHECK(labels_selector_empty(sel) == (n == 0));
    for (size_t i = 0; i < n; i++) {
        const struct labels_requirement *r = labels_selector_get(sel, i);
        CHECK(r->key[0] != '\0');
        if (i > 0)
            CHECK(strcmp(labels_selector_get(sel, i - 1)->key, r->key) <= 0);
        for (size_t j = 1; j < r->nvalues; j++)
            CHECK(strcmp(r->values[j - 1], r->values[j]) < 0);
        switch (r->op) {
        case LABELS_OP_EXISTS:
        case LABELS_OP_DOES_NOT_EXIST:
            CHECK(r->nvalues == 0);
            break;
        case LABELS_OP_IN:
        case LABELS_OP_NOT_IN:
            CHECK(r->nvalues >= 1);
            break;
        default:
            CHECK(r->nvalues == 1);
            CHECK(strlen(r->values[0]) <= KG_MAX_LABEL_VALUE);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char err[KG_SELECTOR_ERRBUF];
    struct labels_selector *sel = NULL, *again = NULL;
    struct buf s1, s2, q;
    int rc;

    buf_init(&s1, 4 * KG_MAX_SELECTOR_LEN);
    buf_init(&s2, 4 * KG_MAX_SELECTOR_LEN);
    buf_init(&q, 16 * KG_MAX_SELECTOR_LEN);
    CHECK(labels_quote(&q, (const char *)data, size) == 0);

    rc = labels_selector_parse(&sel, (const char *)data, size, err, sizeof(err));
    if (rc != 0) {
        CHECK(rc == -EINVAL || rc == -E2BIG);
        CHECK(sel == NULL && err[0] != '\0');
        goto out;
    }
    CHECK(err[0] == '\0');
    check_invariants(sel);
    CHECK(labels_selector_format(sel, &s1) == 0);
    if (buf_len(&s1) <= KG_MAX_SELECTOR_LEN) {
        rc = labels_selector_parse(&again, buf_str(&s1), buf_len(&s1), err, sizeof(err));
        CHECK(rc == 0);
        CHECK(labels_selector_equal(sel, again));
        CHECK(labels_selector_format(again, &s2) == 0);
        CHECK(buf_len(&s1) == buf_len(&s2) &&
              memcmp(buf_str(&s1), buf_str(&s2), buf_len(&s1)) == 0);
    }

    /* match against a label set built from the selector itself */
    {
        struct label set[8];
        size_t n = 0;
        for (size_t i = 0; i < labels_selector_count(sel) && n < 8; i++) {
            const struct labels_requirement *r = labels_selector_get(sel, i);
            set[n].key = r->key;
            set[n].value = r->nvalues ? r->values[0] : "";
            n++;
        }
        (void)labels_selector_matches(sel, set, n);
        (void)labels_selector_matches(sel, NULL, 0);
        if (n > 0) {
            const char *v;
            (void)labels_selector_requires_exact_match(sel, set[0].key, &v);
        }
    }
out:
    labels_selector_free(sel);
    labels_selector_free(again);
    buf_cleanup(&s1);
    buf_cleanup(&s2);
    buf_cleanup(&q);
    return 0;
}
