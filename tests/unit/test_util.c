/* Unit tests for src/util: alloc, buf, arena, log, time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/time.h"

/* ---- alloc ---- */

static jmp_buf oom_jmp;
static size_t oom_size;

static void test_oom_handler(size_t size)
{
    oom_size = size;
    longjmp(oom_jmp, 1);
}

static void test_alloc_fail_nth(void **state)
{
    (void)state;
    xalloc_set_oom_handler(test_oom_handler);
    void *volatile a = NULL, *volatile b = NULL;
    xalloc_fail_nth(2);
    if (setjmp(oom_jmp) == 0) {
        a = xmalloc(10);
        b = xmalloc(77); /* the 2nd allocation fails */
        fail_msg("second allocation should have failed");
    }
    assert_non_null(a);
    assert_null(b);
    assert_int_equal(oom_size, 77);
    /* the hook fires once, then allocations succeed again */
    b = xmalloc(5);
    assert_non_null(b);
    free(a);
    free(b);
    xalloc_set_oom_handler(NULL);
}

static void test_alloc_overflow(void **state)
{
    (void)state;
    xalloc_set_oom_handler(test_oom_handler);
    if (setjmp(oom_jmp) == 0) {
        (void)xcalloc(SIZE_MAX / 2, 4);
        fail_msg("calloc overflow not caught");
    }
    assert_int_equal(oom_size, SIZE_MAX);
    xalloc_set_oom_handler(NULL);
}

static void test_alloc_strings(void **state)
{
    (void)state;
    char *s = xstrndup("abcdef", 3);
    assert_string_equal(s, "abc");
    free(s);
    s = xasprintf("%s-%d", "node", 42);
    assert_string_equal(s, "node-42");
    free(s);
    unsigned long before = xalloc_count();
    free(xstrdup("x"));
    assert_int_equal(xalloc_count(), before + 1);
}

/* ---- buf ---- */

static void test_buf_basic(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 100);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(buf_appends(&b, "hello"), 0);
    assert_int_equal(buf_printf(&b, " %d", 12), 0);
    assert_int_equal(buf_putc(&b, '!'), 0);
    assert_string_equal(buf_str(&b), "hello 12!");
    assert_int_equal(buf_len(&b), 9);
    buf_consume(&b, 6);
    assert_string_equal(buf_str(&b), "12!");
    buf_reset(&b);
    assert_int_equal(buf_len(&b), 0);
    assert_string_equal(buf_str(&b), "");
    buf_cleanup(&b);
}

static void test_buf_limit(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_appends(&b, "12345678"), 0);
    assert_int_equal(buf_putc(&b, 'x'), -E2BIG);
    assert_string_equal(buf_str(&b), "12345678"); /* unchanged */
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%s", "123456789"), -E2BIG);
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(buf_append(&b, "x", SIZE_MAX), -E2BIG);
    buf_cleanup(&b);
}

static void test_buf_reserve_take(void **state)
{
    (void)state;
    struct buf b;
    int err;
    buf_init(&b, 1024);
    char *p = buf_reserve(&b, 4, &err);
    assert_non_null(p);
    memcpy(p, "abcd", 4);
    buf_commit(&b, 4);
    assert_string_equal(buf_str(&b), "abcd");
    assert_null(buf_reserve(&b, 2000, &err));
    assert_int_equal(err, -E2BIG);
    size_t len;
    char *s = buf_take(&b, &len);
    assert_int_equal(len, 4);
    assert_string_equal(s, "abcd");
    free(s);
    assert_int_equal(buf_len(&b), 0);
    s = buf_take(&b, NULL); /* empty buffer still gives a string */
    assert_string_equal(s, "");
    free(s);
}

static void test_buf_growth_binary(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(buf_append(&b, "\0a", 2), 0);
    assert_int_equal(buf_len(&b), 200000);
    assert_int_equal(b.ptr[0], '\0');
    assert_int_equal(b.ptr[199999], 'a');
    assert_int_equal(b.ptr[200000], '\0');
    buf_cleanup(&b);
}

/* ---- arena ---- */

