/*
 * Prometheus text-format tokenizer and series parser (see promtext.h).
 *
 * Built for the scrape hot path: lines are found with memchr, nothing is copied or allocated,
 * and a consumer that only wants a few metric families pays for the full parse of those lines
 * only. Values take a Clinger fast path (an integer mantissa of at most 2^53 scaled by an
 * exact power of ten is one correctly rounded IEEE operation), which covers every number a
 * kubelet writes; anything else goes to strtod on a validated token.
 */
#include "metrics/promtext.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/err.h"

static inline int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Character classes: bit 1 metric-name start, 2 metric-name char, 4 label-name start,
 * 8 label-name char. A table keeps the per-byte loops to one load and test. */
enum { C_NS = 1, C_NC = 2, C_LS = 4, C_LC = 8 };
#define LETTER (C_NS | C_NC | C_LS | C_LC)
#define DIGIT (C_NC | C_LC)
static const unsigned char cclass[256] = {
    ['0'] = DIGIT,       ['1'] = DIGIT,  ['2'] = DIGIT,  ['3'] = DIGIT,  ['4'] = DIGIT,
    ['5'] = DIGIT,       ['6'] = DIGIT,  ['7'] = DIGIT,  ['8'] = DIGIT,  ['9'] = DIGIT,
    [':'] = C_NS | C_NC, ['_'] = LETTER, ['A'] = LETTER, ['B'] = LETTER, ['C'] = LETTER,
    ['D'] = LETTER,      ['E'] = LETTER, ['F'] = LETTER, ['G'] = LETTER, ['H'] = LETTER,
    ['I'] = LETTER,      ['J'] = LETTER, ['K'] = LETTER, ['L'] = LETTER, ['M'] = LETTER,
    ['N'] = LETTER,      ['O'] = LETTER, ['P'] = LETTER, ['Q'] = LETTER, ['R'] = LETTER,
    ['S'] = LETTER,      ['T'] = LETTER, ['U'] = LETTER, ['V'] = LETTER, ['W'] = LETTER,
    ['X'] = LETTER,      ['Y'] = LETTER, ['Z'] = LETTER, ['a'] = LETTER, ['b'] = LETTER,
    ['c'] = LETTER,      ['d'] = LETTER, ['e'] = LETTER, ['f'] = LETTER, ['g'] = LETTER,
    ['h'] = LETTER,      ['i'] = LETTER, ['j'] = LETTER, ['k'] = LETTER, ['l'] = LETTER,
    ['m'] = LETTER,      ['n'] = LETTER, ['o'] = LETTER, ['p'] = LETTER, ['q'] = LETTER,
    ['r'] = LETTER,      ['s'] = LETTER, ['t'] = LETTER, ['u'] = LETTER, ['v'] = LETTER,
    ['w'] = LETTER,      ['x'] = LETTER, ['y'] = LETTER, ['z'] = LETTER,
};
#undef LETTER
#undef DIGIT

static inline int is_name_start(unsigned char c)
{
    return cclass[c] & C_NS;
}

static inline int is_name_char(unsigned char c)
{
    return cclass[c] & C_NC;
}

static inline int is_lname_start(unsigned char c)
{
    return cclass[c] & C_LS;
}

static inline int is_lname_char(unsigned char c)
{
    return cclass[c] & C_LC;
}

static const char *skip_blanks(const char *p, const char *e)
{
    while (p < e && is_blank(*p))
        p++;
    return p;
}

/* Length of the metric name at p (0 when p does not start one). */
static size_t name_len(const char *p, const char *e)
{
    const char *s = p;
    if (p >= e || !is_name_start((unsigned char)*p))
        return 0;
    p++;
    while (p < e && is_name_char((unsigned char)*p))
        p++;
    return (size_t)(p - s);
}

/* Printable excerpt of a token for error messages: at most 40 bytes. */
static int excerpt_len(size_t len)
{
    return len > 40 ? 40 : (int)len;
}

void promtext_init(struct promtext_parser *p, const void *data, size_t len)
{
    p->cur = data;
    p->end = p->cur + len;
    p->lineno = 0;
}

