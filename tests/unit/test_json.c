/*
 * Unit tests for the JSON reader (src/json/json.c). Expected error texts follow Go's
 * encoding/json scanner wording; expected values come from the JSON grammar (RFC 8259), Go's
 * utf8.DecodeRune rules and the shared test data, not from running this code.
 */
#include <dirent.h>
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

#include "json/json.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/limits.h"

static struct json_doc *parse_ok(const char *text)
{
    char err[KG_ERRBUF] = "";
    struct json_doc *doc = NULL;
    int rc = json_parse(text, strlen(text), &doc, err, sizeof(err));
    if (rc != 0)
        fail_msg("parse of %s failed: %d %s", text, rc, err);
    assert_non_null(doc);
    return doc;
}

/* Parse must fail with rc and an error containing want. */
static void parse_bad(const char *text, size_t len, int rc_want, const char *want)
{
    char err[KG_ERRBUF] = "";
    struct json_doc *doc = (struct json_doc *)1;
    int rc = json_parse(text, len, &doc, err, sizeof(err));
    if (rc != rc_want || !strstr(err, want))
        fail_msg("input %.*s: rc %d (want %d), err \"%s\" (want \"%s\")", (int)len, text, rc,
                 rc_want, err, want);
    assert_null(doc);
    /* the validation pass alone agrees */
    char err2[KG_ERRBUF] = "";
    assert_int_equal(
        json_validate(text, len, KG_MAX_JSON_DOC, KG_MAX_JSON_DEPTH, err2, sizeof(err2)), rc_want);
    assert_string_equal(err, err2);
}

/* ---- syntax ---- */

