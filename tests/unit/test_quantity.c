/*
 * Unit tests for src/kube/quantity.
 *
 * Expected values come from Kubernetes itself, not from running this code:
 *   [qt]  k8s.io/apimachinery/pkg/api/resource/quantity_test.go tables (TestQuantityParse,
 *         TestQuantityString, TestQuantityParseEmit, TestParseQuantity, TestMilliNewSet,
 *         TestNewSet, TestNewScaledSet, TestScaledValue, TestQuantityCmp, TestAdd, TestSub,
 *         TestQuantityNeg, TestQuantityAsApproximateFloat64, ...), cited by test name;
 *   [ms]  ../shared/spec/metrics-server.md §1.5 and metrics-server pkg/storage/types_test.go;
 *   [go]  hand-derived from the Go source (quantity.go ParseQuantity/CanonicalizeBytes,
 *         suffix.go, amount.go), the derivation noted next to the case;
 *   [kg]  kgauge's documented deviations (range bound, input length).
 * Real Metrics API payloads in $KGAUGE_TESTDATA/metrics-api must re-format byte for byte.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube/quantity.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The value m * 10^e as (units, nanos), computed independently of the module. */
struct val {
    int64_t units;
    int32_t nanos;
};

static struct val dec_val(int64_t m, int e)
{
    struct val v = { 0, 0 };
    int64_t p = 1;

    if (e >= 0) {
        for (int i = 0; i < e; i++)
            p *= 10;
        v.units = m * p;
        return v;
    }
    for (int i = 0; i < -e; i++)
        p *= 10;
    v.units = m / p;
    v.nanos = (int32_t)(m % p);
    for (int i = -e; i < 9; i++)
        v.nanos *= 10;
    return v;
}

static struct quantity parse_ok(const char *s)
{
    struct quantity q;
    char err[KG_ERRBUF] = "";
    int rc = quantity_parse(&q, s, err, sizeof(err));

    if (rc != 0)
        fail_msg("parse %s: rc %d: %s", s, rc, err);
    return q;
}

static const char *fmt(const struct quantity *q)
{
    static char out[KG_MAX_QUANTITY_LEN];
    size_t n = quantity_format(q, out);
    assert_int_equal(n, strlen(out));
    return out;
}

static const char *canon(const struct quantity *q)
{
    static char out[KG_MAX_QUANTITY_LEN];
    size_t n = quantity_format_canonical(q, out);
    assert_int_equal(n, strlen(out));
    return out;
}

/* Member-wise equality (the struct has padding, so no memcmp). */
static bool same_quantity(const struct quantity *a, const struct quantity *b)
{
    return a->units == b->units && a->nanos == b->nanos && a->format == b->format &&
           a->srclen == b->srclen && memcmp(a->src, b->src, a->srclen) == 0;
}

static void expect_str(const char *in, const char *want)
{
    struct quantity q = parse_ok(in);
    const char *got = fmt(&q);

    if (strcmp(got, want) != 0)
        fail_msg("%s: String() = %s, want %s", in, got, want);
}

/* ---- ParseQuantity values ---- */

struct parse_case {
    const char *in;
    int64_t m; /* value = m * 10^e */
    int e;
    enum quantity_format format;
};

#define DSI QUANTITY_DECIMAL_SI
#define BSI QUANTITY_BINARY_SI
#define DEX QUANTITY_DECIMAL_EXPONENT

/* [qt] TestQuantityParse, the whole table except "12E" (above 2^63-1, see test_range). */
static const struct parse_case parse_cases[] = {
    { "0", 0, 0, DSI },
    { "0n", 0, 0, DSI },
    { "0u", 0, 0, DSI },
    { "0m", 0, 0, DSI },
    { "0Ki", 0, 0, BSI },
    { "0k", 0, 0, DSI },
    { "0Mi", 0, 0, BSI },
    { "0M", 0, 0, DSI },
    { "0Gi", 0, 0, BSI },
    { "0G", 0, 0, DSI },
    { "0Ti", 0, 0, BSI },
    { "0T", 0, 0, DSI },
    { "1", 1, 0, DSI },
    { "1Ki", 1024, 0, BSI },
    { "8Ki", 8 * 1024, 0, BSI },
    { "7Mi", 7 * 1024 * 1024, 0, BSI },
    { "6Gi", 6LL * 1024 * 1024 * 1024, 0, BSI },
    { "5Ti", 5LL * 1024 * 1024 * 1024 * 1024, 0, BSI },
    { "4Pi", 4LL * 1024 * 1024 * 1024 * 1024 * 1024, 0, BSI },
    { "3Ei", 3LL * 1024 * 1024 * 1024 * 1024 * 1024 * 1024, 0, BSI },
    { "10Ti", 10LL * 1024 * 1024 * 1024 * 1024, 0, BSI },
    { "100Ti", 100LL * 1024 * 1024 * 1024 * 1024, 0, BSI },
    { "5n", 5, -9, DSI },
    { "4u", 4, -6, DSI },
    { "3m", 3, -3, DSI },
    { "9", 9, 0, DSI },
    { "8k", 8, 3, DSI },
    { "50k", 5, 4, DSI },
    { "7M", 7, 6, DSI },
    { "6G", 6, 9, DSI },
    { "5T", 5, 12, DSI },
    { "40T", 4, 13, DSI },
    { "300T", 3, 14, DSI },
    { "2P", 2, 15, DSI },
    { "1E", 1, 18, DSI },
    { "1E-3", 1, -3, DEX },
    { "1e3", 1, 3, DEX },
    { "1E6", 1, 6, DEX },
    { "1e9", 1, 9, DEX },
    { "1E12", 1, 12, DEX },
    { "1e15", 1, 15, DEX },
    { "1E18", 1, 18, DEX },
    { "1e14", 1, 14, DEX },
    { "1e13", 1, 13, DEX },
    { "100.035k", 100035, 0, DSI },
    { "0.001", 1, -3, DSI },
    { "0.0005k", 5, -1, DSI },
    { "0.005", 5, -3, DSI },
    { "0.05", 5, -2, DSI },
    { "0.5", 5, -1, DSI },
    { "0.00050k", 5, -1, DSI },
    { "0.00500", 5, -3, DSI },
    { "0.05000", 5, -2, DSI },
    { "0.50000", 5, -1, DSI },
    { "0.5e0", 5, -1, DEX },
    { "0.5e-1", 5, -2, DEX },
    { "0.5e-2", 5, -3, DEX },
    { "10.035M", 10035, 3, DSI },
    { "1.2e3", 12, 2, DEX },
    { "1.3E+6", 13, 5, DEX },
    { "1.40e9", 14, 8, DEX },
    { "1.53E12", 153, 10, DEX },
    { "1.6e15", 16, 14, DEX },
    { "1.7E18", 17, 17, DEX },
    { "9.01", 901, -2, DSI },
    { "8.1k", 81, 2, DSI },
    { "7.123456M", 7123456, 0, DSI },
    { "6.987654321G", 6987654321, 0, DSI },
    { "5.444T", 5444, 9, DSI },
    { "40.1T", 401, 11, DSI },
    { "300.2T", 3002, 11, DSI },
    { "2.5P", 25, 14, DSI },
    { "1.01E", 101, 16, DSI },
    { "3.001n", 4, -9, DSI },
    { "1.1E-9", 2, -9, DEX },
    { "0.0000000001", 1, -9, DSI },
    { "0.0000000005", 1, -9, DSI },
    { "0.00000000050", 1, -9, DSI },
    { "0.5e-9", 1, -9, DEX },
    { "0.9n", 1, -9, DSI },
    { "0.00000012345", 124, -9, DSI },
    { "0.00000012354", 124, -9, DSI },
    { "9Ei", INT64_MAX, 0, BSI },
    { "9223372036854775807Ki", INT64_MAX, 0, BSI },
    { "100.035Ki", 10243584, -2, BSI },
    { "0.5Mi", 524288, 0, BSI },
    { "0.05Gi", 536870912, -1, BSI },
    { "0.025Ti", 274877906944, -1, BSI },
    { "0.000000000001Ki", 2, -9, DSI },
    { ".001", 1, -3, DSI },
    { ".0001k", 100, -3, DSI },
    { "1.", 1, 0, DSI },
    { "1.G", 1, 9, DSI },
};