static int word_eq(const char *p, size_t len, const char *w)
{
    size_t n = strlen(w);
    return len == n && memcmp(p, w, n) == 0;
}

/* "# HELP ..." / "# TYPE ...": p points after "HELP"/"TYPE" and the blank that follows. */
static int parse_meta(struct promtext_line *line, const char *p, const char *e, char *err,
                      size_t errlen)
{
    const char *what = line->kind == PROMTEXT_HELP ? "HELP" : "TYPE";
    size_t n = name_len(p, e);
    if (!n) {
        kg_set_err(err, errlen, "line %zu: # %s without a valid metric name", line->lineno, what);
        return -EINVAL;
    }
    line->name.ptr = p;
    line->name.len = n;
    p += n;
    if (p < e && !is_blank(*p)) {
        kg_set_err(err, errlen, "line %zu: invalid character '%c' in metric name after \"%.*s\"",
                   line->lineno, *p, excerpt_len(n), line->name.ptr);
        return -EINVAL;
    }
    p = skip_blanks(p, e);
    if (line->kind == PROMTEXT_HELP) {
        line->rest.ptr = p;
        line->rest.len = (size_t)(e - p);
        return 0;
    }
    const char *t = p;
    while (p < e && !is_blank(*p))
        p++;
    size_t tl = (size_t)(p - t);
    if (skip_blanks(p, e) != e) {
        kg_set_err(err, errlen, "line %zu: unexpected text after the type of \"%.*s\"",
                   line->lineno, excerpt_len(n), line->name.ptr);
        return -EINVAL;
    }
    line->rest.ptr = t;
    line->rest.len = tl;
    if (word_eq(t, tl, "counter"))
        line->type = PROMTEXT_TYPE_COUNTER;
    else if (word_eq(t, tl, "gauge"))
        line->type = PROMTEXT_TYPE_GAUGE;
    else if (word_eq(t, tl, "histogram"))
        line->type = PROMTEXT_TYPE_HISTOGRAM;
    else if (word_eq(t, tl, "summary"))
        line->type = PROMTEXT_TYPE_SUMMARY;
    else if (word_eq(t, tl, "untyped"))
        line->type = PROMTEXT_TYPE_UNTYPED;
    else {
        kg_set_err(err, errlen, "line %zu: invalid metric type \"%.*s\" for \"%.*s\"", line->lineno,
                   excerpt_len(tl), t, excerpt_len(n), line->name.ptr);
        return -EINVAL;
    }
    return 0;
}

static int classify_comment(struct promtext_line *line, const char *p, const char *e, char *err,
                            size_t errlen)
{
    /* p is just after '#'. HELP/TYPE need a blank before and after the keyword. */
    line->kind = PROMTEXT_COMMENT;
    line->rest.ptr = p;
    line->rest.len = (size_t)(e - p);
    const char *k = skip_blanks(p, e);
    if (k == p || e - k < 4)
        return 0;
    int help = memcmp(k, "HELP", 4) == 0, type = memcmp(k, "TYPE", 4) == 0;
    if (!help && !type)
        return 0;
    const char *a = k + 4;
    if (a < e && !is_blank(*a))
        return 0; /* "# HELPER" is a comment */
    line->kind = help ? PROMTEXT_HELP : PROMTEXT_TYPE;
    return parse_meta(line, skip_blanks(a, e), e, err, errlen);
}

