/* Unit tests for metrics/promtext: line classification, series syntax, label escapes, values
 * (Go ParseFloat syntax), timestamps, and per-line error recovery. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/promtext.h"

static int span_is(struct promtext_span s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* Parses a one-line input as a series; returns the promtext_parse_series result (or the
 * promtext_next error). */
static int series(const char *text, struct promtext_series *s, char *err, size_t errlen)
{
    struct promtext_parser p;
    struct promtext_line line;
    promtext_init(&p, text, strlen(text));
    int r = promtext_next(&p, &line, err, errlen);
    if (r < 0)
        return r;
    assert_int_equal(r, 1);
    assert_int_equal(line.kind, PROMTEXT_SERIES);
    return promtext_parse_series(&line, s, err, errlen);
}

static void test_lines(void **state)
{
    (void)state;
    const char *in = "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time\n"
                     "# TYPE node_cpu_usage_seconds_total counter\n"
                     "\n"
                     "   \t\n"
                     "node_cpu_usage_seconds_total 6197.005020909 1750705774670\n"
                     "#HELP not a help line\n"
                     "# HELPER also a comment\n"
                     "# just a comment\n"
                     "scrape_error 0";
    struct promtext_parser p;
    struct promtext_line l;
    char err[256];
    promtext_init(&p, in, strlen(in));

    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_int_equal(l.kind, PROMTEXT_HELP);
    assert_int_equal(l.lineno, 1);
    assert_true(span_is(l.name, "node_cpu_usage_seconds_total"));
    assert_true(span_is(l.rest, "[STABLE] Cumulative cpu time"));

    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_int_equal(l.kind, PROMTEXT_TYPE);
    assert_int_equal(l.type, PROMTEXT_TYPE_COUNTER);
    assert_true(span_is(l.rest, "counter"));

    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_int_equal(l.kind, PROMTEXT_SERIES);
    assert_int_equal(l.lineno, 5); /* two blank lines skipped */
    assert_true(span_is(l.name, "node_cpu_usage_seconds_total"));
    assert_true(span_is(l.text, "node_cpu_usage_seconds_total 6197.005020909 1750705774670"));
    struct promtext_series s;
    assert_int_equal(promtext_parse_series(&l, &s, err, sizeof(err)), 0);
    assert_int_equal(s.nlabels, 0);
    assert_true(s.value == 6197.005020909);
    assert_true(s.has_timestamp);
    assert_int_equal(s.timestamp_ms, INT64_C(1750705774670));

    for (int i = 0; i < 3; i++) {
        assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
        assert_int_equal(l.kind, PROMTEXT_COMMENT);
    }
    /* last line without a newline */
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_int_equal(l.kind, PROMTEXT_SERIES);
    assert_int_equal(l.lineno, 9);
    assert_int_equal(promtext_parse_series(&l, &s, err, sizeof(err)), 0);
    assert_true(s.value == 0 && !s.has_timestamp);
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 0);
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 0);
}

static void test_type_words(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        int rc;
        enum promtext_type t;
    } cases[] = {
        { "# TYPE a gauge", 1, PROMTEXT_TYPE_GAUGE },
        { "# TYPE a histogram", 1, PROMTEXT_TYPE_HISTOGRAM },
        { "# TYPE a summary", 1, PROMTEXT_TYPE_SUMMARY },
        { "# TYPE a untyped  ", 1, PROMTEXT_TYPE_UNTYPED },
        { "#\tTYPE\ta\tcounter", 1, PROMTEXT_TYPE_COUNTER },
        { "# TYPE a Counter", -EINVAL, 0 },
        { "# TYPE a", -EINVAL, 0 },
        { "# TYPE a counter extra", -EINVAL, 0 },
        { "# TYPE 9a counter", -EINVAL, 0 },
        { "# HELP", -EINVAL, 0 },
        { "# HELP a-b text", -EINVAL, 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct promtext_parser p;
        struct promtext_line l;
        char err[256] = "";
        promtext_init(&p, cases[i].line, strlen(cases[i].line));
        int rc = promtext_next(&p, &l, err, sizeof(err));
        if (rc != cases[i].rc)
            fail_msg("%s: rc %d, want %d (%s)", cases[i].line, rc, cases[i].rc, err);
        if (rc == 1)
            assert_int_equal(l.type, cases[i].t);
        else
            assert_non_null(strstr(err, "line 1: "));
    }
    /* HELP with an empty docstring */
    struct promtext_parser p;
    struct promtext_line l;
    promtext_init(&p, "# HELP x", 8);
    assert_int_equal(promtext_next(&p, &l, NULL, 0), 1);
    assert_int_equal(l.kind, PROMTEXT_HELP);
    assert_int_equal(l.rest.len, 0);
}