static void check_value(const char *in, const struct quantity *q, struct val want,
                        enum quantity_format format)
{
    if (q->units != want.units || q->nanos != want.nanos)
        fail_msg("%s: got %lld+%dn, want %lld+%dn", in, (long long)q->units, q->nanos,
                 (long long)want.units, want.nanos);
    if (q->format != format)
        fail_msg("%s: format %d, want %d", in, q->format, format);
}

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_ELEMS(parse_cases); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct val want = dec_val(c->m, c->e), neg = { -want.units, -want.nanos };
        char buf[80];
        struct quantity q = parse_ok(c->in);

        check_value(c->in, &q, want, c->format);
        /* [qt] "Try the negative version of everything", "everything with an explicit +" */
        snprintf(buf, sizeof(buf), "-%s", c->in);
        q = parse_ok(buf);
        check_value(buf, &q, neg, c->format);
        snprintf(buf, sizeof(buf), "+%s", c->in);
        q = parse_ok(buf);
        check_value(buf, &q, want, c->format);
    }
}

/* ---- String() ---- */

/* [qt] TestQuantityString: the canonical text parses and keeps itself; alternates canonicalize. */
static void test_string_table(void **state)
{
    static const struct {
        const char *expect, *alternate;
    } cases[] = {
        { "1Gi", "1024Mi" },
        { "300Mi", "307200Ki" },
        { "6Ki", "" },
        { "1001Gi", "1025024Mi" },
        { "1Ti", "1024Gi" },
        { "5", "5000m" },
        { "500m", "0.5" },
        { "1G", "1000M" },
        { "1G", "0.001T" },
        { "1m", "1000u" },
        { "80m", "" },
        { "1080m", "1.08" },
        { "1080m", "1080000000n" },
        { "300M", "" },
        { "1T", "" },
        { "1234567M", "" },
        { "1234567m", "" },
        { "3k", "" },
        { "1025", "" },
        { "0", "" },
        { "1e9", ".001e12" },
        { "1e-3", "0.001e0" },
        { "1e-9", "1000e-12" },
        { "80e-3", "" },
        { "300e6", "" },
        { "1e12", "" },
        { "1e3", "" },
        { "3e3", "" },
        { "0", "00" },
        { "1n", "" },
        { "80n", "" },
        { "1080n", "" },
        { "1u", "" },
        { "80u", "" },
        { "1080u", "" },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct quantity q = parse_ok(cases[i].expect);
        char neg[80];

        assert_string_equal(fmt(&q), cases[i].expect);
        assert_string_equal(canon(&q), cases[i].expect);
        if (strcmp(cases[i].expect, "0") != 0) {
            /* negating never prints "-0" and otherwise just adds the sign */
            assert_int_equal(quantity_neg(&q), 0);
            snprintf(neg, sizeof(neg), "-%s", cases[i].expect);
            assert_string_equal(fmt(&q), neg);
        }
        if (cases[i].alternate[0] != '\0') {
            q = parse_ok(cases[i].alternate);
            assert_int_equal(q.srclen, 0); /* not kept: it is not canonical */
            assert_string_equal(fmt(&q), cases[i].expect);
        }
    }
}

/* [qt] TestQuantityParseEmit, plus its negated half. */
static void test_parse_emit(void **state)
{
    static const char *const cases[][2] = {
        { "1Ki", "1Ki" },
        { "1Mi", "1Mi" },
        { "1Gi", "1Gi" },
        { "1024Mi", "1Gi" },
        { "1000M", "1G" },
        { ".001Ki", "1024m" },
        { ".000001Ki", "1024u" },
        { ".000000001Ki", "1024n" },
        { ".000000000001Ki", "2n" },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char in[80], want[80];

        expect_str(cases[i][0], cases[i][1]);
        snprintf(in, sizeof(in), "-%s", cases[i][0]);
        snprintf(want, sizeof(want), "-%s", cases[i][1]);
        expect_str(in, want);
    }
}