int promtext_next(struct promtext_parser *p, struct promtext_line *line, char *err, size_t errlen)
{
    for (;;) {
        if (p->cur >= p->end)
            return 0;
        const char *s = p->cur;
        const char *nl = memchr(s, '\n', (size_t)(p->end - s));
        const char *e = nl ? nl : p->end;
        p->cur = nl ? nl + 1 : p->end;
        p->lineno++;
        if (e > s && e[-1] == '\r')
            e--;
        line->kind = PROMTEXT_COMMENT;
        line->type = PROMTEXT_TYPE_NONE;
        line->name.ptr = line->rest.ptr = NULL;
        line->name.len = line->rest.len = 0;
        line->lineno = p->lineno;
        line->text.ptr = s;
        line->text.len = (size_t)(e - s);
        const char *q = skip_blanks(s, e);
        if (q == e)
            continue; /* blank line */
        if (*q == '#')
            return classify_comment(line, q + 1, e, err, errlen) ? -EINVAL : 1;
        size_t n = name_len(q, e);
        if (!n) {
            kg_set_err(err, errlen, "line %zu: invalid metric name at \"%.*s\"", line->lineno,
                       excerpt_len((size_t)(e - q)), q);
            return -EINVAL;
        }
        line->kind = PROMTEXT_SERIES;
        line->name.ptr = q;
        line->name.len = n;
        q += n;
        if (q < e && !is_blank(*q) && *q != '{') {
            kg_set_err(err, errlen, "line %zu: invalid character '%c' after metric name \"%.*s\"",
                       line->lineno, *q, excerpt_len(n), line->name.ptr);
            return -EINVAL;
        }
        line->rest.ptr = q;
        line->rest.len = (size_t)(e - q);
        return 1;
    }
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, surrogates or > U+10FFFF),
 * or 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *e)
{
    size_t avail = (size_t)(e - p);
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

/* Parses one quoted label value starting at *pp (just after the opening quote). */
static int parse_label_value(const char **pp, const char *e, struct promtext_label *l,
                             size_t lineno, char *err, size_t errlen)
{
    const char *p = *pp;
    l->value.ptr = p;
    l->escaped = false;
    /* Fast path: up to the next quote, no backslash and only ASCII (every kubelet value). */
    const char *q = memchr(p, '"', (size_t)(e - p));
    if (q && !memchr(p, '\\', (size_t)(q - p))) {
        uint64_t hi = 0;
        const char *r = p;
        for (; q - r >= 8; r += 8) {
            uint64_t w;
            memcpy(&w, r, 8);
            hi |= w;
        }
        for (; r < q; r++)
            hi |= (unsigned char)*r;
        if (!(hi & UINT64_C(0x8080808080808080))) {
            l->value.len = (size_t)(q - p);
            *pp = q + 1;
            return 0;
        }
    }
    while (p < e) {
        unsigned char c = (unsigned char)*p;
        if (c != '"' && c != '\\' && c < 0x80) {
            p++;
            continue;
        }
        if (c == '"')
            break;
        if (c == '\\') {
            if (p + 1 >= e || (p[1] != '\\' && p[1] != '"' && p[1] != 'n')) {
                kg_set_err(err, errlen, "line %zu: invalid escape sequence in value of label %.*s",
                           lineno, excerpt_len(l->name.len), l->name.ptr);
                return -EINVAL;
            }
            l->escaped = true;
            p += 2;
        } else {
            size_t n = utf8_seq((const unsigned char *)p, (const unsigned char *)e);
            if (!n) {
                kg_set_err(err, errlen, "line %zu: invalid UTF-8 in value of label %.*s", lineno,
                           excerpt_len(l->name.len), l->name.ptr);
                return -EINVAL;
            }
            p += n;
        }
    }
    if (p >= e) {
        kg_set_err(err, errlen, "line %zu: unterminated value of label %.*s", lineno,
                   excerpt_len(l->name.len), l->name.ptr);
        return -EINVAL;
    }
    l->value.len = (size_t)(p - l->value.ptr);
    *pp = p + 1;
    return 0;
}

static int parse_labels(const char **pp, const char *e, struct promtext_series *s, size_t lineno,
                        char *err, size_t errlen)
{
    const char *p = *pp; /* just after '{' */
    for (;;) {
        p = skip_blanks(p, e);
        if (p < e && *p == '}')
            break;
        if (p >= e || !is_lname_start((unsigned char)*p)) {
            kg_set_err(err, errlen, "line %zu: expected a label name or '}'%s", lineno,
                       p >= e ? " before the end of the line" : "");
            return -EINVAL;
        }
        if (s->nlabels == KG_MAX_PROMTEXT_LABELS) {
            kg_set_err(err, errlen, "line %zu: more than %d labels", lineno,
                       KG_MAX_PROMTEXT_LABELS);
            return -EINVAL;
        }
        struct promtext_label *l = &s->labels[s->nlabels];
        l->name.ptr = p;
        while (p < e && is_lname_char((unsigned char)*p))
            p++;
        l->name.len = (size_t)(p - l->name.ptr);
        for (size_t i = 0; i < s->nlabels; i++) {
            if (s->labels[i].name.len == l->name.len &&
                memcmp(s->labels[i].name.ptr, l->name.ptr, l->name.len) == 0) {
                kg_set_err(err, errlen, "line %zu: label %.*s repeated", lineno,
                           excerpt_len(l->name.len), l->name.ptr);
                return -EINVAL;
            }
        }
        p = skip_blanks(p, e);
        if (p >= e || *p != '=') {
            kg_set_err(err, errlen, "line %zu: expected '=' after label name %.*s", lineno,
                       excerpt_len(l->name.len), l->name.ptr);
            return -EINVAL;
        }
        p = skip_blanks(p + 1, e);
        if (p >= e || *p != '"') {
            kg_set_err(err, errlen, "line %zu: expected '\"' to start the value of label %.*s",
                       lineno, excerpt_len(l->name.len), l->name.ptr);
            return -EINVAL;
        }
        p++;
        if (parse_label_value(&p, e, l, lineno, err, errlen))
            return -EINVAL;
        s->nlabels++;
        p = skip_blanks(p, e);
        if (p < e && *p == ',') {
            p++;
            continue;
        }
        if (p < e && *p == '}')
            break;
        kg_set_err(err, errlen, "line %zu: expected ',' or '}' after the value of label %.*s",
                   lineno, excerpt_len(l->name.len), l->name.ptr);
        return -EINVAL;
    }
    *pp = p + 1;
    return 0;
}

static int lower_eq(const char *p, size_t len, const char *w)
{
    size_t n = strlen(w);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return 0;
    }
    return 1;
}

