/*
 * Streaming JSON writer producing Go encoding/json's exact bytes. State is a small stack of
 * open containers (kind + whether anything was written in it) plus an "after key" flag; the
 * separator logic lives in value_begin()/key() so every value call stays tiny.
 */
#include "json/writer.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/limits.h"

#define FLUSH_CHUNK_DEFAULT (64u * 1024)

enum { LVL_OBJECT = 1, LVL_ARRAY = 2 };

struct json_writer {
    struct buf *out;
    struct buf own; /* flush mode */
    json_flush_cb cb;
    void *ud;
    size_t chunk;

    char indent[KG_MAX_JSON_INDENT + 1];
    size_t indent_len;
    bool escape_html;

    int err;
    char msg[160];

    unsigned depth;
    bool after_key;
    bool top_done;
    unsigned char kind[KG_MAX_JSON_DEPTH + 1];
    bool nonempty[KG_MAX_JSON_DEPTH + 1];
};

static struct json_writer *writer_alloc(void)
{
    struct json_writer *w = xcalloc(1, sizeof(*w));
    w->escape_html = true;
    return w;
}

struct json_writer *json_writer_new(struct buf *out)
{
    struct json_writer *w = writer_alloc();
    w->out = out;
    return w;
}

struct json_writer *json_writer_new_flush(json_flush_cb cb, void *ud, size_t chunk)
{
    struct json_writer *w = writer_alloc();
    buf_init(&w->own, KG_MAX_JSON_DOC);
    w->out = &w->own;
    w->cb = cb;
    w->ud = ud;
    w->chunk = chunk ? chunk : FLUSH_CHUNK_DEFAULT;
    return w;
}

void json_writer_free(struct json_writer *w)
{
    if (!w)
        return;
    buf_cleanup(&w->own);
    free(w);
}

__attribute__((format(printf, 3, 4))) static int fail(struct json_writer *w, int rc,
                                                      const char *fmt, ...)
{
    if (w->err)
        return w->err;
    w->err = rc;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
    va_end(ap);
    return rc;
}

int json_writer_set_indent(struct json_writer *w, const char *indent)
{
    size_t n = indent ? strlen(indent) : 0;
    if (n > KG_MAX_JSON_INDENT)
        return -EINVAL;
    if (n)
        memcpy(w->indent, indent, n);
    w->indent[n] = '\0';
    w->indent_len = n;
    return 0;
}

void json_writer_set_escape_html(struct json_writer *w, bool on)
{
    w->escape_html = on;
}

int json_writer_error(const struct json_writer *w)
{
    return w->err;
}

void json_writer_reset(struct json_writer *w)
{
    w->err = 0;
    w->msg[0] = '\0';
    w->depth = 0;
    w->after_key = false;
    w->top_done = false;
}

static int put(struct json_writer *w, const void *p, size_t n)
{
    struct buf *b = w->out;
    /* fast path: room already allocated (keeps the NUL terminator buf promises) */
    if (b->cap - b->len > n && b->len + n <= b->max) {
        memcpy(b->ptr + b->len, p, n);
        b->len += n;
        b->ptr[b->len] = '\0';
        return 0;
    }
    int rc = buf_append(b, p, n);
    if (rc)
        return fail(w, rc, "output exceeds its limit of %zu bytes", w->out->max);
    return 0;
}

static int putc1(struct json_writer *w, char c)
{
    return put(w, &c, 1);
}

static int newline_indent(struct json_writer *w, unsigned levels)
{
    int rc = putc1(w, '\n');
    for (unsigned i = 0; i < levels && rc == 0; i++)
        rc = put(w, w->indent, w->indent_len);
    return rc;
}

/* In flush mode, hands full chunks to the callback. */
static int maybe_flush(struct json_writer *w, bool all)
{
    if (!w->cb || w->err || w->own.len == 0 || (!all && w->own.len < w->chunk))
        return w->err;
    int rc = w->cb(w->ud, w->own.ptr, w->own.len);
    buf_reset(&w->own);
    if (rc)
        return fail(w, rc, "flush callback failed (%d)", rc);
    return 0;
}

/* Separator and indentation before a value (containers included). */
static int value_begin(struct json_writer *w)
{
    if (w->err)
        return w->err;
    if (w->depth == 0) {
        if (w->top_done)
            return fail(w, -EINVAL,
                        "a second top-level value (reset the writer between documents)");
        return 0;
    }
    if (w->kind[w->depth] == LVL_OBJECT) {
        if (!w->after_key)
            return fail(w, -EINVAL, "a value inside an object must follow a key");
        w->after_key = false;
        return 0;
    }
    int rc = 0;
    if (w->nonempty[w->depth])
        rc = putc1(w, ',');
    w->nonempty[w->depth] = true;
    if (rc == 0 && w->indent_len)
        rc = newline_indent(w, w->depth);
    return rc;
}