/* [qt] TestParseQuantity: every row whose value lies within [-2^63, 2^63-1]. */
static void test_parse_large(void **state)
{
    static const char *const cases[][2] = {
        { "-999999999999999999", "-999999999999999999" },
        { "999999999999999999", "999999999999999999" },
        { "-999999999999999999.0", "-999999999999999999" },
        { "999999999999999999.0", "999999999999999999" },
        { "-999999999999999999.1", "-999999999999999999100m" },
        { "999999999999999999.1", "999999999999999999100m" },
        { "-1E", "-1E" },
        { "1E", "1E" },
        { "-1000000000000000000", "-1E" },
        { "1000000000000000000", "1E" },
        { "-1.0E", "-1E" },
        { "1.0E", "1E" },
        { "-1000000000000000000.0", "-1E" },
        { "1000000000000000000.0", "1E" },
        { "-1.0000000000000000001E", "-1000000000000000000100m" },
        { "1.0000000000000000001E", "1000000000000000000100m" },
        { "-1000000000000000000.1", "-1000000000000000000100m" },
        { "1000000000000000000.1", "1000000000000000000100m" },
        { "-1.000000000000000001E", "-1000000000000000001" },
        { "1.000000000000000001E", "1000000000000000001" },
        { "-1000000000000000001", "-1000000000000000001" },
        { "1000000000000000001", "1000000000000000001" },
        { "9223372036854775806", "9223372036854775806" },
        { "9223372036854775806.0", "9223372036854775806" },
        { "9223372036854775806000m", "9223372036854775806" },
        { "9223372036854775806.1", "9223372036854775806100m" },
        { "-9223372036854775808", "-9223372036854775808" },
        { "9223372036854775807", "9223372036854775807" },
        { "-9223372036854775808.0", "-9223372036854775808" },
        { "9223372036854775807.0", "9223372036854775807" },
        { "-9223372036854775808000m", "-9223372036854775808" },
        { "9223372036854775807000m", "9223372036854775807" },
        { "-9223372036854775807", "-9223372036854775807" },
        { "-9223372036854775807.0", "-9223372036854775807" },
        { "-9223372036854775807000m", "-9223372036854775807" },
        { "-9223372036854775807.1", "-9223372036854775807100m" },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        expect_str(cases[i][0], cases[i][1]);
}

/* The task's examples, and canonical/kept-text rules derived from quantity.go [go]. */
static void test_string_rules(void **state)
{
    static const char *const cases[][3] = {
        /* input, String(), canonical */
        { "1.5Gi", "1536Mi", "1536Mi" },
        { "0.5", "500m", "500m" },
        { "1000m", "1", "1" },
        { "1e3", "1e3", "1e3" },
        { "1024Ki", "1Mi", "1Mi" },
        { "100m", "100m", "100m" },
        { "12e6", "12e6", "12e6" },
        { "1.5", "1500m", "1500m" },
        { "0.0000000001", "1n", "1n" },
        { "-0.0000000001", "-1n", "-1n" }, /* rounded away from zero */
        /* 0.1 * 2^30 = 107374182.4: BinarySI with a fraction is shown as DecimalSI */
        { "0.1Gi", "107374182400m", "107374182400m" },
        { "1.1Ki", "1126400m", "1126400m" },
        /* BinarySI below 1024 is shown as DecimalSI: 1000 -> 1k */
        { "0.9765625Ki", "1k", "1k" },
        { "1.5Ki", "1536", "1536" },
        { "62.5Ki", "64000", "64000" }, /* 64000 = 62.5 * 1024: no 1024 factor, plain */
        { "64000", "64k", "64k" },      /* ends in "000": not kept */
        /* kept text: fast path, scale%3==0, no "000" ending, no leading substituted 0 */
        { "+1", "+1", "1" },
        { "+100m", "+100m", "100m" },
        { "0100m", "0100m", "100m" },
        { "1.", "1.", "1" },
        { "1.G", "1.G", "1G" },
        { "1.100", "1.100", "1100m" },
        { "1E3", "1E3", "1e3" },
        { "1e+3", "1e+3", "1e3" },
        { "1e03", "1e03", "1e3" },
        { "1.1e4", "1.1e4", "11e3" },
        { "10e3", "10e3", "10e3" },
        { "1100", "1100", "1100" },
        /* not kept */
        { "1000", "1k", "1k" },
        { "+1000", "1k", "1k" },
        { "1000e3", "1e6", "1e6" },
        { "1e1", "10", "10" },
        { "1.5e3", "1500", "1500" },
        { "0.5e3", "500", "500" },
        { "1.0", "1", "1" },
        /* BinarySI keeps the text only when the digits are not a multiple of 8 */
        { "1Ki", "1Ki", "1Ki" },
        { "+1Ki", "+1Ki", "1Ki" },
        { "+8Ki", "8Ki", "8Ki" },
        { "01Ki", "01Ki", "1Ki" },
        { "1025Ki", "1025Ki", "1025Ki" },
        { "1000Ki", "1000Ki", "1000Ki" },
        { "12Pi", "12Pi", "12Pi" }, /* Pi/Ei are never on the fast path */
        /* zero in every spelling prints "0" */
        { "-0", "0", "0" },
        { "+0", "0", "0" },
        { "00", "0", "0" },
        { "0.0", "0", "0" },
        { "-", "0", "0" },
        { "+", "0", "0" },
        { ".", "0", "0" },
        { "-.", "0", "0" },
        { "Ki", "0", "0" },
        { ".Ti", "0", "0" },
        { "m", "0", "0" },
        { "e3", "0", "0" },
        { "0e-10", "0", "0" },
        /* sub-nano rounding up, exponents */
        { "1.0000000001", "1000000001n", "1000000001n" },
        { "1e-100", "1e-9", "1e-9" },
        { "-1e-100", "-1e-9", "-1e-9" },
        { "1e-2147483648", "1e-9", "1e-9" },
        /* Kubernetes truncates the e-exponent to 32 bits: 2^32 -> 0, 2^32+1 -> 1 */
        { "1e4294967296", "1e4294967296", "1" },
        { "1e4294967297", "10", "10" },
        { "1e9223372036854775807", "100e-3", "100e-3" }, /* low 32 bits: -1 */
        /* 7.999999999999999999 * 2^60 = 9223372036854775806.847078495393153024 */
        { "7.999999999999999999Ei", "9223372036854775806847078496n",
          "9223372036854775806847078496n" },
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        struct quantity q = parse_ok(cases[i][0]);

        if (strcmp(fmt(&q), cases[i][1]) != 0)
            fail_msg("%s: String() %s, want %s", cases[i][0], fmt(&q), cases[i][1]);
        if (strcmp(canon(&q), cases[i][2]) != 0)
            fail_msg("%s: canonical %s, want %s", cases[i][0], canon(&q), cases[i][2]);
    }
}

static void test_formats_inferred(void **state)
{
    struct quantity q;
    (void)state;
    /* an out-of-range format prints as DecimalExponent (Kubernetes' default case) */
    quantity_from_int(&q, 1000, (enum quantity_format)7);
    assert_string_equal(fmt(&q), "1e3");
    q = parse_ok("Ki");
    assert_int_equal(q.format, BSI);
    q = parse_ok("e3");
    assert_int_equal(q.format, DEX);
    q = parse_ok("0.5Ki"); /* 512: >= 1, stays BinarySI, printed as DecimalSI */
    assert_int_equal(q.format, BSI);
    assert_string_equal(fmt(&q), "512");
    q = parse_ok("0.0001Ki"); /* 0.1024 < 1: Kubernetes switches to DecimalSI at parse */
    assert_int_equal(q.format, DSI);
    assert_string_equal(fmt(&q), "102400u");
    q = parse_ok("-0.0001Ki");
    assert_int_equal(q.format, DSI);
    q = parse_ok("-0Ki");
    assert_int_equal(q.format, BSI);
}

/* ---- errors ---- */

static void expect_error(const char *in, size_t len, int rc_want, const char *msg)
{
    struct quantity q;
    char err[KG_ERRBUF] = "";
    int rc;

    memset(&q, 0x5a, sizeof(q));
    rc = quantity_parse_n(&q, in, len, err, sizeof(err));
    if (rc != rc_want)
        fail_msg("%.*s: rc %d, want %d (%s)", (int)len, in, rc, rc_want, err);
    if (msg != NULL && strcmp(err, msg) != 0)
        fail_msg("%.*s: message '%s', want '%s'", (int)len, in, err, msg);
    assert_true(quantity_is_zero(&q));
    assert_int_equal(q.srclen, 0);
}

static void test_errors(void **state)
{
    /* [qt] TestQuantityParse "invalid", "" and TestQuantityParseNonNumericPanic; which
     * of the two errors each gets follows parseQuantityString/interpret [go]. */
    static const char *const format_errors[] = {
        "",     "1.1.M", "1+1.0M", "0.1am", "aoeu",      " 1", "1 ", "Non-Numeric", "1.5.", "1x",

        "1KiB", "1e3.5", "1e3e",   "1/2",   "\302\2651", /* "µ1" */
        "1Ki ", "0x10",  "1,5",    "1KI",   "1MI",
    };
    static const char *const suffix_errors[] = {
        "0.1mi", ".5i",  "1i",   "-3.01i", "-3.01e-", "1K",   "1ki", "1k3", "1e",
        "1e+",   "1Ee3", "1ee3", "i",      "1mk",     "1Mi3", "1-",  "1+5", "1e9223372036854775808",
        "--1",   "+-1",
    };
    /* No digits and off Kubernetes' int64 fast path: inf.Dec SetString fails [go]. */
    static const char *const numeric_errors[] = { "e-10", ".e-10", "-e-10", "Pi", "Ei", "-.Pi" };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(format_errors); i++)
        expect_error(format_errors[i], strlen(format_errors[i]), -EINVAL, QUANTITY_ERR_FORMAT);
    for (size_t i = 0; i < N_ELEMS(suffix_errors); i++)
        expect_error(suffix_errors[i], strlen(suffix_errors[i]), -EINVAL, QUANTITY_ERR_SUFFIX);
    for (size_t i = 0; i < N_ELEMS(numeric_errors); i++)
        expect_error(numeric_errors[i], strlen(numeric_errors[i]), -EINVAL, QUANTITY_ERR_NUMERIC);
    /* embedded NUL is an invalid character */
    expect_error("1\0", 2, -EINVAL, QUANTITY_ERR_FORMAT);
    /* the exact Kubernetes texts */
    assert_string_equal(QUANTITY_ERR_FORMAT, "quantities must match the regular expression "
                                             "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    assert_string_equal(QUANTITY_ERR_SUFFIX, "unable to parse quantity's suffix");
    /* err may be NULL or tiny */
    {
        struct quantity q;
        char tiny[8];
        assert_int_equal(quantity_parse(&q, "1x", NULL, 0), -EINVAL);
        assert_int_equal(quantity_parse(&q, "1x", tiny, sizeof(tiny)), -EINVAL);
        assert_string_equal(tiny, "quantit");
    }
}

/* [kg] outside [-2^63, 2^63-1] decimal values fail; BinarySI is capped like Kubernetes. */
static void test_range(void **state)
{
    static const char *const too_large[] = {
        "9223372036854775808",
        "-9223372036854775809",
        "9223372036854775807.1",
        "-9223372036854775808.1",
        "9223372036854775808.0",
        "9223372036854775807.000000001",
        "9999999999999999999",
        "10E",
        "-10E",
        "12E",
        "1e19",
        "1e2147483647",
        "99999999999999999999999999999999999999999999999999999999999999",
    };
    static const char *const capped[][2] = {
        { "8Ei", "9223372036854775807" },
        { "-8Ei", "-9223372036854775807" },
        { "9Ei", "9223372036854775807" },
        { "16Ei", "9223372036854775807" },
        { "9223372036854775807Ki", "9223372036854775807" },
        { "99999999999999999999999999999999999999Ki", "9223372036854775807" },
        { "-99999999999999999999999999999999999999.5Ti", "-9223372036854775807" },
    };
    char err[KG_ERRBUF];
    struct quantity q;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(too_large); i++)
        expect_error(too_large[i], strlen(too_large[i]), -ERANGE, NULL);
    assert_int_equal(quantity_parse(&q, "1e19", err, sizeof(err)), -ERANGE);
    assert_non_null(strstr(err, "1e19"));
    assert_non_null(strstr(err, "too large"));
    for (size_t i = 0; i < N_ELEMS(capped); i++) {
        q = parse_ok(capped[i][0]);
        assert_int_equal(q.format, BSI);
        assert_string_equal(fmt(&q), capped[i][1]);
    }
    /* 7Ei = 8070450532247928832 is within range and exact */
    q = parse_ok("7Ei");
    assert_int_equal(q.units, 8070450532247928832LL);
    assert_string_equal(fmt(&q), "7Ei");
}

