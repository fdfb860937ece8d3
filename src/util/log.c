/*
 * klog-compatible log lines. Formatting happens in a stack buffer, then one write(2).
 */
#include "util/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/assert.h"
#include "util/limits.h"

static _Atomic int verbosity;
static _Atomic int log_fd = 2;

void log_set_verbosity(int v)
{
    atomic_store(&verbosity, v);
}

int log_verbosity(void)
{
    return atomic_load(&verbosity);
}

void log_set_fd(int fd)
{
    atomic_store(&log_fd, fd);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void log_write(enum log_severity sev, const char *file, int line, const char *fmt, ...)
{
    static const char letters[] = "IWEF";
    char out[KG_MAX_LOG_LINE];
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    int n = snprintf(out, sizeof(out), "%c%02d%02d %02d:%02d:%02d.%06ld %7ld %s:%d] ", letters[sev],
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000,
                     (long)syscall(SYS_gettid), base_name(file), line);
    if (n < 0)
        n = 0;
    size_t len = (size_t)n < sizeof(out) ? (size_t)n : sizeof(out) - 1;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(out + len, sizeof(out) - len, fmt, ap);
    va_end(ap);
    if (m > 0)
        len += (size_t)m < sizeof(out) - len ? (size_t)m : sizeof(out) - len - 1;
    if (len > 0 && out[len - 1] == '\n')
        len--;
    if (len >= sizeof(out) - 1)
        len = sizeof(out) - 2; /* truncated: keep room for the newline */
    out[len++] = '\n';
    ssize_t w = write(atomic_load(&log_fd), out, len);
    (void)w;
    if (sev == LOG_FATAL)
        exit(255);
}

/* Parses a klog boolean value ("true", "false", "1", "0", "t", "f" as Go's strconv). */
static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
    static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!strcmp(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (!strcmp(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -EINVAL;
}

static int parse_level(const char *flag, const char *s, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 100) {
        snprintf(err, errlen, "invalid value \"%s\" for flag %s: want a verbosity level 0-100", s,
                 flag);
        return -EINVAL;
    }
    log_set_verbosity((int)v);
    return 0;
}

int log_consume_flags(int *argc, char **argv, char *err, size_t errlen)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { /* end of flags: keep the rest as they are */
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        const char *name = a[0] == '-' ? (a[1] == '-' ? a + 2 : a + 1) : NULL;
        if (!name) {
            argv[out++] = argv[i];
            continue;
        }
        size_t nlen = strcspn(name, "=");
        const char *val = name[nlen] == '=' ? name + nlen + 1 : NULL;
        if (nlen == 1 && name[0] == 'v') {
            if (!val) {
                if (i + 1 >= *argc) {
                    snprintf(err, errlen, "flag needs an argument: %s", a);
                    return -EINVAL;
                }
                val = argv[++i];
            }
            if (parse_level("-v", val, err, errlen))
                return -EINVAL;
            continue;
        }
        if ((nlen == 11 && !strncmp(name, "logtostderr", 11)) ||
            (nlen == 15 && !strncmp(name, "alsologtostderr", 15))) {
            int b;
            if (val && parse_bool(val, &b)) {
                snprintf(err, errlen, "invalid boolean value \"%s\" for flag --%.*s", val,
                         (int)nlen, name);
                return -EINVAL;
            }
            continue;
        }
        argv[out++] = argv[i];
    }
    argv[out] = NULL;
    *argc = out;
    return 0;
}

void kg_assert_fail(const char *expr, const char *file, int line)
{
    log_write(LOG_ERROR, file, line, "assertion failed: %s", expr);
    abort();
}