static const double pow10_exact[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

int promtext_parse_value(const char *s, size_t len, double *out)
{
    if (len == 0 || len > KG_MAX_PROMTEXT_VALUE)
        return -EINVAL;
    size_t i = 0;
    int neg = 0, sign = 0;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        sign = 1;
        i = 1;
    }
    if (i < len && ((s[i] | 0x20) == 'i' || (s[i] | 0x20) == 'n')) {
        if (lower_eq(s + i, len - i, "inf") || lower_eq(s + i, len - i, "infinity")) {
            *out = neg ? -INFINITY : INFINITY;
            return 0;
        }
        if (!sign && lower_eq(s, len, "nan")) {
            *out = NAN;
            return 0;
        }
        return -EINVAL;
    }
    uint64_t mant = 0;
    int nd = 0, digits = 0, truncated = 0;
    long dexp = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        int d = s[i] - '0';
        if (mant == 0 && d == 0)
            continue;
        if (nd < 19) {
            mant = mant * 10 + (uint64_t)d;
            nd++;
        } else {
            dexp++;
            truncated |= d != 0;
        }
    }
    if (i < len && s[i] == '.') {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
            int d = s[i] - '0';
            if (mant == 0 && d == 0) {
                dexp--;
                continue;
            }
            if (nd < 19) {
                mant = mant * 10 + (uint64_t)d;
                nd++;
                dexp--;
            } else {
                truncated |= d != 0;
            }
        }
    }
    if (!digits)
        return -EINVAL;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < len && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        if (i >= len || s[i] < '0' || s[i] > '9')
            return -EINVAL;
        long ex = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            if (ex < 100000)
                ex = ex * 10 + (s[i] - '0');
        }
        dexp += eneg ? -ex : ex;
    }
    if (i != len)
        return -EINVAL;
    if (mant == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (!truncated && mant <= (UINT64_C(1) << 53) && dexp >= -22 && dexp <= 22) {
        double v = (double)mant;
        v = dexp >= 0 ? v * pow10_exact[dexp] : v / pow10_exact[-dexp];
        *out = neg ? -v : v;
        return 0;
    }
#if LDBL_MANT_DIG == 64
    /* x87 extended precision: a 19-digit mantissa is exact, one rounding to 64 bits, then to
     * 53. That double rounding can differ from the correct result only when the 64-bit value
     * lies within one unit of a 53-bit halfway point (low 11 bits 0x3FF..0x401): those few
     * cases go to strtod. Covers kubelet start times (17 significant digits). Where long double
     * arithmetic is not really extended (valgrind emulates it in double), strtod is used. */
    volatile long double one = 1.0L; /* emulators (valgrind) compute in double: probe */
    if (!truncated && dexp >= -27 && dexp <= 27 && one + LDBL_EPSILON != one) {
        static const long double p10[] = { 1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                           1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                           1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                           1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L };
        long double x = (long double)mant;
        x = dexp >= 0 ? x * p10[dexp] : x / p10[-dexp];
        uint64_t sig;
        memcpy(&sig, &x, sizeof(sig)); /* the explicit 64-bit significand comes first */
        unsigned low = (unsigned)(sig & 0x7FF);
        if (low < 0x3FF || low > 0x401) {
            double v = (double)x;
            *out = neg ? -v : v;
            return 0;
        }
    }
#endif
    /* Slow path: the token is validated decimal syntax, which strtod reads the same way. */
    char tmp[KG_MAX_PROMTEXT_VALUE + 1];
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *endp;
    errno = 0;
    double v = strtod(tmp, &endp);
    if (endp != tmp + len)
        return -EINVAL;
    if (errno == ERANGE && isinf(v))
        return -ERANGE;
    *out = v;
    return 0;
}