static void test_labels(void **state)
{
    (void)state;
    struct promtext_series s;
    char err[256];
    const char *in = "container_cpu_usage_seconds_total{container=\"coredns\",namespace=\"kube-"
                     "system\",pod=\"coredns-558bd4d5db-4dpjz\"} 4.710169 1633253812125";
    assert_int_equal(series(in, &s, err, sizeof(err)), 0);
    assert_int_equal(s.nlabels, 3);
    assert_true(span_is(s.labels[0].name, "container"));
    assert_true(span_is(s.labels[0].value, "coredns"));
    assert_true(span_is(promtext_label(&s, "namespace")->value, "kube-system"));
    assert_true(span_is(promtext_label(&s, "pod")->value, "coredns-558bd4d5db-4dpjz"));
    assert_null(promtext_label(&s, "node"));
    assert_false(s.labels[0].escaped);
    assert_true(s.value == 4.710169);
    assert_int_equal(s.timestamp_ms, INT64_C(1633253812125));

    /* blanks around tokens, trailing comma, blank before '{', no blank after '}' */
    assert_int_equal(series("m {  a = \"1\" ,\tb=\"2\", } 3", &s, err, sizeof(err)), 0);
    assert_int_equal(s.nlabels, 2);
    assert_true(span_is(s.labels[1].value, "2"));
    assert_true(s.value == 3);
    assert_int_equal(series("m{}7", &s, err, sizeof(err)), 0);
    assert_int_equal(s.nlabels, 0);
    assert_true(s.value == 7);

    /* escapes */
    assert_int_equal(series("m{a=\"x\\\\y\\\"z\\n\"} 1", &s, err, sizeof(err)), 0);
    assert_true(s.labels[0].escaped);
    char buf[32];
    size_t n = promtext_unescape(s.labels[0].value.ptr, s.labels[0].value.len, buf);
    assert_int_equal(n, 6);
    assert_memory_equal(buf, "x\\y\"z\n", 6);
    /* UTF-8 is fine, including 4-byte sequences */
    assert_int_equal(series("m{a=\"caf\xc3\xa9 \xf0\x9f\x98\x80\"} 1", &s, err, sizeof(err)), 0);
    assert_int_equal(s.labels[0].value.len, 10);
}

static void test_label_errors(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        const char *msg;
    } cases[] = {
        { "m{a=\"x\\t\"} 1", "invalid escape sequence in value of label a" },
        { "m{a=\"x\\", "invalid escape sequence" },
        { "m{a=\"x} 1", "unterminated value of label a" },
        { "m{a=x} 1", "expected '\"' to start the value of label a" },
        { "m{a} 1", "expected '=' after label name a" },
        { "m{1a=\"x\"} 1", "expected a label name or '}'" },
        { "m{a:b=\"x\"} 1", "expected '=' after label name a" },
        { "m{a=\"x\" b=\"y\"} 1", "expected ',' or '}' after the value of label a" },
        { "m{a=\"x\",,} 1", "expected a label name" },
        { "m{a=\"x\"", "expected ',' or '}' after the value of label a" },
        { "m{a=\"x\",", "expected a label name or '}' before the end of the line" },
        { "m{a=\"1\",a=\"2\"} 1", "label a repeated" },
        { "m{a=\"\xc3\x28\"} 1", "invalid UTF-8 in value of label a" },
        { "m{a=\"\xed\xa0\x80\"} 1", "invalid UTF-8" },     /* surrogate */
        { "m{a=\"\xc0\xaf\"} 1", "invalid UTF-8" },         /* overlong */
        { "m{a=\"\xf4\x90\x80\x80\"} 1", "invalid UTF-8" }, /* > U+10FFFF */
        { "m{a=\"\xe2\x82\"} 1", "invalid UTF-8" },         /* truncated */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct promtext_series s;
        char err[256] = "";
        int rc = series(cases[i].line, &s, err, sizeof(err));
        if (rc != -EINVAL || !strstr(err, cases[i].msg) || strncmp(err, "line 1: ", 8))
            fail_msg("case %zu: rc %d err \"%s\", want \"%s\"", i, rc, err, cases[i].msg);
    }
    /* too many labels */
    char big[8192];
    size_t o = (size_t)snprintf(big, sizeof(big), "m{");
    for (int i = 0; i <= KG_MAX_PROMTEXT_LABELS; i++)
        o += (size_t)snprintf(big + o, sizeof(big) - o, "l%d=\"v\",", i);
    snprintf(big + o, sizeof(big) - o, "} 1");
    struct promtext_series s;
    char err[256];
    assert_int_equal(series(big, &s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "more than 64 labels"));
    /* exactly the limit is fine */
    o = (size_t)snprintf(big, sizeof(big), "m{");
    for (int i = 0; i < KG_MAX_PROMTEXT_LABELS; i++)
        o += (size_t)snprintf(big + o, sizeof(big) - o, "l%d=\"v\",", i);
    snprintf(big + o, sizeof(big) - o, "} 1");
    assert_int_equal(series(big, &s, err, sizeof(err)), 0);
    assert_int_equal(s.nlabels, KG_MAX_PROMTEXT_LABELS);
}

