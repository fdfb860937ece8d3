/*
 * Unit tests for watch-stream framing (src/json/watch.c): every split point of a multi-event
 * stream, byte-at-a-time feeding, oversize events, garbage between events, bad types, ERROR
 * (Status) and BOOKMARK events, truncation. Event shapes follow the Kubernetes API
 * (metav1.WatchEvent; a 410 Expired Status as the API server sends for a too-old
 * resourceVersion); error texts follow client-go's decoder.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json/json.h"
#include "json/watch.h"
#include "util/buf.h"
#include "util/limits.h"

#define MAX_SEEN 16

struct seen {
    int n;
    enum watch_event_type type[MAX_SEEN];
    char rv[MAX_SEEN][32];
    char name[MAX_SEEN][32];
    size_t offset[MAX_SEEN];
    size_t size[MAX_SEEN];
    int32_t code; /* from the ERROR event's Status */
    char reason[32];
    int stop_after; /* callback returns -ECANCELED after this many events (0: never) */
};

static int record_cb(void *ud, const struct watch_event *ev)
{
    struct seen *s = ud;
    const char *str = NULL;
    assert_true(s->n < MAX_SEEN);
    assert_int_equal(json_kind(ev->object), JSON_OBJECT);
    s->type[s->n] = ev->type;
    s->offset[s->n] = ev->offset;
    s->size[s->n] = ev->size;
    s->rv[s->n][0] = s->name[s->n][0] = '\0';
    if (json_opt_string(ev->object, "metadata.resourceVersion", &str, NULL, NULL, 0) == 1)
        snprintf(s->rv[s->n], sizeof(s->rv[0]), "%s", str);
    if (json_opt_string(ev->object, "metadata.name", &str, NULL, NULL, 0) == 1)
        snprintf(s->name[s->n], sizeof(s->name[0]), "%s", str);
    if (ev->type == WATCH_ERROR) {
        assert_int_equal(json_get_int32(ev->object, "code", &s->code, NULL, 0), 0);
        assert_int_equal(json_get_string(ev->object, "reason", &str, NULL, NULL, 0), 0);
        snprintf(s->reason, sizeof(s->reason), "%s", str);
    }
    s->n++;
    if (s->stop_after && s->n == s->stop_after)
        return -ECANCELED;
    return 0;
}

/* Five events as an API server writes them (plus a CRLF and a "}{" join to be tolerant). */
static const char stream[] =
    "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
    "\"web-0\",\"resourceVersion\":\"101\"},\"spec\":{\"priority\":1234567}}}\n"
    "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"w\\\"}{[\xC3\xA9"
    "\",\"resourceVersion\":\"102\"},\"x\":-1.5e3,\"y\":[true,false,null,\"\\\\\"]}}\n"
    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{"
    "\"resourceVersion\":\"103\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}}\r\n"
    "{\"type\":\"DELETED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web-0\","
    "\"resourceVersion\":\"104\"}}}"
    "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
    "\"status\":\"Failure\",\"message\":\"too old resource version: 1 (104)\",\"reason\":"
    "\"Expired\",\"code\":410}}\n";

static const enum watch_event_type want_types[] = { WATCH_ADDED, WATCH_MODIFIED, WATCH_BOOKMARK,
                                                    WATCH_DELETED, WATCH_ERROR };
static const char *want_rv[] = { "101", "102", "103", "104", "" };
static const char *want_name[] = { "web-0", "w\"}{[\xC3\xA9", "", "web-0", "" };

static void check_seen(const struct seen *s)
{
    static const char *starts[] = { "{\"type\":\"ADDED\"", "{\"type\":\"MODIFIED\"",
                                    "{\"type\":\"BOOKMARK\"", "{\"type\":\"DELETED\"",
                                    "{\"type\":\"ERROR\"" };
    assert_int_equal(s->n, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s->type[i], want_types[i]);
        assert_string_equal(s->rv[i], want_rv[i]);
        assert_string_equal(s->name[i], want_name[i]);
        size_t off = (size_t)(strstr(stream, starts[i]) - stream);
        assert_int_equal(s->offset[i], off);
        /* the event runs to its closing brace */
        assert_int_equal(stream[off + s->size[i] - 1], '}');
    }
    assert_int_equal(s->code, 410);
    assert_string_equal(s->reason, "Expired");
}

static void test_every_split_point(void **state)
{
    (void)state;
    size_t n = strlen(stream);
    char err[KG_ERRBUF];
    for (size_t cut = 0; cut <= n; cut++) {
        struct seen s = { 0 };
        struct watch_decoder *d = watch_decoder_new(0);
        assert_int_equal(watch_decoder_feed(d, stream, cut, record_cb, &s, err, sizeof(err)), 0);
        assert_int_equal(
            watch_decoder_feed(d, stream + cut, n - cut, record_cb, &s, err, sizeof(err)), 0);
        assert_int_equal(watch_decoder_finish(d, err, sizeof(err)), 0);
        check_seen(&s);
        assert_int_equal(watch_decoder_offset(d), n);
        watch_decoder_free(d);
    }
}