static void test_arena(void **state)
{
    (void)state;
    struct arena *a = arena_new(256);
    char *s = arena_strdup(a, "node-1");
    assert_string_equal(s, "node-1");
    for (int i = 0; i < 1000; i++) {
        unsigned char *p = arena_alloc(a, (size_t)(i % 40) + 1);
        assert_int_equal(((uintptr_t)p) % 16, 0);
        assert_int_equal(p[0], 0);
        memset(p, 0xab, (size_t)(i % 40) + 1);
    }
    char *big = arena_alloc(a, 10000); /* bigger than a chunk */
    memset(big, 1, 10000);
    assert_string_equal(s, "node-1"); /* earlier data intact */
    assert_string_equal(arena_strndup(a, "abcdef", 2), "ab");
    assert_true(arena_used(a) >= 10000);
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    assert_string_equal(arena_strdup(a, "again"), "again");
    arena_free(a);
    arena_free(NULL);
}

/* ---- log ---- */

static void test_log_flags(void **state)
{
    (void)state;
    char err[KG_ERRBUF];
    char *argv1[] = { "kgauge", "-v", "4", "top", "--logtostderr", "nodes", "--v=2", NULL };
    int argc = 7;
    assert_int_equal(log_consume_flags(&argc, argv1, err, sizeof(err)), 0);
    assert_int_equal(argc, 3);
    assert_string_equal(argv1[1], "top");
    assert_string_equal(argv1[2], "nodes");
    assert_null(argv1[3]);
    assert_int_equal(log_verbosity(), 2);

    char *argv2[] = { "kgauge", "-v=x", NULL };
    argc = 2;
    assert_int_equal(log_consume_flags(&argc, argv2, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "-v"));

    char *argv3[] = { "kgauge", "--logtostderr=maybe", NULL };
    argc = 2;
    assert_int_equal(log_consume_flags(&argc, argv3, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "logtostderr"));

    char *argv4[] = { "kgauge", "--", "-v", "9", NULL };
    argc = 4;
    assert_int_equal(log_consume_flags(&argc, argv4, err, sizeof(err)), 0);
    assert_int_equal(argc, 4); /* after "--" nothing is consumed */
    log_set_verbosity(0);
}

static void test_log_format(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    log_set_fd(fds[1]);
    log_set_verbosity(1);
    log_warn("scrape of %s failed", "node-1");
    log_v(2, "hidden");
    log_v(1, "shown\n");
    log_set_fd(2);
    log_set_verbosity(0);
    close(fds[1]);
    char out[1024] = { 0 };
    ssize_t n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    assert_true(n > 0);
    /* W1125 07:59:00.123456   12345 test_util.c:NN] scrape of node-1 failed */
    assert_int_equal(out[0], 'W');
    assert_int_equal(out[5], ' ');
    assert_int_equal(out[8], ':');
    assert_int_equal(out[14], '.');
    assert_non_null(strstr(out, " test_util.c:"));
    assert_non_null(strstr(out, "] scrape of node-1 failed\nI"));
    assert_null(strstr(out, "hidden"));
    assert_non_null(strstr(out, "] shown\n"));
    assert_null(strstr(out, "shown\n\n"));
}

/* ---- time ---- */

static void test_duration_format(void **state)
{
    (void)state;
    static const struct {
        int64_t ns;
        const char *want;
    } cases[] = {
        { 0, "0s" },
        { 1, "1ns" },
        { 999, "999ns" },
        { 1000, "1\xc2\xb5s" },
        { 1500, "1.5\xc2\xb5s" },
        { 500 * NS_PER_MS, "500ms" },
        { 1500 * NS_PER_US, "1.5ms" },
        { NS_PER_SEC, "1s" },
        { 10059 * NS_PER_MS, "10.059s" },
        { 20038 * NS_PER_MS, "20.038s" },
        { 30 * NS_PER_SEC, "30s" },
        { 60 * NS_PER_SEC, "1m0s" },
        { 65500 * NS_PER_MS, "1m5.5s" },
        { 3600 * NS_PER_SEC, "1h0m0s" },
        { 3600 * NS_PER_SEC + 1, "1h0m0.000000001s" },
        { -1500 * NS_PER_MS, "-1.5s" },
        { INT64_MAX, "2562047h47m16.854775807s" },
        { INT64_MIN, "-2562047h47m16.854775808s" },
    };
    char out[TIME_DURATION_LEN];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        time_format_duration(cases[i].ns, out, sizeof(out));
        assert_string_equal(out, cases[i].want);
    }
}