static void test_series_errors(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        const char *msg;
    } cases[] = {
        { "1abc 1", "invalid metric name" },
        { "a-b 1", "invalid character '-' after metric name \"a\"" },
        { "m", "missing value for m" },
        { "m{a=\"b\"}", "missing value" },
        { "m  ", "missing value" },
        { "m abc", "invalid value \"abc\" for m" },
        { "m 1 2 3", "unexpected text after the timestamp of m" },
        { "m 1 -62135596800000", "invalid timestamp \"-62135596800000\"" },
        { "m 1 +5", "invalid timestamp" },
        { "m 1 1.5", "invalid timestamp" },
        { "m 1 9223372036854775808", "out-of-range timestamp" },
        { "m 1e400", "out-of-range value \"1e400\"" },
        { "m -1e309", "out-of-range value" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct promtext_series s;
        char err[256] = "";
        int rc = series(cases[i].line, &s, err, sizeof(err));
        if (rc != -EINVAL || !strstr(err, cases[i].msg))
            fail_msg("case %zu (%s): rc %d err \"%s\", want \"%s\"", i, cases[i].line, rc, err,
                     cases[i].msg);
    }
    struct promtext_series s;
    char err[256];
    assert_int_equal(series("m 1 9223372036854775807", &s, err, sizeof(err)), 0);
    assert_int_equal(s.timestamp_ms, INT64_MAX);
    assert_int_equal(series("m 1 0 \t", &s, err, sizeof(err)), 0);
    assert_true(s.has_timestamp && s.timestamp_ms == 0);
}

static void test_values(void **state)
{
    (void)state;
    /* Expected values are C double literals: the compiler's own correctly rounded parsing. */
    static const struct {
        const char *in;
        double want;
    } ok[] = {
        { "0", 0.0 },
        { "1", 1.0 },
        { "-1", -1.0 },
        { "+1.5", 1.5 },
        { ".5", 0.5 },
        { "5.", 5.0 },
        { "1e3", 1e3 },
        { "1E-3", 1e-3 },
        { "1.253376e+07", 1.253376e+07 },
        { "1.616273408e+09", 1.616273408e+09 },
        { "1.7506078418297591e+09", 1.7506078418297591e+09 },
        { "0.1", 0.1 },
        { "357.35491", 357.35491 },
        { "40.384910049", 40.384910049 },
        { "000123.4500", 123.45 },
        { "9007199254740993", 9007199254740993.0 }, /* 2^53+1: slow path, ties to even */
        { "123456789012345678901234567890", 123456789012345678901234567890.0 },
        { "0.000000000000000000000000000001", 1e-30 },
        { "1.7976931348623157e308", 1.7976931348623157e308 },
        { "4.9e-324", 4.9e-324 },
        { "1e-400", 0.0 }, /* underflow is not an error (Go) */
        { "1e22", 1e22 },
        { "1e23", 1e23 },
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        double v = -12345;
        int rc = promtext_parse_value(ok[i].in, strlen(ok[i].in), &v);
        if (rc || memcmp(&v, &ok[i].want, sizeof(v)) != 0)
            fail_msg("%s: rc %d, got %.17g want %.17g", ok[i].in, rc, v, ok[i].want);
    }
    double v;
    assert_int_equal(promtext_parse_value("-0", 2, &v), 0);
    assert_true(v == 0 && signbit(v));
    static const char *const specials[] = { "NaN", "nan", "NAN" };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(promtext_parse_value(specials[i], strlen(specials[i]), &v), 0);
        assert_true(isnan(v));
    }
    static const char *const infs[] = { "Inf", "+Inf", "inf", "INFINITY", "+infinity" };
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(promtext_parse_value(infs[i], strlen(infs[i]), &v), 0);
        assert_true(isinf(v) && v > 0);
    }
    assert_int_equal(promtext_parse_value("-Inf", 4, &v), 0);
    assert_true(isinf(v) && v < 0);
    static const char *const bad[] = { "",      "+",     "-",     ".",    "e5",   "1e",
                                       "1e+",   "0x10",  "1_000", "+NaN", "-nan", "infinit",
                                       "1.2.3", "1e5.5", "1f",    "--1",  " 1",   "nanx" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (promtext_parse_value(bad[i], strlen(bad[i]), &v) != -EINVAL)
            fail_msg("\"%s\" accepted", bad[i]);
    }
    char longv[KG_MAX_PROMTEXT_VALUE + 2];
    memset(longv, '1', sizeof(longv));
    assert_int_equal(promtext_parse_value(longv, sizeof(longv), &v), -EINVAL);
}