static int value_end(struct json_writer *w)
{
    if (w->err)
        return w->err;
    if (w->depth == 0)
        w->top_done = true;
    return maybe_flush(w, false);
}

static int begin(struct json_writer *w, unsigned char kind)
{
    int rc = value_begin(w);
    if (rc)
        return rc;
    if (w->depth >= KG_MAX_JSON_DEPTH)
        return fail(w, -E2BIG, "nesting deeper than %d levels", KG_MAX_JSON_DEPTH);
    rc = putc1(w, kind == LVL_OBJECT ? '{' : '[');
    if (rc)
        return rc;
    w->depth++;
    w->kind[w->depth] = kind;
    w->nonempty[w->depth] = false;
    return 0;
}

static int end(struct json_writer *w, unsigned char kind)
{
    if (w->err)
        return w->err;
    if (w->depth == 0 || w->kind[w->depth] != kind)
        return fail(w, -EINVAL, "end of %s without a matching begin",
                    kind == LVL_OBJECT ? "object" : "array");
    if (w->after_key)
        return fail(w, -EINVAL, "end of object right after a key (value missing)");
    int rc = 0;
    if (w->nonempty[w->depth] && w->indent_len)
        rc = newline_indent(w, w->depth - 1);
    if (rc == 0)
        rc = putc1(w, kind == LVL_OBJECT ? '}' : ']');
    if (rc)
        return rc;
    w->depth--;
    return value_end(w);
}

int json_writer_begin_object(struct json_writer *w)
{
    return begin(w, LVL_OBJECT);
}

int json_writer_end_object(struct json_writer *w)
{
    return end(w, LVL_OBJECT);
}

int json_writer_begin_array(struct json_writer *w)
{
    return begin(w, LVL_ARRAY);
}

int json_writer_end_array(struct json_writer *w)
{
    return end(w, LVL_ARRAY);
}

