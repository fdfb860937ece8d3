/*
 * Clocks, RFC 3339 and Go-duration formatting and parsing.
 */
#include "util/time.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t time_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* Floor division so that instants before 1970 keep a non-negative fraction. */
static void split_ns(int64_t ns, time_t *sec, long *frac)
{
    int64_t s = ns / NS_PER_SEC, f = ns % NS_PER_SEC;
    if (f < 0) {
        f += NS_PER_SEC;
        s--;
    }
    *sec = (time_t)s;
    *frac = (long)f;
}

static size_t put(size_t outlen, int n)
{
    if (n < 0 || outlen == 0)
        return 0;
    return (size_t)n < outlen ? (size_t)n : outlen - 1;
}

size_t time_format_rfc3339(int64_t wall_ns, char *out, size_t outlen)
{
    time_t sec;
    long frac;
    struct tm tm;
    split_ns(wall_ns, &sec, &frac);
    gmtime_r(&sec, &tm);
    return put(outlen, snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec));
}

size_t time_format_rfc3339_nano(int64_t wall_ns, int micro, char *out, size_t outlen)
{
    time_t sec;
    long frac;
    struct tm tm;
    char digits[32] = ""; /* room for any long, so gcc sees no truncation */
    split_ns(wall_ns, &sec, &frac);
    gmtime_r(&sec, &tm);
    if (micro) {
        snprintf(digits, sizeof(digits), ".%06ld", frac / 1000);
    } else if (frac) {
        snprintf(digits, sizeof(digits), ".%09ld", frac);
        size_t n = strlen(digits);
        while (digits[n - 1] == '0')
            digits[--n] = '\0';
    }
    return put(outlen,
               snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, digits));
}

/* Reads exactly n digits. */
static int digits_n(const char **p, int n, int *val)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -EINVAL;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *val = v;
    return 0;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return -EINVAL;
    (*p)++;
    return 0;
}

static int days_in_month(int year, int mon)
{
    static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return dm[mon - 1] + (mon == 2 && leap);
}

int time_parse_rfc3339(const char *s, int64_t *wall_ns)
{
    int y, mo, d, h, mi, se;
    const char *p = s;
    if (digits_n(&p, 4, &y) || expect(&p, '-') || digits_n(&p, 2, &mo) || expect(&p, '-') ||
        digits_n(&p, 2, &d))
        return -EINVAL;
    if (*p != 'T' && *p != 't')
        return -EINVAL;
    p++;
    if (digits_n(&p, 2, &h) || expect(&p, ':') || digits_n(&p, 2, &mi) || expect(&p, ':') ||
        digits_n(&p, 2, &se))
        return -EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
        return -EINVAL;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        int64_t scale = NS_PER_SEC;
        while (*p >= '0' && *p <= '9') {
            if (nd < 9) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
            nd++;
            p++;
        }
        if (nd == 0)
            return -EINVAL;
    }
    int64_t offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (digits_n(&p, 2, &oh) || expect(&p, ':') || digits_n(&p, 2, &om) || oh > 23 || om > 59)
            return -EINVAL;
        offset = sign * ((int64_t)oh * 3600 + om * 60);
    } else {
        return -EINVAL;
    }
    if (*p)
        return -EINVAL;
    struct tm tm = { .tm_year = y - 1900,
                     .tm_mon = mo - 1,
                     .tm_mday = d,
                     .tm_hour = h,
                     .tm_min = mi,
                     .tm_sec = se };
    int64_t sec = (int64_t)timegm(&tm) - offset;
    /* int64 nanoseconds span 1677-09-21 to 2262-04-11; outside that the instant has no
     * representation (Go's UnixNano would overflow too). */
    if (sec < INT64_MIN / NS_PER_SEC + 1 || sec > INT64_MAX / NS_PER_SEC - 1)
        return -ERANGE;
    *wall_ns = sec * NS_PER_SEC + frac;
    return 0;
}

/*
 * Writes the fractional part of v (prec digits) into the end of buf, dropping trailing zeros,
 * and returns the new start; *v becomes the integer part.
 */
static size_t fmt_frac(char *buf, size_t w, uint64_t *v, int prec)
{
    int print = 0;
    for (int i = 0; i < prec; i++) {
        unsigned digit = (unsigned)(*v % 10);
        print = print || digit != 0;
        if (print)
            buf[--w] = (char)('0' + digit);
        *v /= 10;
    }
    if (print)
        buf[--w] = '.';
    return w;
}