/* The fast path must agree with strtod (glibc rounds correctly) on kubelet-shaped numbers. */
static void test_values_vs_strtod(void **state)
{
    (void)state;
    unsigned long long x = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char s[64];
        int digits = (int)(x % 17) + 1, point = (int)((x >> 8) % (unsigned)(digits + 1));
        unsigned long long m = (x >> 16) % 100000000000000000ULL;
        int n = snprintf(s, sizeof(s), "%0*llu", digits, m % 100000000000000000ULL);
        n = n > digits ? digits : n;
        char t[80];
        int k = 0;
        for (int j = 0; j < n; j++) {
            if (j == point)
                t[k++] = '.';
            t[k++] = s[j];
        }
        if (x & 1)
            k += snprintf(t + k, sizeof(t) - (size_t)k, "e%+d", (int)((x >> 40) % 45) - 22);
        t[k] = '\0';
        double a, b = strtod(t, NULL);
        if (promtext_parse_value(t, (size_t)k, &a) || memcmp(&a, &b, sizeof(a)))
            fail_msg("%s: got %.17g want %.17g", t, a, b);
    }
}

static void test_recovery_and_crlf(void **state)
{
    (void)state;
    const char *in = "good 1\r\n"
                     "bad-name 2\n"
                     "# TYPE x nonsense\n"
                     "m{a=\"\\q\"} 3\n"
                     "after 4 5\r\n";
    struct promtext_parser p;
    struct promtext_line l;
    struct promtext_series s;
    char err[256];
    promtext_init(&p, in, strlen(in));
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_true(span_is(l.text, "good 1"));
    assert_int_equal(promtext_parse_series(&l, &s, err, sizeof(err)), 0);
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), -EINVAL);
    assert_int_equal(l.lineno, 2);
    assert_true(span_is(l.text, "bad-name 2"));
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "line 3: invalid metric type \"nonsense\""));
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_int_equal(promtext_parse_series(&l, &s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "line 4: invalid escape"));
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_int_equal(promtext_parse_series(&l, &s, err, sizeof(err)), 0);
    assert_true(s.value == 4 && s.timestamp_ms == 5);
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 0);
    /* empty input */
    promtext_init(&p, "", 0);
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 0);
    /* NUL bytes are just invalid characters, never a crash or an early end */
    static const char nul[] = "m 1\n\0x 2\nn 3\n";
    promtext_init(&p, nul, sizeof(nul) - 1);
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), -EINVAL);
    assert_int_equal(promtext_next(&p, &l, err, sizeof(err)), 1);
    assert_true(span_is(l.name, "n"));
}

static void test_unescape_passthrough(void **state)
{
    (void)state;
    char out[16];
    /* Unknown escapes (HELP docstrings) and a trailing backslash are copied as they are. */
    size_t n = promtext_unescape("a\\tb\\", 5, out);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "a\\tb\\", 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_type_words),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_label_errors),
        cmocka_unit_test(test_series_errors),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_values_vs_strtod),
        cmocka_unit_test(test_recovery_and_crlf),
        cmocka_unit_test(test_unescape_passthrough),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