static void test_byte_at_a_time_and_chunks(void **state)
{
    (void)state;
    size_t n = strlen(stream);
    static const size_t sizes[] = { 1, 2, 3, 7, 64, 333 };
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        struct seen s = { 0 };
        struct watch_decoder *d = watch_decoder_new(0);
        for (size_t i = 0; i < n; i += sizes[k]) {
            size_t len = n - i < sizes[k] ? n - i : sizes[k];
            assert_int_equal(watch_decoder_feed(d, stream + i, len, record_cb, &s, NULL, 0), 0);
        }
        assert_int_equal(watch_decoder_pending(d), 0);
        assert_int_equal(watch_decoder_finish(d, NULL, 0), 0);
        check_seen(&s);
        watch_decoder_free(d);
    }
}

/* Feeds text in one piece; returns feed's rc and fills err. */
static int feed_all(struct watch_decoder *d, const char *text, struct seen *s, char *err,
                    size_t errlen)
{
    return watch_decoder_feed(d, text, strlen(text), record_cb, s, err, errlen);
}

static void expect_stream_error(const char *text, int want_rc, int want_events,
                                const char *want_msg)
{
    char err[KG_ERRBUF] = "";
    struct seen s = { 0 };
    struct watch_decoder *d = watch_decoder_new(0);
    int rc = feed_all(d, text, &s, err, sizeof(err));
    if (rc != want_rc || !strstr(err, want_msg))
        fail_msg("%s: rc %d (want %d) err \"%s\" (want \"%s\")", text, rc, want_rc, err, want_msg);
    assert_int_equal(s.n, want_events);
    /* sticky: more input and finish report the same failure */
    char err2[KG_ERRBUF] = "";
    assert_int_equal(feed_all(d, "{\"type\":\"ADDED\",\"object\":{}}", &s, err2, sizeof(err2)),
                     want_rc);
    assert_string_equal(err, err2);
    assert_int_equal(s.n, want_events);
    assert_int_equal(watch_decoder_finish(d, err2, sizeof(err2)), want_rc);
    assert_string_equal(err, err2);
    /* reset recovers */
    watch_decoder_reset(d);
    assert_int_equal(feed_all(d, "{\"type\":\"ADDED\",\"object\":{}}", &s, err2, sizeof(err2)), 0);
    assert_int_equal(s.n, want_events + 1);
    assert_int_equal(watch_decoder_finish(d, NULL, 0), 0);
    watch_decoder_free(d);
}

static void test_malformed_streams(void **state)
{
    (void)state;
    expect_stream_error("{\"type\":\"ADDED\",\"object\":{}}x{}", -EPROTO, 1,
                        "invalid character 'x' between watch events at stream offset 28");
    expect_stream_error(" \n]", -EPROTO, 0,
                        "invalid character ']' between watch events at stream offset 2");
    expect_stream_error("[{\"type\":\"ADDED\",\"object\":{}}]", -EPROTO, 0,
                        "invalid character '[' between watch events at stream offset 0");
    expect_stream_error("123", -EPROTO, 0, "invalid character '1' between watch events");
    expect_stream_error("\x01", -EPROTO, 0, "invalid character '\\x01' between watch events");
    expect_stream_error("{\"type\":\"added\",\"object\":{}}", -EPROTO, 0,
                        "watch event at stream offset 0: got invalid watch event type: added");
    expect_stream_error("{\"type\":\"ADDED\",\"object\":{}}\n{\"object\":{}}", -EPROTO, 1,
                        "watch event at stream offset 29: got invalid watch event type: ");
    expect_stream_error("{\"type\":1,\"object\":{}}", -EPROTO, 0,
                        "\"type\": expected string, got integer");
    expect_stream_error("{\"type\":\"ADDED\"}", -EPROTO, 0, "\"object\": required but missing");
    expect_stream_error("{\"type\":\"ADDED\",\"object\":null}", -EPROTO, 0,
                        "\"object\": required but null");
    expect_stream_error("{\"type\":\"DELETED\",\"object\":[]}", -EPROTO, 0,
                        "\"object\": expected object, got array");
    expect_stream_error("{\"type\":\"ADDED\",\"object\":{\"a\":tru}}", -EPROTO, 0,
                        "watch event at stream offset 0: invalid character '}' in literal true "
                        "(expecting 'e') at offset 33");
    expect_stream_error("{\"type\":\"ADDED\",\"object\":{\"a\":1]}", -EPROTO, 0,
                        "invalid character ']' after object key:value pair");

    /* nesting bomb: refused while framing, before buffering megabytes */
    struct buf b;
    buf_init(&b, 1 << 20);
    buf_appends(&b, "{\"type\":\"ADDED\",\"object\":{\"a\":");
    for (int i = 0; i < 100; i++)
        buf_putc(&b, '[');
    expect_stream_error(buf_str(&b), -EPROTO, 0, "nests deeper than 64 levels");
    buf_cleanup(&b);
}