static void test_length_limit(void **state)
{
    char s[KG_MAX_QUANTITY_INPUT + 2];
    char err[KG_ERRBUF];
    struct quantity q;
    (void)state;
    /* 63 bytes: "0." + 60 zeros + "1" = 1e-61, rounds up to 1n */
    s[0] = '0';
    s[1] = '.';
    memset(s + 2, '0', KG_MAX_QUANTITY_INPUT - 3);
    s[KG_MAX_QUANTITY_INPUT - 1] = '1';
    s[KG_MAX_QUANTITY_INPUT] = '\0';
    assert_int_equal(strlen(s), 63);
    q = parse_ok(s);
    assert_string_equal(fmt(&q), "1n");
    /* 64 bytes */
    memmove(s + 1, s, KG_MAX_QUANTITY_INPUT + 1);
    s[0] = '+';
    assert_int_equal(quantity_parse(&q, s, err, sizeof(err)), -E2BIG);
    assert_string_equal(err, "quantity is 64 bytes long; at most 63 are accepted");
    /* a kept 63-byte text comes back whole */
    memset(s, '0', 62);
    s[62] = '1';
    s[63] = '\0';
    q = parse_ok(s);
    assert_int_equal(q.srclen, 63);
    assert_string_equal(fmt(&q), s);
    assert_string_equal(canon(&q), "1");
}

/* ---- construction ---- */