static void test_syntax_errors(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want;
    } cases[] = {
        { "", "unexpected end of JSON input at offset 0" },
        { "   ", "unexpected end of JSON input at offset 3" },
        { "{", "unexpected end of JSON input at offset 1" },
        { "{\"a\":1,}", "invalid character '}' looking for beginning of object key string at "
                        "offset 7 (line 1, column 8)" },
        { "[1,]", "invalid character ']' looking for beginning of value at offset 3" },
        { "[1 2]", "invalid character '2' after array element at offset 3" },
        { "{\"a\" 1}", "invalid character '1' after object key at offset 5" },
        { "{\"a\":1 \"b\":2}", "invalid character '\"' after object key:value pair at offset 7" },
        { "{1:2}", "invalid character '1' looking for beginning of object key string at offset 1" },
        { "01", "invalid character '1' after top-level value at offset 1" },
        { "[1]x", "invalid character 'x' after top-level value at offset 3" },
        { "{} {}", "invalid character '{' after top-level value at offset 3" },
        { "-", "unexpected end of JSON input at offset 1" },
        { "-a", "invalid character 'a' in numeric literal at offset 1" },
        { "+1", "invalid character '+' looking for beginning of value at offset 0" },
        { ".5", "invalid character '.' looking for beginning of value at offset 0" },
        { "1.", "unexpected end of JSON input at offset 2" },
        { "1.e5", "invalid character 'e' after decimal point in numeric literal at offset 2" },
        { "1e", "unexpected end of JSON input at offset 2" },
        { "1e+", "unexpected end of JSON input at offset 3" },
        { "1ex", "invalid character 'x' in exponent of numeric literal at offset 2" },
        { "[0x10]", "invalid character 'x' after array element at offset 2" },
        { "tru", "unexpected end of JSON input at offset 3" },
        { "trux", "invalid character 'x' in literal true (expecting 'e') at offset 3" },
        { "nul1", "invalid character '1' in literal null (expecting 'l') at offset 3" },
        { "fals", "unexpected end of JSON input at offset 4" },
        { "True", "invalid character 'T' looking for beginning of value at offset 0" },
        { "NaN", "invalid character 'N' looking for beginning of value" },
        { "Infinity", "invalid character 'I' looking for beginning of value" },
        { "-Infinity", "invalid character 'I' in numeric literal at offset 1" },
        { "'a'", "invalid character '\\'' looking for beginning of value" },
        { "{'a':1}", "invalid character '\\'' looking for beginning of object key string" },
        { "/* c */ 1", "invalid character '/' looking for beginning of value" },
        { "\"abc", "unexpected end of JSON input at offset 4" },
        { "\"a\tb\"", "invalid character '\\x09' in string literal at offset 2" },
        { "\"a\nb\"", "invalid character '\\x0a' in string literal at offset 2" },
        { "\"\\x\"", "invalid character 'x' in string escape code at offset 2" },
        { "\"\\u12g4\"", "invalid character 'g' in \\u hexadecimal character escape at offset 5" },
        { "\"\\u12", "unexpected end of JSON input at offset 5" },
        { "\"\\", "unexpected end of JSON input at offset 2" },
        { "{\n  \"a\": tru e}", "invalid character ' ' in literal true (expecting 'e') at offset "
                                "12 (line 2, column 11)" },
        { "[\n1,\n\n]", "invalid character ']' looking for beginning of value at offset 6 (line 4, "
                        "column 1)" },
        { "\xEF\xBB\xBF{}", "invalid character '\\xef' looking for beginning of value" },
        { "{\"k\\u0000x\":1}", "object key contains \\u0000 (not supported) at offset 3" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        parse_bad(cases[i].in, strlen(cases[i].in), -EINVAL, cases[i].want);
    /* a NUL byte is not whitespace, in or out of strings */
    parse_bad("1\0", 2, -EINVAL, "invalid character '\\x00' after top-level value at offset 1");
    parse_bad("\"a\0\"", 4, -EINVAL, "invalid character '\\x00' in string literal at offset 2");
}

static void test_scalars_top_level(void **state)
{
    (void)state;
    /* json-c cannot finish a top-level number at the end of its buffer; we must. */
    struct json_doc *doc = parse_ok("123");
    int64_t i = 0;
    assert_int_equal(json_get_int64(json_doc_root(doc), "", &i, NULL, 0), 0);
    assert_int_equal(i, 123);
    json_doc_free(doc);

    doc = parse_ok(" -0 \n");
    assert_int_equal(json_get_int64(json_doc_root(doc), "", &i, NULL, 0), 0);
    assert_int_equal(i, 0);
    json_doc_free(doc);

    doc = parse_ok("null");
    assert_int_equal(json_kind(json_doc_root(doc)), JSON_NULL);
    json_doc_free(doc);

    doc = parse_ok("\t true \r\n");
    bool b = false;
    assert_int_equal(json_get_bool(json_doc_root(doc), "", &b, NULL, 0), 0);
    assert_true(b);
    json_doc_free(doc);

    doc = parse_ok("false");
    assert_int_equal(json_kind(json_doc_root(doc)), JSON_BOOL);
    json_doc_free(doc);

    doc = parse_ok("1.5e3");
    double d = 0;
    assert_int_equal(json_get_double(json_doc_root(doc), "", &d, NULL, 0), 0);
    assert_true(d == 1500.0);
    json_doc_free(doc);

    doc = parse_ok("\"s\"");
    const char *s = NULL;
    assert_int_equal(json_get_string(json_doc_root(doc), "", &s, NULL, NULL, 0), 0);
    assert_string_equal(s, "s");
    json_doc_free(doc);
}

/* Every strict prefix of an object document is truncated and must be rejected. */
static void test_truncated(void **state)
{
    (void)state;
    static const char doc_text[] =
        "{\"kind\":\"PodMetrics\",\"n\":[1,-2.5e3,true,false,null,\"\\u00e9\\n\"],"
        "\"u\":\"\xC3\xA9\",\"o\":{\"x\":{}}}";
    size_t n = strlen(doc_text);
    for (size_t cut = 0; cut < n; cut++) {
        char err[KG_ERRBUF] = "";
        struct json_doc *doc = NULL;
        int rc = json_parse(doc_text, cut, &doc, err, sizeof(err));
        if (rc != -EINVAL)
            fail_msg("prefix of %zu bytes: rc %d", cut, rc);
        assert_non_null(strstr(err, "unexpected end of JSON input"));
        assert_null(doc);
    }
    json_doc_free(parse_ok(doc_text));
}

static void test_nesting_limit(void **state)
{
    (void)state;
    char text[2 * (KG_MAX_JSON_DEPTH + 1) + 1];
    char err[KG_ERRBUF];
    struct json_doc *doc = NULL;
    /* exactly KG_MAX_JSON_DEPTH nested arrays, innermost holding a scalar */
    size_t n = 0;
    for (int i = 0; i < KG_MAX_JSON_DEPTH; i++)
        text[n++] = '[';
    text[n++] = '7';
    for (int i = 0; i < KG_MAX_JSON_DEPTH; i++)
        text[n++] = ']';
    assert_int_equal(json_parse(text, n, &doc, err, sizeof(err)), 0);
    const struct json_value *v = json_doc_root(doc);
    for (int i = 0; i < KG_MAX_JSON_DEPTH; i++)
        v = json_array_at(v, 0);
    int64_t x = 0;
    assert_int_equal(json_get_int64(v, "", &x, NULL, 0), 0);
    assert_int_equal(x, 7);
    json_doc_free(doc);

    /* one more level fails, at the offending bracket */
    n = 0;
    for (int i = 0; i <= KG_MAX_JSON_DEPTH; i++)
        text[n++] = '[';
    for (int i = 0; i <= KG_MAX_JSON_DEPTH; i++)
        text[n++] = ']';
    assert_int_equal(json_parse(text, n, &doc, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "nesting deeper than 64 levels at offset 64"));

    /* objects count too; explicit small limit */
    const char *o3 = "{\"a\":{\"b\":{\"c\":1}}}";
    assert_int_equal(json_parse_limits(o3, strlen(o3), 100, 3, &doc, err, sizeof(err)), 0);
    json_doc_free(doc);
    assert_int_equal(json_parse_limits(o3, strlen(o3), 100, 2, &doc, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "nesting deeper than 2 levels at offset 10"));

    /* a hostile depth is rejected without recursion or allocation per level */
    size_t big = 1000000;
    char *deep = xmalloc(big);
    memset(deep, '[', big);
    assert_int_equal(json_parse(deep, big, &doc, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "nesting deeper"));
    free(deep);
}

static void test_size_limit(void **state)
{
    (void)state;
    char err[KG_ERRBUF];
    struct json_doc *doc = NULL;
    assert_int_equal(json_parse_limits("[1,2,3,4]", 9, 9, 4, &doc, err, sizeof(err)), 0);
    json_doc_free(doc);
    assert_int_equal(json_parse_limits("[1,2,3,45]", 10, 9, 4, &doc, err, sizeof(err)), -E2BIG);
    assert_string_equal(err, "JSON document of 10 bytes exceeds the limit of 9 bytes");
    assert_null(doc);
}

/* ---- numbers ---- */

static void test_int64_extremes(void **state)
{
    (void)state;
    struct json_doc *doc = parse_ok("{\"max\":9223372036854775807,\"min\":-9223372036854775808,"
                                    "\"over\":9223372036854775808,\"umax\":18446744073709551615,"
                                    "\"uover\":18446744073709551616,\"under\":-9223372036854775809,"
                                    "\"huge\":123456789012345678901234567890}");
    const struct json_value *r = json_doc_root(doc);
    char err[KG_ERRBUF];
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;

    assert_int_equal(json_get_int64(r, "max", &i, err, sizeof(err)), 0);
    assert_true(i == INT64_MAX);
    assert_int_equal(json_get_int64(r, "min", &i, err, sizeof(err)), 0);
    assert_true(i == INT64_MIN);
    assert_int_equal(json_get_uint64(r, "min", &u, err, sizeof(err)), -ERANGE);

    assert_int_equal(json_get_int64(r, "over", &i, err, sizeof(err)), -ERANGE);
    assert_string_equal(err, "\"over\": number out of range for int64");
    assert_int_equal(json_get_uint64(r, "over", &u, err, sizeof(err)), 0);
    assert_true(u == UINT64_C(9223372036854775808));
    assert_int_equal(json_get_uint64(r, "umax", &u, err, sizeof(err)), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(json_kind(json_lookup(r, "umax")), JSON_INT);

    /* beyond 64 bits: no saturation, a double */
    assert_int_equal(json_kind(json_lookup(r, "uover")), JSON_DOUBLE);
    assert_int_equal(json_get_uint64(r, "uover", &u, err, sizeof(err)), -ERANGE);
    assert_int_equal(json_get_int64(r, "uover", &i, err, sizeof(err)), -ERANGE);
    assert_int_equal(json_get_double(r, "uover", &d, err, sizeof(err)), 0);
    assert_true(d == 18446744073709551616.0);
    assert_int_equal(json_get_int64(r, "under", &i, err, sizeof(err)), -ERANGE);
    assert_string_equal(err, "\"under\": number out of range for int64");
    assert_int_equal(json_get_double(r, "under", &d, err, sizeof(err)), 0);
    assert_true(d == -9223372036854775808.0);
    assert_int_equal(json_get_double(r, "huge", &d, err, sizeof(err)), 0);
    assert_true(d == 123456789012345678901234567890.0);

    /* doubles of integers */
    assert_int_equal(json_get_double(r, "max", &d, err, sizeof(err)), 0);
    assert_true(d == 9223372036854775807.0);
    json_doc_free(doc);
}

static void test_int_from_float(void **state)
{
    (void)state;
    struct json_doc *doc =
        parse_ok("{\"a\":3.0,\"b\":1e3,\"c\":2.5,\"d\":1e19,\"e\":-0.0,\"f\":-1,\"g\":1e400,"
                 "\"h\":9.223372036854775807e18,\"i\":-9.223372036854775808e18,\"j\":1E+2}");
    const struct json_value *r = json_doc_root(doc);
    char err[KG_ERRBUF];
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    assert_int_equal(json_get_int64(r, "a", &i, err, sizeof(err)), 0);
    assert_int_equal(i, 3);
    assert_int_equal(json_get_int64(r, "b", &i, err, sizeof(err)), 0);
    assert_int_equal(i, 1000);
    assert_int_equal(json_get_int64(r, "j", &i, err, sizeof(err)), 0);
    assert_int_equal(i, 100);
    assert_int_equal(json_get_int64(r, "c", &i, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "\"c\": expected integer, got number");
    assert_int_equal(json_get_int64(r, "d", &i, err, sizeof(err)), -ERANGE);
    assert_int_equal(json_get_uint64(r, "d", &u, err, sizeof(err)), 0);
    assert_true(u == UINT64_C(10000000000000000000));
    assert_int_equal(json_get_uint64(r, "e", &u, err, sizeof(err)), 0);
    assert_true(u == 0);
    assert_int_equal(json_get_uint64(r, "f", &u, err, sizeof(err)), -ERANGE);
    assert_string_equal(err, "\"f\": number out of range for uint64");
    assert_int_equal(json_get_double(r, "g", &d, err, sizeof(err)), -ERANGE);
    assert_int_equal(json_get_int64(r, "g", &i, err, sizeof(err)), -ERANGE);
    /* 9.223372036854775807e18 rounds to the double 2^63: out of int64 range */
    assert_int_equal(json_get_int64(r, "h", &i, err, sizeof(err)), -ERANGE);
    /* "-0" keeps its sign as a double (Go's float64 view) and reads as the integer 0 */
    assert_int_equal(json_kind(json_lookup(r, "e")), JSON_DOUBLE);
    json_doc_free(doc);
    doc = parse_ok("[-0]");
    r = json_doc_root(doc);
    assert_int_equal(json_kind(json_array_at(r, 0)), JSON_DOUBLE);
    assert_int_equal(json_get_double(r, "[0]", &d, err, sizeof(err)), 0);
    assert_true(d == 0 && signbit(d));
    assert_int_equal(json_get_int64(r, "[0]", &i, err, sizeof(err)), 0);
    assert_int_equal(i, 0);
    json_doc_free(doc);
    doc = parse_ok("{\"h\":9.223372036854775807e18,\"i\":-9.223372036854775808e18}");
    r = json_doc_root(doc);
    /* -2^63 as a double is refused: an out-of-range literal may have rounded to it */
    assert_int_equal(json_get_int64(r, "i", &i, err, sizeof(err)), -ERANGE);
    json_doc_free(doc);
}

static void test_int32(void **state)
{
    (void)state;
    struct json_doc *doc =
        parse_ok("{\"a\":2147483647,\"b\":2147483648,\"c\":-2147483648,\"d\":-2147483649}");
    const struct json_value *r = json_doc_root(doc);
    int32_t v = 0;
    char err[KG_ERRBUF];
    assert_int_equal(json_get_int32(r, "a", &v, err, sizeof(err)), 0);
    assert_int_equal(v, INT32_MAX);
    assert_int_equal(json_get_int32(r, "b", &v, err, sizeof(err)), -ERANGE);
    assert_string_equal(err, "\"b\": number out of range for int32");
    assert_int_equal(json_get_int32(r, "c", &v, err, sizeof(err)), 0);
    assert_int_equal(v, INT32_MIN);
    assert_int_equal(json_opt_int32(r, "d", &v, err, sizeof(err)), -ERANGE);
    assert_int_equal(json_opt_int32(r, "zz", &v, err, sizeof(err)), 0);
    assert_int_equal(v, INT32_MIN); /* untouched */
    json_doc_free(doc);
}

/* ---- strings ---- */

static void check_str(const char *json, const char *want, size_t want_len)
{
    struct json_doc *doc = parse_ok(json);
    const char *s = NULL;
    size_t len = 0;
    assert_int_equal(json_get_string(json_doc_root(doc), "", &s, &len, NULL, 0), 0);
    if (len != want_len || memcmp(s, want, len) != 0)
        fail_msg("%s: got %zu bytes", json, len);
    assert_int_equal(s[len], '\0');
    json_doc_free(doc);
}

static void test_strings_and_utf8(void **state)
{
    (void)state;
    check_str("\"\"", "", 0);
    check_str("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
    check_str("\"\\u00e9\\u20AC\"", "\xC3\xA9\xE2\x82\xAC", 5);
    check_str("\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80", 4); /* surrogate pair */
    /* lone surrogates become U+FFFD, as Go's decoder does */
    check_str("\"\\ud800x\"", "\xEF\xBF\xBDx", 4);
    check_str("\"\\udc00\"", "\xEF\xBF\xBD", 3);
    check_str("\"\\ud800\\u0041\"",
              "\xEF\xBF\xBD"
              "A",
              4);
    /* embedded NUL survives in values */
    check_str("\"a\\u0000b\"", "a\0b", 3);
    /* valid UTF-8 passes through untouched; DEL is not special */
    check_str("\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7F\"",
              "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7F", 10);
    /* invalid UTF-8: each bad byte becomes U+FFFD (utf8.DecodeRune consumes one byte) */
    check_str("\"\xFF\"", "\xEF\xBF\xBD", 3);
    check_str("\"a\xC0\x80z\"", "a\xEF\xBF\xBD\xEF\xBF\xBDz", 8);             /* overlong */
    check_str("\"\xED\xA0\x80\"", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 9); /* surrogate */
    check_str("\"\xE2\x82\"", "\xEF\xBF\xBD\xEF\xBF\xBD", 6);                 /* truncated */
    check_str("\"\xF4\x90\x80\x80\"", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
              12); /* > U+10FFFF */
}

static void test_repair_keeps_structure(void **state)
{
    (void)state;
    /* invalid UTF-8 in a key and a value, next to an out-of-range integer */
    struct json_doc *doc =
        parse_ok("{\"k\xFF\":[\"v\x80\",99999999999999999999,-1],\"n\":18446744073709551615}");
    const struct json_value *r = json_doc_root(doc);
    const struct json_value *arr = json_member(r, "k\xEF\xBF\xBD");
    assert_non_null(arr);
    assert_int_equal(json_array_len(arr), 3);
    const char *s = NULL;
    assert_int_equal(json_get_string(arr, "[0]", &s, NULL, NULL, 0), 0);
    assert_string_equal(s, "v\xEF\xBF\xBD");
    assert_int_equal(json_kind(json_array_at(arr, 1)), JSON_DOUBLE);
    int64_t i = 0;
    assert_int_equal(json_get_int64(arr, "[2]", &i, NULL, 0), 0);
    assert_int_equal(i, -1);
    uint64_t u = 0;
    assert_int_equal(json_get_uint64(r, "n", &u, NULL, 0), 0);
    assert_true(u == UINT64_MAX);
    json_doc_free(doc);
}

/* ---- objects, arrays, paths ---- */

static void test_duplicate_keys_and_order(void **state)
{
    (void)state;
    struct json_doc *doc = parse_ok("{\"z\":1,\"b\":2,\"z\":3,\"a\":{}}");
    const struct json_value *r = json_doc_root(doc);
    int64_t v = 0;
    assert_int_equal(json_get_int64(r, "z", &v, NULL, 0), 0);
    assert_int_equal(v, 3); /* last wins, as in Go */
    assert_int_equal(json_object_count(r), 3);
    struct json_iter it;
    const char *k;
    const struct json_value *m;
    const char *want[] = { "z", "b", "a" };
    size_t n = 0;
    json_iter_init(&it, r);
    while (json_iter_next(&it, &k, &m)) {
        assert_true(n < 3);
        assert_string_equal(k, want[n]);
        n++;
    }
    assert_int_equal(n, 3);

    /* iteration over a non-object yields nothing */
    json_iter_init(&it, json_member(r, "b"));
    assert_false(json_iter_next(&it, &k, &m));
    json_doc_free(doc);

    /* document order with many keys, none sorted */
    struct buf b;
    buf_init(&b, 1 << 16);
    buf_putc(&b, '{');
    for (int i = 99; i >= 0; i--)
        buf_printf(&b, "%s\"k%02d\":%d", i == 99 ? "" : ",", i, i);
    buf_putc(&b, '}');
    doc = parse_ok(buf_str(&b));
    json_iter_init(&it, json_doc_root(doc));
    int expect = 99;
    while (json_iter_next(&it, &k, &m)) {
        char name[16];
        snprintf(name, sizeof(name), "k%02d", expect);
        assert_string_equal(k, name);
        assert_int_equal(json_get_int64(m, "", &v, NULL, 0), 0);
        assert_int_equal(v, expect);
        expect--;
    }
    assert_int_equal(expect, -1);
    json_doc_free(doc);
    buf_cleanup(&b);
}

static const char pod_json[] =
    "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\",\"labels\":{\"app.kubernetes.io/name\":"
    "\"web\"},\"deletionTimestamp\":null,\"annotations\":{}},"
    "\"spec\":{\"replicas\":3,\"paused\":false,\"containers\":[{\"name\":\"a\",\"ports\":[80,443]},"
    "{\"name\":\"b\"}],\"ratio\":0.25,\"note\":null}}";

static void test_paths_and_getters(void **state)
{
    (void)state;
    struct json_doc *doc = parse_ok(pod_json);
    const struct json_value *r = json_doc_root(doc);
    char err[KG_ERRBUF];
    const char *s = NULL;
    int64_t i = 0;
    bool b = true;
    double d = 0;
    const struct json_value *v = NULL;
    size_t n = 0;

    assert_int_equal(json_get_string(r, "metadata.name", &s, NULL, err, sizeof(err)), 0);
    assert_string_equal(s, "web-0");
    assert_int_equal(json_get_int64(r, "spec.replicas", &i, err, sizeof(err)), 0);
    assert_int_equal(i, 3);
    assert_int_equal(json_get_bool(r, "spec.paused", &b, err, sizeof(err)), 0);
    assert_false(b);
    assert_int_equal(json_get_double(r, "spec.ratio", &d, err, sizeof(err)), 0);
    assert_true(d == 0.25);
    assert_int_equal(json_get_double(r, "spec.replicas", &d, err, sizeof(err)), 0);
    assert_true(d == 3.0);
    assert_int_equal(json_get_string(r, "spec.containers[1].name", &s, NULL, err, sizeof(err)), 0);
    assert_string_equal(s, "b");
    assert_int_equal(json_get_int64(r, "spec.containers[0].ports[1]", &i, err, sizeof(err)), 0);
    assert_int_equal(i, 443);
    assert_int_equal(json_get_array(r, "spec.containers", &v, &n, err, sizeof(err)), 0);
    assert_int_equal(n, 2);
    assert_int_equal(json_get_int64(v, "[0].ports[0]", &i, err, sizeof(err)), 0);
    assert_int_equal(i, 80);
    assert_int_equal(json_get_object(r, "metadata.annotations", &v, err, sizeof(err)), 0);
    assert_int_equal(json_object_count(v), 0);
    /* keys with dots: json_member */
    v = json_member(json_lookup(r, "metadata.labels"), "app.kubernetes.io/name");
    assert_non_null(v);
    assert_int_equal(json_get_string(v, "", &s, NULL, err, sizeof(err)), 0);
    assert_string_equal(s, "web");

    /* absent */
    assert_int_equal(json_get_int64(r, "spec.minReplicas", &i, err, sizeof(err)), -ENOENT);
    assert_string_equal(err, "\"spec.minReplicas\": required but missing");
    assert_int_equal(json_get_string(r, "status.phase", &s, NULL, err, sizeof(err)), -ENOENT);
    assert_string_equal(err, "\"status\": required but missing");
    assert_int_equal(json_get_string(r, "spec.containers[2].name", &s, NULL, err, sizeof(err)),
                     -ENOENT);
    assert_string_equal(err, "\"spec.containers[2]\": required but missing");
    /* null vs absent */
    assert_non_null(json_lookup(r, "metadata.deletionTimestamp"));
    assert_int_equal(json_kind(json_lookup(r, "metadata.deletionTimestamp")), JSON_NULL);
    assert_null(json_lookup(r, "metadata.uid"));
    assert_int_equal(json_get_string(r, "metadata.deletionTimestamp", &s, NULL, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "\"metadata.deletionTimestamp\": required but null");
    assert_int_equal(json_opt_string(r, "metadata.deletionTimestamp", &s, NULL, err, sizeof(err)),
                     0);
    assert_int_equal(json_opt_string(r, "metadata.uid", &s, NULL, err, sizeof(err)), 0);
    assert_int_equal(json_opt_string(r, "metadata.name", &s, NULL, err, sizeof(err)), 1);
    /* null on the way counts as absent */
    assert_int_equal(json_opt_int64(r, "spec.note.x", &i, err, sizeof(err)), 0);
    assert_int_equal(json_get_int64(r, "spec.note.x", &i, err, sizeof(err)), -ENOENT);

    /* wrong types, with the path of the culprit */
    assert_int_equal(json_get_int64(r, "metadata.name", &i, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "\"metadata.name\": expected integer, got string");
    assert_int_equal(json_opt_int64(r, "metadata.name", &i, err, sizeof(err)), -EINVAL);
    assert_int_equal(json_get_string(r, "metadata.name.first", &s, NULL, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "\"metadata.name\": expected object, got string");
    assert_int_equal(json_get_string(r, "spec[0]", &s, NULL, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "\"spec\": expected array, got object");
    assert_int_equal(json_get_string(r, "[0]", &s, NULL, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "value: expected array, got object");
    assert_int_equal(json_get_bool(r, "spec.replicas", &b, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "\"spec.replicas\": expected boolean, got integer");
    assert_int_equal(json_get_object(r, "spec.containers", &v, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "\"spec.containers\": expected object, got array");
    assert_int_equal(json_get_array(r, "spec", &v, &n, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "\"spec\": expected array, got object");
    assert_int_equal(json_get_double(r, "kind", &d, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "\"kind\": expected number, got string");

    /* malformed paths */
    static const char *bad[] = { "a..b", ".a", "a.", "a[", "a[x]", "a[1", "a[]", "a[1]b", "[-1]" };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        assert_int_equal(json_get_int64(r, bad[k], &i, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "malformed JSON path"));
        assert_null(json_lookup(r, bad[k]));
    }
    char longpath[KG_MAX_JSON_PATH + 2];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    assert_int_equal(json_get_int64(r, longpath, &i, err, sizeof(err)), -EINVAL);

    /* navigation helpers on the wrong kinds */
    assert_int_equal(json_array_len(r), 0);
    assert_null(json_array_at(r, 0));
    assert_null(json_member(json_lookup(r, "kind"), "x"));
    assert_int_equal(json_object_count(json_lookup(r, "kind")), 0);
    assert_string_equal(json_kind_name(JSON_DOUBLE), "number");
    /* NULL error buffer is fine */
    assert_int_equal(json_get_int64(r, "nope", &i, NULL, 0), -ENOENT);
    json_doc_free(doc);
    json_doc_free(NULL);
}

static void test_arrays_with_nulls(void **state)
{
    (void)state;
    struct json_doc *doc = parse_ok("[null,1,[],{}]");
    const struct json_value *r = json_doc_root(doc);
    assert_int_equal(json_array_len(r), 4);
    assert_int_equal(json_kind(json_array_at(r, 0)), JSON_NULL);
    assert_int_equal(json_kind(json_array_at(r, 2)), JSON_ARRAY);
    assert_int_equal(json_kind(json_array_at(r, 3)), JSON_OBJECT);
    assert_null(json_array_at(r, 4));
    int64_t i = 0;
    assert_int_equal(json_opt_int64(r, "[0]", &i, NULL, 0), 0);
    assert_int_equal(json_opt_int64(r, "[1]", &i, NULL, 0), 1);
    assert_int_equal(i, 1);
    json_doc_free(doc);
}

/* A 5 MB PodList-shaped document parses and reads back exactly. */
static void test_large_document(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 64u << 20);
    buf_appends(&b, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"items\":[");
    int count = 0;
    while (b.len < 5u * 1024 * 1024) {
        buf_printf(
            &b,
            "%s{\"metadata\":{\"name\":\"pod-%d\",\"namespace\":\"ns-%d\",\"uid\":\"%08x-"
            "aaaa-bbbb-cccc-0123456789ab\",\"resourceVersion\":\"%d\",\"labels\":{\"app\":"
            "\"web\",\"pod-template-hash\":\"5d8f7c9b4\"}},\"spec\":{\"nodeName\":\"node-%d\","
            "\"containers\":[{\"name\":\"app\",\"resources\":{\"requests\":{\"cpu\":\"250m\","
            "\"memory\":\"64Mi\"}}}]},\"status\":{\"phase\":\"Running\"}}",
            count ? "," : "", count, count % 7, count, 1000 + count, count % 50);
        count++;
    }
    buf_appends(&b, "]}");
    char err[KG_ERRBUF];
    struct json_doc *doc = NULL;
    assert_int_equal(json_parse(b.ptr, b.len, &doc, err, sizeof(err)), 0);
    const struct json_value *items = NULL;
    size_t n = 0;
    assert_int_equal(json_get_array(json_doc_root(doc), "items", &items, &n, err, sizeof(err)), 0);
    assert_int_equal(n, (size_t)count);
    const char *s = NULL;
    assert_int_equal(json_get_string(items, "[1234].metadata.name", &s, NULL, err, sizeof(err)), 0);
    assert_string_equal(s, "pod-1234");
    json_doc_free(doc);
    buf_cleanup(&b);
}

/* ---- shared test data ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct buf b;
    buf_init(&b, KG_MAX_JSON_DOC);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(buf_append(&b, chunk, n), 0);
    fclose(f);
    return buf_take(&b, len);
}

static struct json_doc *parse_file(const char *path)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text)
        fail_msg("cannot read %s", path);
    char err[KG_ERRBUF];
    struct json_doc *doc = NULL;
    int rc = json_parse(text, len, &doc, err, sizeof(err));
    if (rc)
        fail_msg("%s: %s", path, err);
    free(text);
    return doc;
}

static int parse_dir(const char *dir)
{
    DIR *d = opendir(dir);
    int count = 0;
    if (!d)
        fail_msg("cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        json_doc_free(parse_file(path));
        count++;
    }
    closedir(d);
    return count;
}

static const struct json_value *find_vector(const struct json_value *arr, const char *id)
{
    for (size_t i = 0; i < json_array_len(arr); i++) {
        const char *s = NULL;
        if (json_get_string(json_array_at(arr, i), "id", &s, NULL, NULL, 0) == 0 &&
            strcmp(s, id) == 0)
            return json_array_at(arr, i);
    }
    return NULL;
}

static void test_testdata(void **state)
{
    (void)state;
    const char *td = getenv("KGAUGE_TESTDATA");
    if (!td || !*td) {
        print_message("KGAUGE_TESTDATA not set: skipping the shared test data checks\n");
        skip();
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/metrics-api", td);
    assert_true(parse_dir(path) >= 9);
    snprintf(path, sizeof(path), "%s/hpa", td);
    assert_int_equal(parse_dir(path), 3);

    /* values read back exactly */
    snprintf(path, sizeof(path),
             "%s/metrics-api/PodMetrics_single_2020-08_metrics-server-issue-575.json", td);
    struct json_doc *doc = parse_file(path);
    const struct json_value *r = json_doc_root(doc);
    const char *s = NULL;
    assert_int_equal(json_get_string(r, "metadata.name", &s, NULL, NULL, 0), 0);
    assert_string_equal(s, "chaosblade-tool-6qbvv");
    assert_int_equal(json_get_string(r, "containers[0].usage.cpu", &s, NULL, NULL, 0), 0);
    assert_string_equal(s, "43481n");
    assert_int_equal(json_get_string(r, "containers[0].usage.memory", &s, NULL, NULL, 0), 0);
    assert_string_equal(s, "864Ki");
    assert_int_equal(json_get_string(r, "window", &s, NULL, NULL, 0), 0);
    assert_string_equal(s, "30s");
    json_doc_free(doc);

    snprintf(path, sizeof(path), "%s/hpa/replica_vectors.json", td);
    doc = parse_file(path);
    r = json_doc_root(doc);
    int64_t i = 0;
    int32_t i32 = 0;
    const struct json_value *v = find_vector(r, "external_average_value/replica_overflow");
    assert_non_null(v);
    assert_int_equal(json_get_int64(v, "external_metric_values_milli[0]", &i, NULL, 0), 0);
    assert_true(i == INT64_MAX);
    assert_int_equal(json_get_int32(v, "expected.replicas", &i32, NULL, 0), 0);
    assert_int_equal(i32, INT32_MAX);
    assert_int_equal(json_get_int64(v, "expected.usage_milli", &i, NULL, 0), 0);
    assert_true(i == INT64_MAX);
    v = find_vector(r, "external_value/usage_overflow");
    assert_non_null(v);
    assert_int_equal(json_get_int64(v, "external_metric_values_milli[1]", &i, NULL, 0), 0);
    assert_true(i == INT64_C(4611686018427387904));
    assert_int_equal(json_get_int64(v, "params.target_value_milli", &i, NULL, 0), 0);
    assert_true(i == INT64_MAX);
    v = find_vector(r, "object_value/replica_overflow");
    assert_non_null(v);
    assert_int_equal(json_get_int64(v, "object_metric_value_milli", &i, NULL, 0), 0);
    assert_true(i == INT64_MAX);
    json_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_scalars_top_level),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_int64_extremes),
        cmocka_unit_test(test_int_from_float),
        cmocka_unit_test(test_int32),
        cmocka_unit_test(test_strings_and_utf8),
        cmocka_unit_test(test_repair_keeps_structure),
        cmocka_unit_test(test_duplicate_keys_and_order),
        cmocka_unit_test(test_paths_and_getters),
        cmocka_unit_test(test_arrays_with_nulls),
        cmocka_unit_test(test_large_document),
        cmocka_unit_test(test_testdata),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