static int parse_timestamp(const char *p, size_t len, int64_t *out)
{
    if (len == 0)
        return -EINVAL;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -EINVAL;
        int d = p[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int promtext_parse_series(const struct promtext_line *line, struct promtext_series *s, char *err,
                          size_t errlen)
{
    const char *p = line->rest.ptr, *e = line->rest.ptr + line->rest.len;
    size_t ln = line->lineno;
    s->nlabels = 0;
    s->has_timestamp = false;
    s->timestamp_ms = 0;
    p = skip_blanks(p, e);
    if (p < e && *p == '{') {
        p++;
        if (parse_labels(&p, e, s, ln, err, errlen))
            return -EINVAL;
        p = skip_blanks(p, e);
    }
    const char *v = p;
    while (p < e && !is_blank(*p))
        p++;
    if (p == v) {
        kg_set_err(err, errlen, "line %zu: missing value for %.*s", ln, excerpt_len(line->name.len),
                   line->name.ptr);
        return -EINVAL;
    }
    int rc = promtext_parse_value(v, (size_t)(p - v), &s->value);
    if (rc) {
        kg_set_err(err, errlen, "line %zu: %s value \"%.*s\" for %.*s", ln,
                   rc == -ERANGE ? "out-of-range" : "invalid", excerpt_len((size_t)(p - v)), v,
                   excerpt_len(line->name.len), line->name.ptr);
        return -EINVAL;
    }
    p = skip_blanks(p, e);
    if (p < e) {
        const char *t = p;
        while (p < e && !is_blank(*p))
            p++;
        rc = parse_timestamp(t, (size_t)(p - t), &s->timestamp_ms);
        if (rc) {
            kg_set_err(err, errlen, "line %zu: %s timestamp \"%.*s\" for %.*s", ln,
                       rc == -ERANGE ? "out-of-range" : "invalid", excerpt_len((size_t)(p - t)), t,
                       excerpt_len(line->name.len), line->name.ptr);
            return -EINVAL;
        }
        s->has_timestamp = true;
        if (skip_blanks(p, e) != e) {
            kg_set_err(err, errlen, "line %zu: unexpected text after the timestamp of %.*s", ln,
                       excerpt_len(line->name.len), line->name.ptr);
            return -EINVAL;
        }
    }
    return 0;
}

const struct promtext_label *promtext_label(const struct promtext_series *s, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < s->nlabels; i++) {
        const struct promtext_label *l = &s->labels[i];
        if (l->name.len == n && memcmp(l->name.ptr, name, n) == 0)
            return l;
    }
    return NULL;
}

size_t promtext_unescape(const char *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '\\' && i + 1 < len) {
            char c = in[i + 1];
            if (c == '\\' || c == '"' || c == 'n') {
                out[o++] = c == 'n' ? '\n' : c;
                i++;
                continue;
            }
        }
        out[o++] = in[i];
    }
    return o;
}