static void test_new_quantities(void **state)
{
    /* [qt] TestMilliNewSet */
    static const struct {
        int64_t v;
        enum quantity_format f;
        const char *want;
    } milli[] = {
        { 1, DSI, "1m" },
        { 1000, DSI, "1" },
        { 1234000, DSI, "1234" },
        { 1024, BSI, "1024m" },
        { 1024 * 1024, BSI, "1048576m" },
        { 1000000, DEX, "1e3" },
        /* HPA status: NewMilliQuantity(milli, DecimalSI) [go] */
        { 209715200000LL, DSI, "209715200" },
        { 209715200500LL, DSI, "209715200500m" },
        { -1500, DSI, "-1500m" },
    };
    /* [qt] TestNewSet */
    static const struct {
        int64_t v;
        enum quantity_format f;
        const char *want;
    } whole[] = {
        { 1, DSI, "1" },
        { 1000, DSI, "1k" },
        { 1234000, DSI, "1234k" },
        { 1024, BSI, "1Ki" },
        { 1000000, DEX, "1e6" },
        { 1024 * 1024, BSI, "1Mi" },
        { INT64_MIN, BSI, "-8Ei" },
        { INT64_MAX, DSI, "9223372036854775807" },
    };
    /* [qt] TestNewScaledSet */
    static const struct {
        int64_t v;
        int scale;
        const char *want;
    } scaled[] = {
        { 1, -9, "1n" }, { 1000, -9, "1u" }, { 1, -6, "1u" }, { 1000, -6, "1m" },
        { 1, -3, "1m" }, { 1000, -3, "1" },  { 1, 0, "1" },   { 0, -9, "0" },
        { 0, -6, "0" },  { 0, -3, "0" },     { 0, 0, "0" },   { 9, 18, "9E" },
    };
    struct quantity q, q2;
    int64_t v;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(milli); i++) {
        quantity_from_milli(&q, milli[i].v, milli[i].f);
        assert_string_equal(fmt(&q), milli[i].want);
        q2 = parse_ok(fmt(&q));
        assert_int_equal(quantity_milli_value(&q2, &v), 0);
        assert_int_equal(v, milli[i].v);
    }
    for (size_t i = 0; i < N_ELEMS(whole); i++) {
        quantity_from_int(&q, whole[i].v, whole[i].f);
        assert_string_equal(fmt(&q), whole[i].want);
        q2 = parse_ok(fmt(&q));
        /* "-8Ei" parses capped at -(2^63-1), as in Kubernetes */
        assert_int_equal(quantity_value(&q2), whole[i].v == INT64_MIN ? -INT64_MAX : whole[i].v);
    }
    for (size_t i = 0; i < N_ELEMS(scaled); i++) {
        assert_int_equal(quantity_from_scaled(&q, scaled[i].v, scaled[i].scale, DSI), 0);
        assert_string_equal(fmt(&q), scaled[i].want);
        q2 = parse_ok(fmt(&q));
        assert_int_equal(quantity_scaled_value(&q2, scaled[i].scale, &v), 0);
        assert_int_equal(v, scaled[i].v);
        assert_int_equal(quantity_cmp(&q, &q2), 0);
    }
    /* [kg] scales finer than 1n, or results out of range, are refused; q unchanged */
    quantity_from_int(&q, 5, DSI);
    assert_int_equal(quantity_from_scaled(&q, 1, -10, DSI), -ERANGE);
    assert_int_equal(quantity_from_scaled(&q, 1, 19, DSI), -ERANGE);
    assert_int_equal(quantity_from_scaled(&q, 10, 18, DSI), -ERANGE);
    assert_int_equal(quantity_from_scaled(&q, INT64_MIN, 1, DSI), -ERANGE);
    assert_int_equal(quantity_value(&q), 5);
    assert_int_equal(quantity_from_scaled(&q, 0, 1000000, DSI), 0);
    assert_true(quantity_is_zero(&q));
    assert_int_equal(quantity_from_scaled(&q, INT64_MIN, 0, BSI), 0);
    assert_string_equal(fmt(&q), "-8Ei");
}

/* ---- accessors ---- */

