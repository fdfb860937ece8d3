/*
 * Unit tests for the streaming JSON writer (src/json/writer.c). Expected bytes are what Go's
 * encoding/json produces (json.Marshal / Encoder with default HTML escaping, MarshalIndent),
 * and, with the shared test data, real API server responses re-emitted byte for byte.
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
#include "json/writer.h"
#include "util/buf.h"
#include "util/limits.h"

/* Writes one string with the given escaping and compares to want (the JSON text). */
static void expect_escaped(const char *in, size_t len, bool html, const char *want)
{
    struct buf b;
    buf_init(&b, 1 << 16);
    struct json_writer *w = json_writer_new(&b);
    json_writer_set_escape_html(w, html);
    assert_int_equal(json_writer_string_n(w, in, len), 0);
    assert_int_equal(json_writer_finish(w, NULL, 0), 0);
    if (strcmp(buf_str(&b), want) != 0)
        fail_msg("escaping %zu bytes: got %s want %s", len, buf_str(&b), want);
    json_writer_free(w);
    buf_cleanup(&b);
}

#define ESC(lit, want) expect_escaped(lit, sizeof(lit) - 1, true, want)

static void test_escaping_table(void **state)
{
    (void)state;
    ESC("", "\"\"");
    ESC("plain text 123 /~", "\"plain text 123 /~\"");
    ESC("\"\\", "\"\\\"\\\\\"");
    ESC("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
    ESC("\x00\x01\x07\x0b\x0e\x1f", "\"\\u0000\\u0001\\u0007\\u000b\\u000e\\u001f\"");
    ESC("\x7f", "\"\x7f\""); /* DEL is not escaped */
    ESC("<a href=\"x\">&</a>", "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026\\u003c/a\\u003e\"");
    ESC("\xE2\x80\xA8\xE2\x80\xA9", "\"\\u2028\\u2029\"");
    ESC("\xE2\x80\xA7\xE2\x80\xAA", "\"\xE2\x80\xA7\xE2\x80\xAA\""); /* neighbours verbatim */
    ESC("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
    /* invalid UTF-8: one \ufffd per byte that does not start a valid sequence */
    ESC("\xFF", "\"\\ufffd\"");
    ESC("a\xC0\x80z", "\"a\\ufffd\\ufffdz\"");
    ESC("\xED\xA0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    ESC("\xE2\x82", "\"\\ufffd\\ufffd\"");
    ESC("\xF0\x9F\x98", "\"\\ufffd\\ufffd\\ufffd\"");
    ESC("\xE2\x82\xE2\x82\xAC", "\"\\ufffd\\ufffd\xE2\x82\xAC\"");
    /* Encoder.SetEscapeHTML(false) */
    expect_escaped("<>&\xE2\x80\xA8", 6, false, "\"<>&\\u2028\"");
}

static void expect_double(double v, const char *want)
{
    char out[64];
    size_t n = json_format_double(v, out, sizeof(out));
    if (n != strlen(want) || strcmp(out, want) != 0)
        fail_msg("%.17g: got \"%s\" want \"%s\"", v, out, want);
}

static void test_numbers(void **state)
{
    (void)state;
    /* json.Marshal(float64) results */
    expect_double(0.0, "0");
    expect_double(-0.0, "-0");
    expect_double(1.0, "1");
    expect_double(-1.0, "-1");
    expect_double(0.1, "0.1");
    expect_double(1.5, "1.5");
    expect_double(100.0, "100");
    expect_double(1.0 / 3.0, "0.3333333333333333");
    expect_double(2.0 / 3.0, "0.6666666666666666");
    expect_double(123456789.123, "123456789.123");
    expect_double(12345678.9, "12345678.9");
    expect_double(1e20, "100000000000000000000");
    expect_double(123456789012345680000.0, "123456789012345680000");
    expect_double(1e21, "1e+21");
    expect_double(1.5e300, "1.5e+300");
    expect_double(1e100, "1e+100");
    expect_double(1e-6, "0.000001");
    expect_double(0.000001234, "0.000001234");
    expect_double(2.5e-5, "0.000025");
    expect_double(1e-7, "1e-7");
    expect_double(-1.25e-10, "-1.25e-10");
    expect_double(5e-324, "5e-324");
    expect_double(1.7976931348623157e308, "1.7976931348623157e+308");
    expect_double(9007199254740993.0, "9007199254740992");
    expect_double(0.30000000000000004, "0.30000000000000004");
    char out[64];
    assert_int_equal(json_format_double(NAN, out, sizeof(out)), 0);
    assert_int_equal(json_format_double(INFINITY, out, sizeof(out)), 0);

    struct buf b;
    buf_init(&b, 4096);
    struct json_writer *w = json_writer_new(&b);
    json_writer_begin_array(w);
    json_writer_int64(w, INT64_MIN);
    json_writer_int64(w, INT64_MAX);
    json_writer_int64(w, 0);
    json_writer_int64(w, -7);
    json_writer_uint64(w, UINT64_MAX);
    json_writer_double(w, 0.5);
    json_writer_end_array(w);
    assert_int_equal(json_writer_finish(w, NULL, 0), 0);
    assert_string_equal(buf_str(&b), "[-9223372036854775808,9223372036854775807,0,-7,"
                                     "18446744073709551615,0.5]");
    json_writer_free(w);

    /* NaN is an error, as in Go (UnsupportedValueError) */
    buf_reset(&b);
    char err[KG_ERRBUF];
    w = json_writer_new(&b);
    assert_int_equal(json_writer_double(w, NAN), -EINVAL);
    assert_int_equal(json_writer_finish(w, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "unsupported value: NaN"));
    json_writer_free(w);
    buf_cleanup(&b);
}

static void write_sample(struct json_writer *w)
{
    json_writer_begin_object(w);
    json_writer_key(w, "a");
    json_writer_begin_array(w);
    json_writer_int64(w, 1);
    json_writer_string(w, "x");
    json_writer_bool(w, true);
    json_writer_bool(w, false);
    json_writer_null(w);
    json_writer_begin_object(w);
    json_writer_end_object(w);
    json_writer_end_array(w);
    json_writer_key(w, "b");
    json_writer_begin_object(w);
    json_writer_member_string(w, "c", "d");
    json_writer_member_int64(w, "e", -1);
    json_writer_key(w, "raw");
    json_writer_raw(w, "{\"y\":[1,2]}", 11);
    json_writer_end_object(w);
    json_writer_key(w, "empty");
    json_writer_begin_array(w);
    json_writer_end_array(w);
    json_writer_key(w, "s");
    json_writer_string(w, NULL);
    json_writer_end_object(w);
}

static void test_structure_compact_and_indent(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 4096);
    struct json_writer *w = json_writer_new(&b);
    write_sample(w);
    assert_int_equal(json_writer_finish(w, NULL, 0), 0);
    assert_string_equal(buf_str(&b),
                        "{\"a\":[1,\"x\",true,false,null,{}],\"b\":{\"c\":\"d\",\"e\":-1,"
                        "\"raw\":{\"y\":[1,2]}},\"empty\":[],\"s\":null}");
    json_writer_free(w);

    /* json.MarshalIndent(v, "", "    "), the layout of kubectl -o json */
    buf_reset(&b);
    w = json_writer_new(&b);
    assert_int_equal(json_writer_set_indent(w, "    "), 0);
    write_sample(w);
    assert_int_equal(json_writer_finish(w, NULL, 0), 0);
    assert_string_equal(buf_str(&b), "{\n"
                                     "    \"a\": [\n"
                                     "        1,\n"
                                     "        \"x\",\n"
                                     "        true,\n"
                                     "        false,\n"
                                     "        null,\n"
                                     "        {}\n"
                                     "    ],\n"
                                     "    \"b\": {\n"
                                     "        \"c\": \"d\",\n"
                                     "        \"e\": -1,\n"
                                     "        \"raw\": {\"y\":[1,2]}\n"
                                     "    },\n"
                                     "    \"empty\": [],\n"
                                     "    \"s\": null\n"
                                     "}");
    json_writer_free(w);

    w = json_writer_new(&b);
    assert_int_equal(json_writer_set_indent(w, "12345678901234567"), -EINVAL);
    json_writer_free(w);
    buf_cleanup(&b);
}

static void expect_misuse(void (*steps)(struct json_writer *), int want_rc, const char *want_msg)
{
    struct buf b;
    char err[KG_ERRBUF] = "";
    buf_init(&b, 4096);
    struct json_writer *w = json_writer_new(&b);
    steps(w);
    size_t len = b.len;
    /* sticky: nothing more is written */
    assert_int_equal(json_writer_int64(w, 5), want_rc);
    assert_int_equal(b.len, len);
    assert_int_equal(json_writer_error(w), want_rc);
    assert_int_equal(json_writer_finish(w, err, sizeof(err)), want_rc);
    if (!strstr(err, want_msg))
        fail_msg("got \"%s\", want \"%s\"", err, want_msg);
    json_writer_free(w);
    buf_cleanup(&b);
}

static void m_value_without_key(struct json_writer *w)
{
    json_writer_begin_object(w);
    json_writer_int64(w, 1);
}
static void m_key_outside(struct json_writer *w)
{
    json_writer_begin_array(w);
    json_writer_key(w, "k");
}
static void m_key_top(struct json_writer *w)
{
    json_writer_key(w, "k");
}
static void m_two_keys(struct json_writer *w)
{
    json_writer_begin_object(w);
    json_writer_key(w, "a");
    json_writer_key(w, "b");
}
static void m_end_after_key(struct json_writer *w)
{
    json_writer_begin_object(w);
    json_writer_key(w, "a");
    json_writer_end_object(w);
}
static void m_mismatch(struct json_writer *w)
{
    json_writer_begin_object(w);
    json_writer_end_array(w);
}
static void m_end_top(struct json_writer *w)
{
    json_writer_end_object(w);
}
static void m_two_top(struct json_writer *w)
{
    json_writer_int64(w, 1);
    json_writer_int64(w, 2);
}
static void m_too_deep(struct json_writer *w)
{
    for (int i = 0; i <= KG_MAX_JSON_DEPTH; i++)
        json_writer_begin_array(w);
}
static void m_nothing(struct json_writer *w)
{
    (void)w;
}
static void m_open(struct json_writer *w)
{
    json_writer_begin_array(w);
    json_writer_begin_object(w);
}

static void test_misuse_is_sticky(void **state)
{
    (void)state;
    expect_misuse(m_value_without_key, -EINVAL, "a value inside an object must follow a key");
    expect_misuse(m_key_outside, -EINVAL, "a key outside an object");
    expect_misuse(m_key_top, -EINVAL, "a key outside an object");
    expect_misuse(m_two_keys, -EINVAL, "two keys in a row");
    expect_misuse(m_end_after_key, -EINVAL, "end of object right after a key");
    expect_misuse(m_mismatch, -EINVAL, "end of array without a matching begin");
    expect_misuse(m_end_top, -EINVAL, "end of object without a matching begin");
    expect_misuse(m_two_top, -EINVAL, "a second top-level value");
    expect_misuse(m_too_deep, -E2BIG, "nesting deeper than 64 levels");

    /* finish-only errors: the writer itself is fine until then */
    char err[KG_ERRBUF];
    struct buf b;
    buf_init(&b, 64);
    struct json_writer *w = json_writer_new(&b);
    m_nothing(w);
    assert_int_equal(json_writer_finish(w, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "JSON writer: empty document: no value written");
    json_writer_reset(w);
    m_open(w);
    assert_int_equal(json_writer_finish(w, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "JSON writer: incomplete document: 2 container(s) still open");
    json_writer_free(w);
    buf_cleanup(&b);
    json_writer_free(NULL);
}

static void test_buffer_limit(void **state)
{
    (void)state;
    struct buf b;
    char err[KG_ERRBUF];
    buf_init(&b, 16);
    struct json_writer *w = json_writer_new(&b);
    assert_int_equal(json_writer_begin_array(w), 0);
    assert_int_equal(json_writer_string(w, "0123456789"), 0); /* 13 bytes so far */
    assert_int_equal(json_writer_string(w, "abc"), -E2BIG);
    assert_int_equal(json_writer_end_array(w), -E2BIG);
    assert_int_equal(json_writer_finish(w, err, sizeof(err)), -E2BIG);
    assert_string_equal(err, "JSON writer: output exceeds its limit of 16 bytes");
    json_writer_free(w);
    buf_cleanup(&b);
}

struct sink {
    struct buf all;
    int calls;
    size_t min_chunk;
    int fail_at;
};

static int sink_cb(void *ud, const char *data, size_t len)
{
    struct sink *s = ud;
    s->calls++;
    if (s->fail_at && s->calls == s->fail_at)
        return -EPIPE;
    if (len < s->min_chunk)
        s->min_chunk = len;
    return buf_append(&s->all, data, len);
}

static void test_flush_mode_and_reset(void **state)
{
    (void)state;
    struct sink s = { .min_chunk = SIZE_MAX };
    buf_init(&s.all, 1 << 20);
    struct json_writer *w = json_writer_new_flush(sink_cb, &s, 16);
    json_writer_begin_array(w);
    for (int i = 0; i < 1000; i++)
        json_writer_int64(w, i);
    json_writer_end_array(w);
    assert_int_equal(json_writer_finish(w, NULL, 0), 0);
    assert_true(s.calls > 100);
    /* the reference: the same document into a buf */
    struct buf ref;
    buf_init(&ref, 1 << 20);
    struct json_writer *w2 = json_writer_new(&ref);
    json_writer_begin_array(w2);
    for (int i = 0; i < 1000; i++)
        json_writer_int64(w2, i);
    json_writer_end_array(w2);
    assert_int_equal(json_writer_finish(w2, NULL, 0), 0);
    assert_int_equal(s.all.len, ref.len);
    assert_memory_equal(s.all.ptr, ref.ptr, ref.len);

    /* two documents in a row with reset (watch events) */
    buf_reset(&ref);
    json_writer_reset(w2);
    json_writer_begin_object(w2);
    json_writer_member_string(w2, "type", "ADDED");
    json_writer_end_object(w2);
    assert_int_equal(json_writer_finish(w2, NULL, 0), 0);
    buf_putc(&ref, '\n');
    json_writer_reset(w2);
    json_writer_begin_object(w2);
    json_writer_member_string(w2, "type", "DELETED");
    json_writer_end_object(w2);
    assert_int_equal(json_writer_finish(w2, NULL, 0), 0);
    assert_string_equal(buf_str(&ref), "{\"type\":\"ADDED\"}\n{\"type\":\"DELETED\"}");
    json_writer_free(w2);
    json_writer_free(w);

    /* a failing callback is sticky */
    char err[KG_ERRBUF];
    buf_reset(&s.all);
    s.calls = 0;
    s.fail_at = 2;
    w = json_writer_new_flush(sink_cb, &s, 4);
    json_writer_begin_array(w);
    for (int i = 0; i < 10; i++)
        json_writer_int64(w, 12345);
    assert_int_equal(json_writer_error(w), -EPIPE);
    json_writer_end_array(w);
    assert_int_equal(json_writer_finish(w, err, sizeof(err)), -EPIPE);
    assert_non_null(strstr(err, "flush callback failed"));
    assert_int_equal(s.calls, 2);
    json_writer_free(w);
    buf_cleanup(&s.all);
    buf_cleanup(&ref);
}

/* ---- round trip through the reader ---- */

static void test_value_roundtrip(void **state)
{
    (void)state;
    const char *in = "{\"k\":[1,-2,9223372036854775807,18446744073709551615,0.5,1e21,1e-7,true,"
                     "null,\"\\u003c\\u2028\\t\"],\"o\":{\"x\":{}},\"big\":18446744073709551616}";
    const char *want = "{\"k\":[1,-2,9223372036854775807,18446744073709551615,0.5,1e+21,1e-7,true,"
                       "null,\"\\u003c\\u2028\\t\"],\"o\":{\"x\":{}},\"big\":18446744073709552000}";
    struct json_doc *doc = NULL;
    assert_int_equal(json_parse(in, strlen(in), &doc, NULL, 0), 0);
    struct buf b;
    buf_init(&b, 4096);
    struct json_writer *w = json_writer_new(&b);
    assert_int_equal(json_writer_value(w, json_doc_root(doc)), 0);
    assert_int_equal(json_writer_finish(w, NULL, 0), 0);
    assert_string_equal(buf_str(&b), want);
    json_writer_free(w);
    json_doc_free(doc);
    buf_cleanup(&b);
}

/* Real API server responses (Go's Encoder: compact plus "\n"; or 2-space pretty output) are
 * reproduced byte for byte by parse + write. */
static void test_testdata_byte_exact(void **state)
{
    (void)state;
    const char *td = getenv("KGAUGE_TESTDATA");
    if (!td || !*td) {
        print_message("KGAUGE_TESTDATA not set: skipping the byte-exact re-encoding checks\n");
        skip();
    }
    static const struct {
        const char *file;
        const char *indent;
    } files[] = {
        { "APIResourceList_v1beta1_2018-07_k8s-issue-65718.json", "" },
        { "NodeMetricsList_k8s-v1.12_ms-0.3_2018-12_csdn.json", "" },
        { "NodeMetrics_single_k8s-v1.12_ms-0.3_2018-12_csdn.json", "" },
        { "PodMetricsList_ns-default_k8s-v1.12_ms-0.3_2018-12_csdn.json", "" },
        { "PodMetrics_single_k8s-v1.12_ms-0.3_2018-12_csdn.json", "" },
        { "NodeMetricsList_k3s-v1.23.8_2022-09_kyverno-docs.json", "  " },
        { "PodMetrics_single_2020-08_metrics-server-issue-575.json", "  " },
        { "PodMetrics_single_k8s-v1.13_2019-10_feiskyer-handbook-pr212.json", "  " },
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/metrics-api/%s", td, files[i].file);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        static char text[1 << 16];
        size_t n = fread(text, 1, sizeof(text), f);
        fclose(f);
        struct json_doc *doc = NULL;
        assert_int_equal(json_parse(text, n, &doc, NULL, 0), 0);
        struct buf b;
        buf_init(&b, 1 << 16);
        struct json_writer *w = json_writer_new(&b);
        json_writer_set_indent(w, files[i].indent);
        assert_int_equal(json_writer_value(w, json_doc_root(doc)), 0);
        assert_int_equal(json_writer_finish(w, NULL, 0), 0);
        buf_putc(&b, '\n'); /* Encoder.Encode / the saved file end with a newline */
        if (b.len != n || memcmp(b.ptr, text, n) != 0)
            fail_msg("%s: re-encoded bytes differ:\n%s", files[i].file, buf_str(&b));
        json_writer_free(w);
        json_doc_free(doc);
        buf_cleanup(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping_table),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_structure_compact_and_indent),
        cmocka_unit_test(test_misuse_is_sticky),
        cmocka_unit_test(test_buffer_limit),
        cmocka_unit_test(test_flush_mode_and_reset),
        cmocka_unit_test(test_value_roundtrip),
        cmocka_unit_test(test_testdata_byte_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