static void test_duration_parse(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        int64_t want;
    } ok[] = {
        { "0", 0 },
        { "15s", 15 * NS_PER_SEC },
        { "1m30s", 90 * NS_PER_SEC },
        { "300ms", 300 * NS_PER_MS },
        { "-1.5h", -5400 * NS_PER_SEC },
        { "2h45m", 9900 * NS_PER_SEC },
        { "1us", 1000 },
        { "1\xc2\xb5s", 1000 },
        { "1\xce\xbcs", 1000 },
        { ".5s", 500 * NS_PER_MS },
        { "1.s", NS_PER_SEC },
        { "10.059s", 10059 * NS_PER_MS },
        { "2562047h47m16.854775807s", INT64_MAX },
    };
    int64_t v;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(time_parse_duration(ok[i].in, &v), 0);
        assert_int_equal(v, ok[i].want);
    }
    static const char *const bad[] = { "", "s", "15", "1x", ".s", "1.5", "-", "3m-1s", "1h 2m" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(time_parse_duration(bad[i], &v), -EINVAL);
    assert_int_equal(time_parse_duration("9999999999h", &v), -ERANGE);
    assert_int_equal(time_parse_duration("2562047h47m16.854775808s", &v), -ERANGE);
}

static void test_rfc3339(void **state)
{
    (void)state;
    char out[TIME_RFC3339_LEN];
    int64_t t;
    assert_int_equal(time_parse_rfc3339("2022-09-11T13:37:24Z", &t), 0);
    assert_int_equal(t, INT64_C(1662903444) * NS_PER_SEC);
    time_format_rfc3339(t + 999999999, out, sizeof(out)); /* fraction truncated */
    assert_string_equal(out, "2022-09-11T13:37:24Z");
    time_format_rfc3339_nano(t + 50 * NS_PER_MS, 0, out, sizeof(out));
    assert_string_equal(out, "2022-09-11T13:37:24.05Z");
    time_format_rfc3339_nano(t + 50 * NS_PER_MS, 1, out, sizeof(out));
    assert_string_equal(out, "2022-09-11T13:37:24.050000Z");
    time_format_rfc3339_nano(t, 0, out, sizeof(out));
    assert_string_equal(out, "2022-09-11T13:37:24Z");

    assert_int_equal(time_parse_rfc3339("2022-09-11T15:37:24.5+02:00", &t), 0);
    assert_int_equal(t, INT64_C(1662903444) * NS_PER_SEC + 500 * NS_PER_MS);
    assert_int_equal(time_parse_rfc3339("1969-12-31T23:59:59.5Z", &t), 0);
    assert_int_equal(t, -500 * NS_PER_MS);
    time_format_rfc3339_nano(t, 0, out, sizeof(out));
    assert_string_equal(out, "1969-12-31T23:59:59.5Z");

    static const char *const bad[] = {
        "2022-09-11",           "2022-09-11T13:37:24",   "2022-02-30T00:00:00Z",
        "2022-09-11T24:00:00Z", "2022-09-11T13:37:24.Z", "2022-09-11T13:37:24Zjunk",
        "22-09-11T13:37:24Z"
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(time_parse_rfc3339(bad[i], &t), -EINVAL);
    /* int64 nanoseconds end in 2262 and begin in 1677: beyond is a range error, not UB. */
    assert_int_equal(time_parse_rfc3339("2262-04-10T00:00:00Z", &t), 0);
    assert_int_equal(time_parse_rfc3339("9999-12-31T23:59:59Z", &t), -ERANGE);
    assert_int_equal(time_parse_rfc3339("0001-01-01T00:00:00Z", &t), -ERANGE);
    assert_int_equal(time_parse_rfc3339("1677-09-22T00:00:00Z", &t), 0);
}

static void test_clocks(void **state)
{
    (void)state;
    int64_t a = time_mono_ns();
    int64_t b = time_mono_ns();
    assert_true(b >= a);
    assert_true(time_wall_ns() > INT64_C(1700000000) * NS_PER_SEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_fail_nth),    cmocka_unit_test(test_alloc_overflow),
        cmocka_unit_test(test_alloc_strings),     cmocka_unit_test(test_buf_basic),
        cmocka_unit_test(test_buf_limit),         cmocka_unit_test(test_buf_reserve_take),
        cmocka_unit_test(test_buf_growth_binary), cmocka_unit_test(test_arena),
        cmocka_unit_test(test_log_flags),         cmocka_unit_test(test_log_format),
        cmocka_unit_test(test_duration_format),   cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_rfc3339),           cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