static void test_scaled_value(void **state)
{
    /* [qt] TestScaledValue: NewScaledQuantity(1, from).ScaledValue(to) */
    static const struct {
        int from, to;
        int64_t want;
    } cases[] = {
        { -9, -9, 1 },         { -9, -6, 1 },      { -9, -3, 1 },   { -9, 0, 1 },
        { -6, -9, 1000 },      { -6, -6, 1 },      { -6, -3, 1 },   { -6, 0, 1 },
        { -3, -9, 1000000 },   { -3, -6, 1000 },   { -3, -3, 1 },   { -3, 0, 1 },
        { 0, -9, 1000000000 }, { 0, -6, 1000000 }, { 0, -3, 1000 }, { 0, 0, 1 },
        { 2, -2, 10000 },
    };
    struct quantity q;
    int64_t v;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        assert_int_equal(quantity_from_scaled(&q, 1, cases[i].from, DSI), 0);
        assert_int_equal(quantity_scaled_value(&q, cases[i].to, &v), 0);
        assert_int_equal(v, cases[i].want);
    }
    /* Value()/MilliValue() round up away from zero (int64Amount rule) [go] */
    static const struct {
        const char *in;
        int64_t value, milli;
    } vals[] = {
        { "1.5", 2, 1500 },
        { "-1.5", -2, -1500 },
        { "1n", 1, 1 },
        { "-1n", -1, -1 },
        { "1234567890n", 2, 1235 }, /* kubectl top: 1234567890n -> 1235m */
        { "1500001n", 1, 2 },       /* kubectl top: 1500001n -> 2m */
        { "200Mi", 209715200, 209715200000LL },
        { "9223372036854775", 9223372036854775LL, 9223372036854775000LL },
        { "-9223372036854775.808", -9223372036854776LL, INT64_MIN },
    };
    for (size_t i = 0; i < N_ELEMS(vals); i++) {
        q = parse_ok(vals[i].in);
        assert_int_equal(quantity_value(&q), vals[i].value);
        assert_int_equal(quantity_milli_value(&q, &v), 0);
        assert_int_equal(v, vals[i].milli);
    }
    q = parse_ok("9223372036854775807");
    assert_int_equal(quantity_value(&q), INT64_MAX);
    q = parse_ok("9223372036854775806.5");
    assert_int_equal(quantity_value(&q), INT64_MAX);
    q = parse_ok("-9223372036854775808");
    assert_int_equal(quantity_value(&q), INT64_MIN);
    q = parse_ok("-9223372036854775807.5");
    assert_int_equal(quantity_value(&q), INT64_MIN);
    /* overflow is reported, not wrapped [kg] */
    q = parse_ok("9223372036854775807");
    assert_int_equal(quantity_milli_value(&q, &v), -ERANGE);
    q = parse_ok("9223372036854776");
    assert_int_equal(quantity_milli_value(&q, &v), -ERANGE);
    q = parse_ok("9");
    assert_int_equal(quantity_scaled_value(&q, -18, &v), 0);
    assert_int_equal(v, 9000000000000000000LL);
    q = parse_ok("10");
    assert_int_equal(quantity_scaled_value(&q, -18, &v), -ERANGE);
    q = parse_ok("1");
    assert_int_equal(quantity_scaled_value(&q, 18, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(quantity_scaled_value(&q, 1000, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(quantity_scaled_value(&q, INT32_MAX, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(quantity_scaled_value(&q, INT32_MIN, &v), -ERANGE);
    q = parse_ok("-1");
    assert_int_equal(quantity_scaled_value(&q, 1000, &v), 0);
    assert_int_equal(v, -1);
    q = parse_ok("0");
    assert_int_equal(quantity_scaled_value(&q, -1000, &v), 0);
    assert_int_equal(v, 0);
    q = parse_ok("12k");
    assert_int_equal(quantity_scaled_value(&q, 3, &v), 0);
    assert_int_equal(v, 12);
    q = parse_ok("12001");
    assert_int_equal(quantity_scaled_value(&q, 3, &v), 0);
    assert_int_equal(v, 13);
}

static void test_approx_double(void **state)
{
    /* [qt] TestQuantityAsApproximateFloat64 (rows within range), TestStringQuantityAs... */
    static const struct {
        int64_t m;
        int e;
        double want;
    } cases[] = {
        { 0, 0, 0.0 },
        { 1, 0, 1 },
        { 1024, 0, 1024 },
        { 8 * 1024, 0, 8 * 1024 },
        { 7 * 1024 * 1024, 0, 7 * 1024 * 1024 },
        { 7 * 1024 * 1024, 1, (7 * 1024 * 1024) * 10.0 },
        { 7 * 1024 * 1024, 4, (7 * 1024 * 1024) * 10000.0 },
        { 7 * 1024 * 1024, 8, (7 * 1024 * 1024) * 100000000.0 },
        { 7 * 1024 * 1024, -1, (7 * 1024 * 1024) * (1 / 10.0) },
        { 7 * 1024 * 1024, -8, (7 * 1024 * 1024) / 100000000.0 },
        { INT64_MAX, 0, 9223372036854775807.0 },
    };
    static const struct {
        const char *in;
        double want;
    } strs[] = {
        { "2Ki", 2048 }, { "1.1Ki", 1126.4 }, { "1Mi", 1.048576e+06 }, { "2Gi", 2.147483648e+09 },
        { "0.1", 0.1 },  { "-2.5", -2.5 },    { "100m", 0.1 },
    };
    struct quantity q;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        assert_int_equal(quantity_from_scaled(&q, cases[i].m, cases[i].e, BSI), 0);
        if (quantity_approx_double(&q) != cases[i].want)
            fail_msg("%lld e%d: %.17g want %.17g", (long long)cases[i].m, cases[i].e,
                     quantity_approx_double(&q), cases[i].want);
    }
    for (size_t i = 0; i < N_ELEMS(strs); i++) {
        q = parse_ok(strs[i].in);
        if (quantity_approx_double(&q) != strs[i].want)
            fail_msg("%s: %.17g want %.17g", strs[i].in, quantity_approx_double(&q), strs[i].want);
    }
}

static void test_cmp_sign(void **state)
{
    /* [qt] TestQuantityCmp */
    static const struct {
        const char *x, *y;
        int want;
    } cases[] = {
        { "0", "0", 0 },
        { "100m", "50m", 1 },
        { "50m", "100m", -1 },
        { "10000T", "100Gi", 1 },
        /* [qt] TestQuantityCmpInt64AndDec rows expressible as text */
        { "9.01", "9.01", 0 },
        { "9.0", "9.01", -1 },
        { "9.01", "9.00", 1 },
        { "0e1", "0e-1", 0 },
        { "800m", "1", -1 },
        { "800m", "790m", 1 },
        { "9223372036854775807", "0.1", 1 },
        { "-9223372036854775808", "0", -1 },
        { "-9223372036854775808", "-1", -1 },
        /* sign handling across units/nanos */
        { "-1.5", "-1.2", -1 },
        { "-0.5", "0.5", -1 },
        { "-1.5", "-0.5", -1 },
        { "1Ki", "1024", 0 },
        { "1k", "1000", 0 },
    };
    struct quantity a, b;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        a = parse_ok(cases[i].x);
        b = parse_ok(cases[i].y);
        if (quantity_cmp(&a, &b) != cases[i].want || quantity_cmp(&b, &a) != -cases[i].want)
            fail_msg("cmp(%s, %s) = %d, want %d", cases[i].x, cases[i].y, quantity_cmp(&a, &b),
                     cases[i].want);
    }
    a = parse_ok("-5m");
    assert_int_equal(quantity_sign(&a), -1);
    a = parse_ok("5n");
    assert_int_equal(quantity_sign(&a), 1);
    a = parse_ok("-0");
    assert_int_equal(quantity_sign(&a), 0);
    assert_true(quantity_is_zero(&a));
}

/* ---- arithmetic ---- */

static void test_add_sub_neg(void **state)
{
    struct quantity a, b, z;
    (void)state;
    /* [qt] TestAdd */
    quantity_from_int(&a, 10, DSI);
    assert_int_equal(quantity_from_scaled(&b, 1, 1, DSI), 0);
    assert_int_equal(quantity_add(&a, &b), 0);
    assert_int_equal(quantity_value(&a), 20);
    quantity_from_int(&a, 10, DSI);
    quantity_from_int(&b, 1, BSI);
    assert_int_equal(quantity_add(&a, &b), 0);
    assert_int_equal(quantity_value(&a), 11);
    assert_int_equal(a.format, DSI);
    quantity_from_int(&a, 10, BSI);
    quantity_from_int(&b, 1, DSI);
    assert_int_equal(quantity_add(&a, &b), 0);
    assert_int_equal(quantity_value(&a), 11);
    assert_int_equal(a.format, BSI);
    quantity_from_int(&a, 0, DSI);
    quantity_from_int(&b, 50, DSI);
    assert_int_equal(quantity_add(&a, &b), 0);
    assert_int_equal(quantity_value(&a), 50);
    /* [qt] TestSub */
    quantity_from_int(&a, 10, DSI);
    assert_int_equal(quantity_from_scaled(&b, 1, 1, DSI), 0);
    assert_int_equal(quantity_sub(&a, &b), 0);
    assert_true(quantity_is_zero(&a));
    quantity_from_int(&a, 10, BSI);
    quantity_from_int(&b, 1, DSI);
    assert_int_equal(quantity_sub(&a, &b), 0);
    assert_int_equal(quantity_value(&a), 9);
    assert_int_equal(a.format, BSI);
    quantity_from_int(&a, 0, DSI);
    quantity_from_int(&b, 50, DSI);
    assert_int_equal(quantity_sub(&a, &b), 0);
    assert_int_equal(quantity_value(&a), -50);

    /* [qt] TestQuantityAddZeroPreservesSuffix / SubZeroPreservesSuffix */
    static const char *const keep[] = { "100m", "1Gi" };
    for (size_t i = 0; i < N_ELEMS(keep); i++) {
        char neg[16];
        z = parse_ok("0");
        a = parse_ok(keep[i]);
        assert_int_equal(quantity_add(&a, &z), 0);
        assert_string_equal(fmt(&a), keep[i]);
        b = parse_ok(keep[i]);
        assert_int_equal(quantity_add(&z, &b), 0);
        assert_string_equal(fmt(&z), keep[i]);
        a = parse_ok(keep[i]);
        z = parse_ok("0");
        assert_int_equal(quantity_sub(&a, &z), 0);
        assert_string_equal(fmt(&a), keep[i]);
        assert_int_equal(quantity_sub(&z, &b), 0);
        snprintf(neg, sizeof(neg), "-%s", keep[i]);
        assert_string_equal(fmt(&z), neg);
    }
    /* [qt] TestQuantityCanocicalizeZero: 1000m - 1 = "0" */
    a = parse_ok("1000m");
    quantity_from_int(&b, 1, DSI);
    assert_int_equal(quantity_sub(&a, &b), 0);
    assert_string_equal(fmt(&a), "0");
    /* [qt] TestQuantityNeg: 9.01 -> "-9010m" */
    assert_int_equal(quantity_from_scaled(&a, 901, -2, DSI), 0);
    assert_int_equal(quantity_neg(&a), 0);
    assert_string_equal(fmt(&a), "-9010m");
    /* mutation drops the kept text: "+1" + 0 prints canonically */
    a = parse_ok("+1");
    z = parse_ok("0");
    assert_int_equal(quantity_add(&a, &z), 0);
    assert_string_equal(fmt(&a), "1");
    a = parse_ok("+1");
    assert_int_equal(quantity_neg(&a), 0);
    assert_string_equal(fmt(&a), "-1");
    /* pod sum as kubectl top does: 1.500001m + 2m -> MilliValue 4 */
    a = parse_ok("1500001n");
    b = parse_ok("2m");
    assert_int_equal(quantity_add(&a, &b), 0);
    int64_t mv;
    assert_int_equal(quantity_milli_value(&a, &mv), 0);
    assert_int_equal(mv, 4);
    assert_string_equal(fmt(&a), "3500001n");
    /* mixed signs and carries */
    a = parse_ok("-1.5");
    b = parse_ok("0.75");
    assert_int_equal(quantity_add(&a, &b), 0);
    assert_string_equal(fmt(&a), "-750m");
    assert_int_equal(quantity_sub(&a, &b), 0);
    assert_string_equal(fmt(&a), "-1500m");
    /* [kg] range: results outside [-2^63, 2^63-1] fail and leave q unchanged */
    a = parse_ok("9223372036854775807");
    b = parse_ok("1n");
    assert_int_equal(quantity_add(&a, &b), -ERANGE);
    assert_string_equal(fmt(&a), "9223372036854775807");
    a = parse_ok("-9223372036854775808");
    assert_int_equal(quantity_sub(&a, &b), -ERANGE);
    assert_int_equal(quantity_neg(&a), -ERANGE);
    assert_int_equal(quantity_value(&a), INT64_MIN);
    a = parse_ok("-9223372036854775807");
    quantity_from_int(&b, 1, DSI);
    assert_int_equal(quantity_sub(&a, &b), 0);
    assert_int_equal(quantity_value(&a), INT64_MIN);
    /* add/sub round trip across scales ([qt] TestAddSubRoundTripAcrossScales, fixed values) */
    quantity_from_int(&a, 0, DSI);
    for (int k = -9; k <= 9; k++) {
        assert_int_equal(quantity_from_scaled(&b, 1234567 + k, k, DSI), 0);
        assert_int_equal(quantity_add(&a, &b), 0);
    }
    for (int k = -9; k <= 9; k++) {
        assert_int_equal(quantity_from_scaled(&b, 1234567 + k, k, DSI), 0);
        assert_int_equal(quantity_sub(&a, &b), 0);
    }
    assert_true(quantity_is_zero(&a));
}

/* ---- metrics-server output [ms] ---- */

static void test_metrics_server(void **state)
{
    static const struct {
        int64_t v;
        const char *want;
    } cpu[] = {
        { 7338891, "7338891n" },     { 1000, "1u" },           { 20000, "20u" },
        { 1500000, "1500u" },        { 50000000, "50m" },      { 500000000, "500m" },
        { 1000000000, "1" },         { 1500000000, "1500m" },  { 2500000000, "2500m" },
        { 12000000000, "12" },       { 120000000000, "120" },  { 1200000000000, "1200" },
        { 12000000000000, "12k" },   { 123456000, "123456u" }, { 0, "0" },
        { 298952967, "298952967n" }, { 2145873, "2145873n" },
    };
    static const struct {
        int64_t v;
        const char *want;
    } mem[] = {
        { 0, "0" },
        { 512, "512" },
        { 1024, "1Ki" },
        { 1536, "1536" },
        { 12533760, "12240Ki" },
        { 1616273408, "1578392Ki" },
        { 5242880, "5Mi" },
        { 3221225472, "3Gi" },
        { 1234567, "1234567" },
        { 1311340 * 1024LL, "1311340Ki" },
        /* below 1024 BinarySI is printed as DecimalSI, so 1000 -> "1k" [go] */
        { 1000, "1k" },
        { 1023, "1023" },
        { 2000, "2000" },
    };
    char out[KG_MAX_QUANTITY_LEN];
    struct quantity q;
    (void)state;
    for (size_t i = 0; i < N_ELEMS(cpu); i++) {
        assert_int_equal(quantity_format_nanocores(cpu[i].v, out), strlen(cpu[i].want));
        assert_string_equal(out, cpu[i].want);
        /* same as NewScaledQuantity(v, Nano) through the generic path */
        assert_int_equal(quantity_from_scaled(&q, cpu[i].v, -9, DSI), 0);
        assert_string_equal(fmt(&q), cpu[i].want);
        quantity_format_nanocores_u64((uint64_t)cpu[i].v, out);
        assert_string_equal(out, cpu[i].want);
    }
    for (size_t i = 0; i < N_ELEMS(mem); i++) {
        assert_int_equal(quantity_format_bytes(mem[i].v, out), strlen(mem[i].want));
        assert_string_equal(out, mem[i].want);
        quantity_from_int(&q, mem[i].v, BSI);
        assert_string_equal(fmt(&q), mem[i].want);
        quantity_format_bytes_u64((uint64_t)mem[i].v, out);
        assert_string_equal(out, mem[i].want);
    }
    quantity_format_nanocores(-1500000000, out);
    assert_string_equal(out, "-1500m");
    quantity_format_nanocores(INT64_MIN, out);
    assert_string_equal(out, "-9223372036854775808n");
    quantity_format_bytes(-1024, out);
    assert_string_equal(out, "-1Ki");
    quantity_format_bytes(INT64_MIN, out);
    assert_string_equal(out, "-8Ei");
    quantity_format_bytes(INT64_MAX, out);
    assert_string_equal(out, "9223372036854775807");
    /* uint64Quantity (types_test.go TestUint64Quantity): above MaxInt64 -> value/10, scale+1 */
    quantity_format_nanocores_u64((uint64_t)INT64_MAX + 10, out); /* 922337203685477581e-8 */
    assert_string_equal(out, "9223372036854775810n");
    quantity_format_nanocores_u64((uint64_t)INT64_MAX + 20, out);
    assert_string_equal(out, "9223372036854775820n");
    quantity_format_nanocores_u64((uint64_t)INT64_MAX - 10, out);
    assert_string_equal(out, "9223372036854775797n");
    quantity_format_nanocores_u64(UINT64_MAX, out);
    assert_string_equal(out, "18446744073709551610n");
    quantity_format_nanocores_u64(10000000000000000000u, out); /* 1e18 at scale -8 */
    assert_string_equal(out, "10G");
    quantity_format_bytes_u64(UINT64_MAX, out); /* 2^64-6: not a multiple of 1024 */
    assert_string_equal(out, "18446744073709551610");
    quantity_format_bytes_u64((uint64_t)INT64_MAX + 10, out);
    assert_string_equal(out, "9223372036854775810");
    /* 9223372036854778887 -> 9223372036854778880 = 5120 * 1801439850948199 */
    quantity_format_bytes_u64(9223372036854778887u, out);
    assert_string_equal(out, "9007199254740995Ki");
}

/* Every usage quantity in the real Metrics API payloads must round-trip byte for byte. */
static void check_payload_file(const char *path, int *checked)
{
    FILE *f = fopen(path, "rb");
    char buf[1 << 16];
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    assert_true(feof(f)); /* the whole payload fits */
    fclose(f);
    buf[n] = '\0';
    for (char *p = strstr(buf, "\"usage\""); p != NULL; p = strstr(p + 1, "\"usage\"")) {
        char *end = strchr(p, '}');
        assert_non_null(end);
        for (char *k = p + 7; k < end; k++) {
            bool is_cpu = strncmp(k, "\"cpu\"", 5) == 0;
            bool is_mem = strncmp(k, "\"memory\"", 8) == 0;
            char text[KG_MAX_QUANTITY_LEN], out[KG_MAX_QUANTITY_LEN];
            char *v, *ve;
            struct quantity q;
            int64_t x;

            if (!is_cpu && !is_mem)
                continue;
            v = strchr(k + 1, '"'); /* closing quote of the key */
            assert_non_null(v);
            v = strchr(v + 1, '"'); /* opening quote of the value */
            assert_non_null(v);
            v++;
            ve = strchr(v, '"');
            assert_non_null(ve);
            assert_true(ve - v < KG_MAX_QUANTITY_LEN);
            memcpy(text, v, (size_t)(ve - v));
            text[ve - v] = '\0';
            q = parse_ok(text);
            assert_string_equal(fmt(&q), text);
            assert_string_equal(canon(&q), text);
            if (is_cpu) {
                assert_int_equal(quantity_scaled_value(&q, -9, &x), 0);
                quantity_format_nanocores(x, out);
            } else {
                quantity_format_bytes(quantity_value(&q), out);
            }
            assert_string_equal(out, text);
            (*checked)++;
            k = ve;
        }
    }
}

static void test_real_payloads(void **state)
{
    const char *root = getenv("KGAUGE_TESTDATA");
    char dir[1024], path[2048];
    struct dirent *de;
    DIR *d;
    int checked = 0;
    (void)state;
    if (root == NULL) {
        print_message("[  SKIP    ] KGAUGE_TESTDATA not set; real Metrics API payloads skipped\n");
        skip();
        return;
    }
    snprintf(dir, sizeof(dir), "%s/metrics-api", root);
    d = opendir(dir);
    if (d == NULL) {
        print_message("[  SKIP    ] %s missing; real Metrics API payloads skipped\n", dir);
        skip();
        return;
    }
    for (;;) {
        size_t l;

        de = readdir(d);
        if (de == NULL)
            break;
        l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        check_payload_file(path, &checked);
    }
    closedir(d);
    assert_true(checked >= 20);
}

/* parse(format(q)) == q for every string used above and a few more */
static void test_round_trip(void **state)
{
    static const char *const in[] = {
        "+1",
        "0100m",
        "1.",
        "1.100",
        "1E3",
        "1e+3",
        "1.1e4",
        "-1.5Gi",
        "0.1Gi",
        "1e-100",
        "7.999999999999999999Ei",
        "8Ei",
        "-8Ei",
        "1e4294967296",
        "-.5",
        ".000000000001Ki",
        "999999999999999999.1",
        "-9223372036854775808",
        "0.0001Ki",
        "1.5Ki",
        "12Pi",
    };
    (void)state;
    for (size_t i = 0; i < N_ELEMS(in); i++) {
        struct quantity a = parse_ok(in[i]), b, c;
        char s1[KG_MAX_QUANTITY_LEN], s2[KG_MAX_QUANTITY_LEN];

        quantity_format(&a, s1);
        b = parse_ok(s1);
        assert_int_equal(quantity_cmp(&a, &b), 0);
        quantity_format(&b, s2);
        /* BinarySI printed in decimal re-parses as DecimalSI: "62.5Ki" -> "64000" -> "64k" */
        if (a.format != BSI)
            assert_string_equal(s1, s2);
        c = parse_ok(s2);
        quantity_format(&c, s1);
        assert_string_equal(s1, s2);
        if (a.srclen > 0) /* kept text re-parses to the identical quantity */
            assert_true(same_quantity(&a, &b));
        quantity_format_canonical(&a, s1);
        c = parse_ok(s1);
        assert_int_equal(quantity_cmp(&a, &c), 0);
        quantity_format_canonical(&c, s2);
        assert_string_equal(s1, s2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),    cmocka_unit_test(test_string_table),
        cmocka_unit_test(test_parse_emit),     cmocka_unit_test(test_parse_large),
        cmocka_unit_test(test_string_rules),   cmocka_unit_test(test_formats_inferred),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_range),
        cmocka_unit_test(test_length_limit),   cmocka_unit_test(test_new_quantities),
        cmocka_unit_test(test_scaled_value),   cmocka_unit_test(test_approx_double),
        cmocka_unit_test(test_cmp_sign),       cmocka_unit_test(test_add_sub_neg),
        cmocka_unit_test(test_metrics_server), cmocka_unit_test(test_real_payloads),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
