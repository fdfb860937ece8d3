/*
 * libFuzzer target for metrics/promtext: tokenize arbitrary bytes line by line and parse every
 * series line. Every span must lie inside the input, line numbers must increase, label counts
 * stay within the limit, unescaping never grows a value, and the tokenizer always terminates.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/promtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static const char *base;
static size_t total;

static void check_span(struct promtext_span s)
{
    if (!s.len)
        return;
    CHECK(s.ptr >= base && s.ptr + s.len <= base + total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct promtext_series s;
    static char out[1 << 16];
    struct promtext_parser p;
    struct promtext_line l;
    char err[256];
    base = (const char *)data;
    total = size;
    promtext_init(&p, data, size);
    size_t last = 0, guard = 0;
    for (;;) {
        int r = promtext_next(&p, &l, err, sizeof(err));
        CHECK(++guard <= size + 1);
        if (r == 0)
            break;
        CHECK(r == 1 || r == -EINVAL);
        CHECK(l.lineno > last);
        last = l.lineno;
        check_span(l.text);
        if (r < 0) {
            CHECK(strncmp(err, "line ", 5) == 0);
            continue;
        }
        check_span(l.name);
        check_span(l.rest);
        if (l.kind != PROMTEXT_SERIES)
            continue;
        CHECK(l.name.len > 0);
        int rc = promtext_parse_series(&l, &s, err, sizeof(err));
        CHECK(rc == 0 || rc == -EINVAL);
        if (rc)
            continue;
        CHECK(s.nlabels <= KG_MAX_PROMTEXT_LABELS);
        CHECK(!s.has_timestamp || s.timestamp_ms >= 0);
        for (size_t i = 0; i < s.nlabels; i++) {
            check_span(s.labels[i].name);
            check_span(s.labels[i].value);
            CHECK(s.labels[i].name.len > 0);
            if (s.labels[i].value.len <= sizeof(out)) {
                size_t n = promtext_unescape(s.labels[i].value.ptr, s.labels[i].value.len, out);
                CHECK(n <= s.labels[i].value.len);
                CHECK(s.labels[i].escaped || n == s.labels[i].value.len);
            }
            CHECK(promtext_label(&s, "") == NULL);
        }
    }
    /* the whole input as one value token */
    double v;
    int rc = promtext_parse_value((const char *)data, size, &v);
    CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
    return 0;
}