/* Bytes that need attention: controls, '"', '\\', the HTML three, non-ASCII. */
static const unsigned char esc_html[256] = {
    [0x00 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1,          ['<'] = 1,
    ['>'] = 1,           ['&'] = 1, [0x80 ... 0xFF] = 1,
};
static const unsigned char esc_plain[256] = {
    [0x00 ... 0x1F] = 1,
    ['"'] = 1,
    ['\\'] = 1,
    [0x80 ... 0xFF] = 1,
};

/*
 * The escape for s[i] (which tab flags) into e; returns its length and sets *adv to the input
 * bytes it stands for. Returns 0 for a valid multi-byte sequence that is copied verbatim.
 */
static size_t escape_at(const unsigned char *s, size_t i, size_t len, char e[6], size_t *adv)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = s[i];
    *adv = 1;
    if (c < 0x80) {
        e[0] = '\\';
        switch (c) {
        case '"':
        case '\\':
            e[1] = (char)c;
            return 2;
        case '\b':
            e[1] = 'b';
            return 2;
        case '\f':
            e[1] = 'f';
            return 2;
        case '\n':
            e[1] = 'n';
            return 2;
        case '\r':
            e[1] = 'r';
            return 2;
        case '\t':
            e[1] = 't';
            return 2;
        default:
            e[1] = 'u';
            e[2] = '0';
            e[3] = '0';
            e[4] = hex[c >> 4];
            e[5] = hex[c & 0xF];
            return 6;
        }
    }
    static const char fffd[6] = { '\\', 'u', 'f', 'f', 'f', 'd' };
    static const char u202[5] = { '\\', 'u', '2', '0', '2' };
    size_t n = json__utf8_len(s + i, len - i);
    if (n == 0) {
        memcpy(e, fffd, sizeof(fffd));
        return 6;
    }
    *adv = n;
    if (n == 3 && c == 0xE2 && s[i + 1] == 0x80 && (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
        memcpy(e, u202, sizeof(u202));
        e[5] = hex[s[i + 2] & 0xF];
        return 6;
    }
    return 0;
}

static int put_quoted(struct json_writer *w, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    const unsigned char *tab = w->escape_html ? esc_html : esc_plain;
    struct buf *b = w->out;
    size_t i = 0, run = 0;
    int rc;

    /* Fast path: reserve the worst case (every byte as \u00XX) and write in place. */
    if (b->max >= 2 && len <= (b->max - 2) / 6 && b->len + len * 6 + 2 <= b->max) {
        char *d = buf_reserve(b, len * 6 + 2, &rc);
        if (d) {
            char *p = d;
            *p++ = '"';
            while (i < len) {
                size_t j = i;
                while (j < len && !tab[s[j]])
                    j++;
                memcpy(p, s + i, j - i);
                p += j - i;
                i = j;
                if (i >= len)
                    break;
                size_t adv;
                size_t elen = escape_at(s, i, len, p, &adv);
                if (elen == 0)
                    memcpy(p, s + i, adv);
                p += elen ? elen : adv;
                i += adv;
            }
            *p++ = '"';
            buf_commit(b, (size_t)(p - d));
            return 0;
        }
    }
    rc = putc1(w, '"');
    while (rc == 0 && i < len) {
        if (!tab[s[i]]) {
            i++;
            continue;
        }
        char e[6];
        size_t adv;
        size_t elen = escape_at(s, i, len, e, &adv);
        if (elen == 0) {
            i += adv; /* valid: copied verbatim with the run */
            continue;
        }
        rc = put(w, s + run, i - run);
        if (rc == 0)
            rc = put(w, e, elen);
        i += adv;
        run = i;
    }
    if (rc == 0)
        rc = put(w, s + run, len - run);
    if (rc == 0)
        rc = putc1(w, '"');
    return rc;
}

int json_writer_key_n(struct json_writer *w, const char *key, size_t len)
{
    if (w->err)
        return w->err;
    if (w->depth == 0 || w->kind[w->depth] != LVL_OBJECT)
        return fail(w, -EINVAL, "a key outside an object");
    if (w->after_key)
        return fail(w, -EINVAL, "two keys in a row (value missing)");
    int rc = 0;
    if (w->nonempty[w->depth])
        rc = putc1(w, ',');
    w->nonempty[w->depth] = true;
    if (rc == 0 && w->indent_len)
        rc = newline_indent(w, w->depth);
    if (rc == 0)
        rc = put_quoted(w, key, len);
    if (rc == 0)
        rc = w->indent_len ? put(w, ": ", 2) : putc1(w, ':');
    if (rc)
        return rc;
    w->after_key = true;
    return 0;
}

int json_writer_key(struct json_writer *w, const char *key)
{
    return json_writer_key_n(w, key, strlen(key));
}

int json_writer_string_n(struct json_writer *w, const char *s, size_t len)
{
    int rc = value_begin(w);
    if (rc == 0)
        rc = put_quoted(w, s, len);
    return rc ? rc : value_end(w);
}

int json_writer_string(struct json_writer *w, const char *s)
{
    if (!s)
        return json_writer_null(w);
    return json_writer_string_n(w, s, strlen(s));
}

/* Decimal digits of v into the end of tmp (24 bytes); returns the start. */
static char *u64_digits(uint64_t v, char *tmp_end)
{
    char *p = tmp_end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return p;
}

static int put_raw_value(struct json_writer *w, const char *p, size_t n)
{
    int rc = value_begin(w);
    if (rc == 0)
        rc = put(w, p, n);
    return rc ? rc : value_end(w);
}

int json_writer_uint64(struct json_writer *w, uint64_t v)
{
    char tmp[24];
    char *p = u64_digits(v, tmp + sizeof(tmp));
    return put_raw_value(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

int json_writer_int64(struct json_writer *w, int64_t v)
{
    char tmp[24];
    uint64_t mag = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    char *p = u64_digits(mag, tmp + sizeof(tmp));
    if (v < 0)
        *--p = '-';
    return put_raw_value(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

/*
 * Shortest round-trip digits, then Go's layout: strconv.AppendFloat(f, 'f' or 'e', -1, 64)
 * with the 'e' cutoffs 1e-6 and 1e21 and "e-07" shortened to "e-7".
 */
size_t json_format_double(double v, char *out, size_t outlen)
{
    char sci[40];
    char digits[24] = { '0' };
    size_t nd = 0;
    int exp10 = 0;
    bool neg = signbit(v) != 0;

    if (!isfinite(v) || outlen < 32)
        return 0;
    if (v == 0) {
        return (size_t)snprintf(out, outlen, "%s", neg ? "-0" : "0");
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof(sci), "%.*e", prec - 1, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    /* sci is "-d.ddde±XX" */
    const char *p = sci + (neg ? 1 : 0);
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    exp10 = (int)strtol(p + 1, NULL, 10); /* value = d.ddd x 10^exp10 */

    double a = fabs(v);
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (a < 1e-6 || a >= 1e21) {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, nd - 1);
            o += nd - 1;
        }
        int e = exp10 < 0 ? -exp10 : exp10;
        out[o++] = 'e';
        out[o++] = exp10 < 0 ? '-' : '+';
        /* Go pads to two digits, then drops the pad for negative exponents. */
        if (e < 10 && exp10 >= 0)
            out[o++] = '0';
        o += (size_t)snprintf(out + o, outlen - o, "%d", e);
        return o;
    }
    if (exp10 < 0) {
        /* 0.000ddd */
        out[o++] = '0';
        out[o++] = '.';
        for (int k = -1; k > exp10; k--)
            out[o++] = '0';
        memcpy(out + o, digits, nd);
        o += nd;
    } else {
        size_t intlen = (size_t)exp10 + 1;
        for (size_t k = 0; k < intlen; k++)
            out[o++] = k < nd ? digits[k] : '0';
        if (nd > intlen) {
            out[o++] = '.';
            memcpy(out + o, digits + intlen, nd - intlen);
            o += nd - intlen;
        }
    }
    out[o] = '\0';
    return o;
}

int json_writer_double(struct json_writer *w, double v)
{
    char tmp[48];
    size_t n = json_format_double(v, tmp, sizeof(tmp));
    if (n == 0) {
        if (w->err)
            return w->err;
        return fail(w, -EINVAL, "unsupported value: %s (JSON has no NaN or infinity)",
                    isnan(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf"));
    }
    return put_raw_value(w, tmp, n);
}

int json_writer_bool(struct json_writer *w, bool v)
{
    return v ? put_raw_value(w, "true", 4) : put_raw_value(w, "false", 5);
}

int json_writer_null(struct json_writer *w)
{
    return put_raw_value(w, "null", 4);
}

int json_writer_raw(struct json_writer *w, const char *json, size_t len)
{
    return put_raw_value(w, json, len);
}

int json_writer_value(struct json_writer *w, const struct json_value *v)
{
    switch (json_kind(v)) {
    case JSON_NULL:
        return json_writer_null(w);
    case JSON_BOOL: {
        bool b = false;
        json_get_bool(v, "", &b, NULL, 0);
        return json_writer_bool(w, b);
    }
    case JSON_INT: {
        int64_t i;
        uint64_t u = 0;
        if (json_get_int64(v, "", &i, NULL, 0) == 0)
            return json_writer_int64(w, i);
        json_get_uint64(v, "", &u, NULL, 0);
        return json_writer_uint64(w, u);
    }
    case JSON_DOUBLE: {
        double d = NAN;
        json_get_double(v, "", &d, NULL, 0);
        return json_writer_double(w, d);
    }
    case JSON_STRING: {
        const char *s = "";
        size_t len = 0;
        json_get_string(v, "", &s, &len, NULL, 0);
        return json_writer_string_n(w, s, len);
    }
    case JSON_ARRAY: {
        int rc = json_writer_begin_array(w);
        size_t n = json_array_len(v);
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = json_writer_value(w, json_array_at(v, i));
        return rc ? rc : json_writer_end_array(w);
    }
    case JSON_OBJECT: {
        struct json_iter it;
        const char *k;
        const struct json_value *m;
        int rc = json_writer_begin_object(w);
        json_iter_init(&it, v);
        while (rc == 0 && json_iter_next(&it, &k, &m)) {
            rc = json_writer_key(w, k);
            if (rc == 0)
                rc = json_writer_value(w, m);
        }
        return rc ? rc : json_writer_end_object(w);
    }
    }
    return fail(w, -EINVAL, "unknown value kind");
}

int json_writer_member_string(struct json_writer *w, const char *key, const char *s)
{
    int rc = json_writer_key(w, key);
    return rc ? rc : json_writer_string(w, s);
}

int json_writer_member_int64(struct json_writer *w, const char *key, int64_t v)
{
    int rc = json_writer_key(w, key);
    return rc ? rc : json_writer_int64(w, v);
}

int json_writer_finish(struct json_writer *w, char *err, size_t errlen)
{
    if (!w->err && w->depth)
        fail(w, -EINVAL, "incomplete document: %u container(s) still open", w->depth);
    else if (!w->err && !w->top_done)
        fail(w, -EINVAL, "empty document: no value written");
    if (!w->err)
        maybe_flush(w, true);
    if (w->err && err && errlen)
        snprintf(err, errlen, "JSON writer: %s", w->msg);
    return w->err;
}