static void test_oversize_event(void **state)
{
    (void)state;
    char err[KG_ERRBUF];
    struct seen s = { 0 };
    const char *small = "{\"type\":\"ADDED\",\"object\":{\"a\":\"0123456789\"}}\n"; /* 44 + \n */
    struct watch_decoder *d = watch_decoder_new(44);
    assert_int_equal(feed_all(d, small, &s, err, sizeof(err)), 0);
    assert_int_equal(s.n, 1);
    /* 45 bytes, split across chunks: the limit holds over the whole event */
    const char *big = "{\"type\":\"ADDED\",\"object\":{\"a\":\"01234567890\"}}";
    assert_int_equal(watch_decoder_feed(d, big, 20, record_cb, &s, err, sizeof(err)), 0);
    assert_int_equal(watch_decoder_pending(d), 20);
    assert_int_equal(
        watch_decoder_feed(d, big + 20, strlen(big) - 20, record_cb, &s, err, sizeof(err)), -E2BIG);
    assert_string_equal(err, "watch event at stream offset 45 exceeds the limit of 44 bytes");
    assert_int_equal(s.n, 1);
    watch_decoder_free(d);

    /* the default limit is KG_MAX_WATCH_EVENT: an event just over it fails, in one chunk */
    struct buf b;
    buf_init(&b, KG_MAX_WATCH_EVENT + 64);
    buf_appends(&b, "{\"type\":\"ADDED\",\"object\":{\"a\":\"");
    size_t pad = KG_MAX_WATCH_EVENT + 1 - b.len - 3; /* 3: the closing "}} */
    char *p = buf_reserve(&b, pad, NULL);
    assert_non_null(p);
    memset(p, 'x', pad);
    buf_commit(&b, pad);
    buf_appends(&b, "\"}}");
    assert_int_equal(b.len, KG_MAX_WATCH_EVENT + 1);
    d = watch_decoder_new(0);
    assert_int_equal(watch_decoder_feed(d, b.ptr, b.len, record_cb, &s, err, sizeof(err)), -E2BIG);
    watch_decoder_free(d);
    buf_cleanup(&b);
}

static void test_truncated_and_callback_stop(void **state)
{
    (void)state;
    char err[KG_ERRBUF];
    struct seen s = { 0 };
    struct watch_decoder *d = watch_decoder_new(0);
    assert_int_equal(feed_all(d, "{\"type\":\"ADDED\",\"object\":{\"n\":12", &s, err, sizeof(err)),
                     0);
    assert_int_equal(s.n, 0);
    assert_int_equal(watch_decoder_pending(d), 32);
    assert_int_equal(watch_decoder_finish(d, err, sizeof(err)), -EPROTO);
    assert_string_equal(err, "watch stream ended inside an event (stream offset 0, 32 bytes "
                             "buffered)");
    watch_decoder_free(d);

    /* the callback stops the stream */
    s = (struct seen){ .stop_after = 2 };
    d = watch_decoder_new(0);
    assert_int_equal(watch_decoder_feed(d, stream, strlen(stream), record_cb, &s, err, sizeof(err)),
                     -ECANCELED);
    assert_int_equal(s.n, 2);
    assert_non_null(strstr(err, "callback stopped the stream"));
    assert_int_equal(watch_decoder_finish(d, NULL, 0), -ECANCELED);
    watch_decoder_free(d);
    watch_decoder_free(NULL);
}

static void test_type_names(void **state)
{
    (void)state;
    enum watch_event_type t;
    assert_int_equal(watch_event_type_parse("BOOKMARK", 8, &t), 0);
    assert_int_equal(t, WATCH_BOOKMARK);
    assert_int_equal(watch_event_type_parse("BOOKMARKS", 9, &t), -EINVAL);
    assert_int_equal(watch_event_type_parse("Added", 5, &t), -EINVAL);
    assert_int_equal(watch_event_type_parse("", 0, &t), -EINVAL);
    assert_string_equal(watch_event_type_name(WATCH_ERROR), "ERROR");
    assert_string_equal(watch_event_type_name((enum watch_event_type)0), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_byte_at_a_time_and_chunks),
        cmocka_unit_test(test_malformed_streams),
        cmocka_unit_test(test_oversize_event),
        cmocka_unit_test(test_truncated_and_callback_stop),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