static size_t fmt_int(char *buf, size_t w, uint64_t v)
{
    if (v == 0) {
        buf[--w] = '0';
        return w;
    }
    while (v > 0) {
        buf[--w] = (char)('0' + v % 10);
        v /= 10;
    }
    return w;
}

size_t time_format_duration(int64_t ns, char *out, size_t outlen)
{
    char buf[TIME_DURATION_LEN];
    size_t w = sizeof(buf);
    uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

    if (u < (uint64_t)NS_PER_SEC) {
        int prec = 0;
        if (u == 0)
            return put(outlen, snprintf(out, outlen, "0s"));
        buf[--w] = 's';
        if (u < (uint64_t)NS_PER_US) {
            buf[--w] = 'n';
        } else if (u < (uint64_t)NS_PER_MS) {
            /* U+00B5 MICRO SIGN, as Go writes it. */
            buf[--w] = '\xb5';
            buf[--w] = '\xc2';
            prec = 3;
        } else {
            buf[--w] = 'm';
            prec = 6;
        }
        w = fmt_frac(buf, w, &u, prec);
        w = fmt_int(buf, w, u);
    } else {
        buf[--w] = 's';
        w = fmt_frac(buf, w, &u, 9);
        w = fmt_int(buf, w, u % 60);
        u /= 60;
        if (u > 0) {
            buf[--w] = 'm';
            w = fmt_int(buf, w, u % 60);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'h';
                w = fmt_int(buf, w, u);
            }
        }
    }
    if (ns < 0)
        buf[--w] = '-';
    return put(outlen, snprintf(out, outlen, "%.*s", (int)(sizeof(buf) - w), buf + w));
}

struct unit {
    const char *name;
    uint64_t ns;
};

static const struct unit units[] = {
    { "ns", 1 },
    { "us", 1000 },
    { "\xc2\xb5s", 1000 }, /* U+00B5 micro sign */
    { "\xce\xbcs", 1000 }, /* U+03BC Greek mu */
    { "ms", 1000000 },
    { "s", 1000000000 },
    { "m", UINT64_C(60) * 1000000000 },
    { "h", UINT64_C(3600) * 1000000000 },
};

int time_parse_duration(const char *s, int64_t *ns)
{
    const char *p = s;
    int neg = 0;
    uint64_t total = 0;
    if (*p == '-' || *p == '+') {
        neg = *p == '-';
        p++;
    }
    if (!strcmp(p, "0")) {
        *ns = 0;
        return 0;
    }
    if (!*p)
        return -EINVAL;
    while (*p) {
        uint64_t whole = 0, frac = 0, scale = 1;
        int pre = 0, post = 0;
        while (*p >= '0' && *p <= '9') {
            if (whole > (UINT64_C(1) << 63) / 10)
                return -ERANGE;
            whole = whole * 10 + (uint64_t)(*p++ - '0');
            if (whole > UINT64_C(1) << 63)
                return -ERANGE;
            pre = 1;
        }
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9') {
                if (scale < UINT64_C(1000000000000000000)) { /* beyond this: precision only */
                    frac = frac * 10 + (uint64_t)(*p - '0');
                    scale *= 10;
                }
                p++;
                post = 1;
            }
        }
        if (!pre && !post)
            return -EINVAL;
        size_t ulen = 0;
        while (p[ulen] && p[ulen] != '.' && (p[ulen] < '0' || p[ulen] > '9'))
            ulen++;
        if (ulen == 0)
            return -EINVAL; /* missing unit */
        const struct unit *u = NULL;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strlen(units[i].name) == ulen && !strncmp(p, units[i].name, ulen)) {
                u = &units[i];
                break;
            }
        }
        if (!u)
            return -EINVAL;
        p += ulen;
        if (whole > (UINT64_C(1) << 63) / u->ns)
            return -ERANGE;
        uint64_t v = whole * u->ns;
        if (frac) {
            /* frac/scale of the unit, computed without overflow: scale <= 1e18. */
            long double f = (long double)frac * (long double)u->ns / (long double)scale;
            v += (uint64_t)f;
            if (v > UINT64_C(1) << 63)
                return -ERANGE;
        }
        total += v;
        if (total > UINT64_C(1) << 63)
            return -ERANGE;
    }
    if (!neg && total > (uint64_t)INT64_MAX)
        return -ERANGE;
    *ns = neg ? (int64_t)(0 - total) : (int64_t)total;
    return 0;
}
