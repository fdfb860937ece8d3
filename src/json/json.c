/*
 * JSON reader. Two passes: our own strict scanner validates the document (grammar, depth,
 * numbers, strings) and reports precise, Go-worded errors; json-c then builds the tree from
 * bytes known to be valid. When the scanner finds something json-c would get wrong (invalid
 * UTF-8, integers beyond int64/uint64 that json-c saturates), a repaired copy is handed to
 * json-c instead: bad bytes become U+FFFD as Go does, and out-of-range integers get ".0"
 * appended so json-c keeps them as doubles. Both cases are rare; the common path never copies.
 *
 * A struct json_value * is a json_object * in disguise, except JSON null, for which json-c
 * uses NULL: it is represented by the address of a private sentinel.
 */
#include "json/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "util/err.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/limits.h"

struct json_doc {
    json_object *root; /* NULL for a "null" document */
};

static const char null_sentinel;
#define JNULL ((const struct json_value *)&null_sentinel)

static const struct json_value *wrap(json_object *o)
{
    return o ? (const struct json_value *)o : JNULL;
}

static json_object *unwrap(const struct json_value *v)
{
    return v == JNULL ? NULL : (json_object *)v;
}

/* ---- scanner ---- */

enum { SCAN_ARRAY = 0, SCAN_OBJECT = 1 };

struct scanner {
    const unsigned char *p;
    size_t n;
    size_t i;
    unsigned max_depth;
    bool fixup; /* invalid UTF-8 or an out-of-range integer seen */
    char *err;
    size_t errlen;
};

/*
 * Length of the UTF-8 sequence at p (1..4), or 0 when invalid, following Go's
 * utf8.DecodeRune: overlong forms, surrogates and code points above U+10FFFF are invalid, and
 * an invalid sequence is consumed one byte at a time.
 */
size_t json__utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        need = 2;
    } else if (c < 0xF0) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < need)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < need; k++)
        if (p[k] < 0x80 || p[k] > 0xBF)
            return 0;
    return need;
}

/* Go's quoteChar, approximately: 'x' for printable ASCII, '\xNN' otherwise. */
static const char *quote_char(unsigned char c, char *tmp, size_t tmplen)
{
    if (c == '\'')
        snprintf(tmp, tmplen, "'\\''");
    else if (c >= 0x20 && c < 0x7F)
        snprintf(tmp, tmplen, "'%c'", c);
    else
        snprintf(tmp, tmplen, "'\\x%02x'", c);
    return tmp;
}

static void position(const unsigned char *p, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, start = 0;
    for (size_t k = 0; k < off; k++) {
        if (p[k] == '\n') {
            l++;
            start = k + 1;
        }
    }
    *line = l;
    *col = off - start + 1;
}

/* "invalid character 'x' <context> at offset N (line L, column C)" */
static int scan_bad(struct scanner *s, const char *context)
{
    char q[16];
    size_t line, col;
    position(s->p, s->i, &line, &col);
    kg_set_err(s->err, s->errlen, "invalid character %s %s at offset %zu (line %zu, column %zu)",
               quote_char(s->p[s->i], q, sizeof(q)), context, s->i, line, col);
    return -EINVAL;
}

static int scan_eof(struct scanner *s)
{
    kg_set_err(s->err, s->errlen, "unexpected end of JSON input at offset %zu", s->n);
    return -EINVAL;
}

static void skip_ws(struct scanner *s)
{
    while (s->i < s->n) {
        unsigned char c = s->p[s->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        s->i++;
    }
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Bytes that end the fast path of a string: '"', '\\', controls and non-ASCII. */
static const unsigned char str_special[256] = {
    [0x00 ... 0x1F] = 1,
    ['"'] = 1,
    ['\\'] = 1,
    [0x80 ... 0xFF] = 1,
};

/* At the byte after the opening quote; leaves s->i after the closing quote. */
static int scan_string(struct scanner *s, bool is_key)
{
    const unsigned char *p = s->p;
    size_t n = s->n;
    for (;;) {
        while (s->i < n && !str_special[p[s->i]])
            s->i++;
        if (s->i >= n)
            return scan_eof(s);
        unsigned char c = p[s->i];
        if (c == '"') {
            s->i++;
            return 0;
        }
        if (c == '\\') {
            s->i++;
            if (s->i >= n)
                return scan_eof(s);
            switch (p[s->i]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                s->i++;
                break;
            case 'u': {
                unsigned cp = 0;
                s->i++;
                for (int k = 0; k < 4; k++) {
                    if (s->i >= n)
                        return scan_eof(s);
                    int h = hexval(p[s->i]);
                    if (h < 0)
                        return scan_bad(s, "in \\u hexadecimal character escape");
                    cp = cp * 16 + (unsigned)h;
                    s->i++;
                }
                if (is_key && cp == 0) {
                    s->i -= 6;
                    size_t line, col;
                    position(p, s->i, &line, &col);
                    kg_set_err(s->err, s->errlen,
                               "object key contains \\u0000 (not supported) at offset %zu (line "
                               "%zu, column %zu)",
                               s->i, line, col);
                    return -EINVAL;
                }
                break;
            }
            default:
                return scan_bad(s, "in string escape code");
            }
            continue;
        }
        if (c < 0x20)
            return scan_bad(s, "in string literal");
        size_t len = json__utf8_len(p + s->i, n - s->i);
        if (len == 0) {
            s->fixup = true;
            len = 1;
        }
        s->i += len;
    }
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* True when the integer literal p[0..len) lies outside [-2^63, 2^64-1]. */
static bool int_out_of_range(const unsigned char *p, size_t len)
{
    static const char min_neg[] = "9223372036854775808";  /* |INT64_MIN| */
    static const char max_pos[] = "18446744073709551615"; /* UINT64_MAX */
    bool neg = p[0] == '-';
    const unsigned char *d = p + neg;
    size_t nd = len - neg;
    const char *lim = neg ? min_neg : max_pos;
    size_t nl = strlen(lim);
    if (nd != nl)
        return nd > nl;
    return memcmp(d, lim, nl) > 0;
}

/*
 * Integer literals json-c would get wrong: beyond int64/uint64 (it saturates) and "-0" (it
 * drops the sign; Go reads -0 as a float64 negative zero). The repair turns them into doubles.
 */
static bool needs_double(const unsigned char *p, size_t len)
{
    if (len == 2 && p[0] == '-' && p[1] == '0')
        return true;
    return len >= 19 && int_out_of_range(p, len);
}

static int scan_number(struct scanner *s)
{
    const unsigned char *p = s->p;
    size_t n = s->n, start = s->i;
    bool integer = true;
    if (p[s->i] == '-') {
        s->i++;
        if (s->i >= n)
            return scan_eof(s);
        if (!is_digit(p[s->i]))
            return scan_bad(s, "in numeric literal");
    }
    if (p[s->i] == '0') {
        s->i++;
    } else {
        while (s->i < n && is_digit(p[s->i]))
            s->i++;
    }
    if (s->i < n && p[s->i] == '.') {
        integer = false;
        s->i++;
        if (s->i >= n)
            return scan_eof(s);
        if (!is_digit(p[s->i]))
            return scan_bad(s, "after decimal point in numeric literal");
        while (s->i < n && is_digit(p[s->i]))
            s->i++;
    }
    if (s->i < n && (p[s->i] == 'e' || p[s->i] == 'E')) {
        integer = false;
        s->i++;
        if (s->i < n && (p[s->i] == '+' || p[s->i] == '-'))
            s->i++;
        if (s->i >= n)
            return scan_eof(s);
        if (!is_digit(p[s->i]))
            return scan_bad(s, "in exponent of numeric literal");
        while (s->i < n && is_digit(p[s->i]))
            s->i++;
    }
    if (integer && needs_double(p + start, s->i - start))
        s->fixup = true;
    return 0;
}

static int scan_literal(struct scanner *s, const char *lit)
{
    size_t len = strlen(lit);
    for (size_t k = 1; k < len; k++) {
        s->i++;
        if (s->i >= s->n)
            return scan_eof(s);
        if (s->p[s->i] != (unsigned char)lit[k]) {
            char ctx[48];
            snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')", lit, lit[k]);
            return scan_bad(s, ctx);
        }
    }
    s->i++;
    return 0;
}

/* Validates one complete document. An explicit stack instead of recursion: depth is data. */
static int scan_document(struct scanner *s)
{
    unsigned char stack[KG_MAX_JSON_DEPTH];
    unsigned depth = 0;
    int rc;

    ASSERT(s->max_depth >= 1 && s->max_depth <= KG_MAX_JSON_DEPTH);
value:
    skip_ws(s);
    if (s->i >= s->n)
        return scan_eof(s);
    switch (s->p[s->i]) {
    case '{':
    case '[': {
        bool obj = s->p[s->i] == '{';
        if (depth >= s->max_depth) {
            size_t line, col;
            position(s->p, s->i, &line, &col);
            kg_set_err(s->err, s->errlen,
                       "nesting deeper than %u levels at offset %zu (line %zu, column %zu)",
                       s->max_depth, s->i, line, col);
            return -EINVAL;
        }
        stack[depth++] = obj ? SCAN_OBJECT : SCAN_ARRAY;
        s->i++;
        skip_ws(s);
        if (s->i >= s->n)
            return scan_eof(s);
        if (s->p[s->i] == (obj ? '}' : ']')) {
            s->i++;
            depth--;
            goto after_value;
        }
        if (obj)
            goto key;
        goto value;
    }
    case '"':
        s->i++;
        rc = scan_string(s, false);
        break;
    case '-':
    case '0' ... '9':
        rc = scan_number(s);
        break;
    case 't':
        rc = scan_literal(s, "true");
        break;
    case 'f':
        rc = scan_literal(s, "false");
        break;
    case 'n':
        rc = scan_literal(s, "null");
        break;
    default:
        return scan_bad(s, "looking for beginning of value");
    }
    if (rc)
        return rc;
    goto after_value;

key: /* at the first non-blank byte where an object key must start */
    if (s->p[s->i] != '"')
        return scan_bad(s, "looking for beginning of object key string");
    s->i++;
    rc = scan_string(s, true);
    if (rc)
        return rc;
    skip_ws(s);
    if (s->i >= s->n)
        return scan_eof(s);
    if (s->p[s->i] != ':')
        return scan_bad(s, "after object key");
    s->i++;
    goto value;

after_value:
    skip_ws(s);
    if (depth == 0) {
        if (s->i < s->n)
            return scan_bad(s, "after top-level value");
        return 0;
    }
    if (s->i >= s->n)
        return scan_eof(s);
    if (stack[depth - 1] == SCAN_OBJECT) {
        if (s->p[s->i] == ',') {
            s->i++;
            skip_ws(s);
            if (s->i >= s->n)
                return scan_eof(s);
            goto key;
        }
        if (s->p[s->i] != '}')
            return scan_bad(s, "after object key:value pair");
    } else {
        if (s->p[s->i] == ',') {
            s->i++;
            goto value;
        }
        if (s->p[s->i] != ']')
            return scan_bad(s, "after array element");
    }
    s->i++;
    depth--;
    goto after_value;
}

static int check_limits(size_t len, size_t max_len, unsigned max_depth, char *err, size_t errlen)
{
    if (max_len > KG_MAX_JSON_DOC)
        max_len = KG_MAX_JSON_DOC;
    if (max_depth == 0 || max_depth > KG_MAX_JSON_DEPTH)
        max_depth = KG_MAX_JSON_DEPTH;
    if (len > max_len) {
        kg_set_err(err, errlen, "JSON document of %zu bytes exceeds the limit of %zu bytes", len,
                   max_len);
        return -E2BIG;
    }
    return (int)max_depth;
}

int json_validate(const void *data, size_t len, size_t max_len, unsigned max_depth, char *err,
                  size_t errlen)
{
    int d = check_limits(len, max_len, max_depth, err, errlen);
    if (d < 0)
        return d;
    struct scanner s = {
        .p = data, .n = len, .max_depth = (unsigned)d, .err = err, .errlen = errlen
    };
    return scan_document(&s);
}

/*
 * Copy of a validated document with invalid UTF-8 bytes inside strings replaced by U+FFFD
 * and ".0" appended to the integer literals needs_double() picks.
 */
static void repair(const unsigned char *p, size_t n, struct buf *out)
{
    static const char fffd[] = "\xEF\xBF\xBD";
    size_t i = 0, run = 0;
    bool in_str = false;
    int rc = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (in_str) {
            if (c == '"') {
                in_str = false;
                i++;
            } else if (c == '\\') {
                i += 2;
            } else if (c < 0x80) {
                i++;
            } else {
                size_t len = json__utf8_len(p + i, n - i);
                if (len == 0) {
                    rc |= buf_append(out, p + run, i - run);
                    rc |= buf_append(out, fffd, 3);
                    i++;
                    run = i;
                } else {
                    i += len;
                }
            }
        } else if (c == '"') {
            in_str = true;
            i++;
        } else if (c == '-' || is_digit(c)) {
            size_t start = i;
            bool integer = true;
            while (i < n && (is_digit(p[i]) || p[i] == '-' || p[i] == '+' || p[i] == '.' ||
                             p[i] == 'e' || p[i] == 'E')) {
                if (!is_digit(p[i]) && p[i] != '-')
                    integer = false;
                i++;
            }
            if (integer && needs_double(p + start, i - start)) {
                rc |= buf_append(out, p + run, i - run);
                rc |= buf_append(out, ".0", 2);
                run = i;
            }
        } else {
            i++;
        }
    }
    rc |= buf_append(out, p + run, n - run);
    ASSERT(rc == 0); /* the buffer's limit is sized for the worst case */
}

int json_parse_limits(const void *data, size_t len, size_t max_len, unsigned max_depth,
                      struct json_doc **out, char *err, size_t errlen)
{
    struct buf fixed;
    json_tokener *tok = NULL;
    json_object *root = NULL;
    const char *src = data;
    int rc;

    *out = NULL;
    buf_init(&fixed, len * 3 + 16);
    int d = check_limits(len, max_len, max_depth, err, errlen);
    if (d < 0) {
        rc = d;
        goto out;
    }
    struct scanner s = {
        .p = data, .n = len, .max_depth = (unsigned)d, .err = err, .errlen = errlen
    };
    rc = scan_document(&s);
    if (rc)
        goto out;
    if (s.fixup) {
        repair(data, len, &fixed);
        src = fixed.ptr;
        len = fixed.len;
    }

    /* json-c counts depth in values, not containers: leave it room above our own limit. */
    tok = json_tokener_new_ex(d + 2);
    if (!tok) {
        rc = -ENOMEM;
        goto out;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, src, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_continue) {
        /* A top-level number or literal ends only when json-c sees a terminator. */
        root = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
    }
    if (jerr != json_tokener_success) {
        json_object_put(root);
        root = NULL;
        kg_set_err(err, errlen, "json-c: %s at offset %zu", json_tokener_error_desc(jerr),
                   json_tokener_get_parse_end(tok));
        rc = -EINVAL;
        goto out;
    }
    if (!root) {
        /* Either the document is null, or json-c ran out of memory. */
        size_t k = 0;
        while (k < len && (src[k] == ' ' || src[k] == '\t' || src[k] == '\n' || src[k] == '\r'))
            k++;
        if (k >= len || src[k] != 'n') {
            kg_set_err(err, errlen, "json-c: out of memory");
            rc = -ENOMEM;
            goto out;
        }
    }
    *out = xmalloc(sizeof(**out));
    (*out)->root = root;
    root = NULL;
    rc = 0;
out:
    json_object_put(root);
    if (tok)
        json_tokener_free(tok);
    buf_cleanup(&fixed);
    return rc;
}

int json_parse(const void *data, size_t len, struct json_doc **out, char *err, size_t errlen)
{
    return json_parse_limits(data, len, KG_MAX_JSON_DOC, KG_MAX_JSON_DEPTH, out, err, errlen);
}

void json_doc_free(struct json_doc *doc)
{
    if (!doc)
        return;
    json_object_put(doc->root);
    free(doc);
}

const struct json_value *json_doc_root(const struct json_doc *doc)
{
    return wrap(doc->root);
}

/* ---- values ---- */

enum json_kind json_kind(const struct json_value *v)
{
    json_object *o = unwrap(v);
    switch (json_object_get_type(o)) {
    case json_type_null:
        return JSON_NULL;
    case json_type_boolean:
        return JSON_BOOL;
    case json_type_int:
        return JSON_INT;
    case json_type_double:
        return JSON_DOUBLE;
    case json_type_string:
        return JSON_STRING;
    case json_type_array:
        return JSON_ARRAY;
    case json_type_object:
        return JSON_OBJECT;
    }
    ASSERT(!"unknown json-c type");
    return JSON_NULL;
}

const char *json_kind_name(enum json_kind k)
{
    switch (k) {
    case JSON_NULL:
        return "null";
    case JSON_BOOL:
        return "boolean";
    case JSON_INT:
        return "integer";
    case JSON_DOUBLE:
        return "number";
    case JSON_STRING:
        return "string";
    case JSON_ARRAY:
        return "array";
    case JSON_OBJECT:
        return "object";
    }
    return "?";
}

const struct json_value *json_member(const struct json_value *obj, const char *key)
{
    json_object *o = obj ? unwrap(obj) : NULL;
    json_object *m = NULL;
    if (!o || !json_object_is_type(o, json_type_object))
        return NULL;
    if (!json_object_object_get_ex(o, key, &m))
        return NULL;
    return wrap(m);
}

size_t json_array_len(const struct json_value *v)
{
    json_object *o = v ? unwrap(v) : NULL;
    if (!o || !json_object_is_type(o, json_type_array))
        return 0;
    return json_object_array_length(o);
}

const struct json_value *json_array_at(const struct json_value *arr, size_t i)
{
    if (i >= json_array_len(arr))
        return NULL;
    return wrap(json_object_array_get_idx(unwrap(arr), i));
}

size_t json_object_count(const struct json_value *v)
{
    json_object *o = v ? unwrap(v) : NULL;
    if (!o || !json_object_is_type(o, json_type_object))
        return 0;
    return (size_t)json_object_object_length(o);
}

void json_iter_init(struct json_iter *it, const struct json_value *obj)
{
    json_object *o = obj ? unwrap(obj) : NULL;
    it->next = NULL;
    if (o && json_object_is_type(o, json_type_object))
        it->next = json_object_get_object(o)->head;
}

bool json_iter_next(struct json_iter *it, const char **key, const struct json_value **val)
{
    const struct lh_entry *e = it->next;
    if (!e)
        return false;
    *key = (const char *)lh_entry_k(e);
    *val = wrap((json_object *)lh_entry_v(e));
    it->next = lh_entry_next(e);
    return true;
}

/* ---- paths ---- */

enum walk_result { WALK_FOUND, WALK_ABSENT, WALK_ERROR };

/* Path as shown in messages: quoted, or "value" for the value itself. */
static const char *show(const char *path, size_t len, char *tmp, size_t tmplen)
{
    if (len == 0)
        snprintf(tmp, tmplen, "value");
    else
        snprintf(tmp, tmplen, "\"%.*s\"", (int)len, path);
    return tmp;
}

/* One path segment. */
struct seg {
    size_t start; /* where the segment's name or '[' begins */
    bool index;
    size_t idx;
    char key[KG_MAX_JSON_PATH + 1];
};

/* Parses the segment at path[*i]; false when the path is malformed there. */
static bool next_segment(const char *path, size_t plen, size_t *i, bool first, struct seg *sg)
{
    size_t p = *i;
    sg->start = p;
    sg->index = path[p] == '[';
    sg->idx = 0;
    if (sg->index) {
        p++;
        if (p >= plen || !is_digit((unsigned char)path[p]))
            return false;
        while (p < plen && is_digit((unsigned char)path[p])) {
            if (sg->idx > (SIZE_MAX - 9) / 10)
                return false;
            sg->idx = sg->idx * 10 + (size_t)(path[p] - '0');
            p++;
        }
        if (p >= plen || path[p] != ']')
            return false;
        *i = p + 1;
        return true;
    }
    if (!first) {
        if (path[p] != '.')
            return false;
        p++;
        sg->start = p;
    }
    size_t k = p;
    while (k < plen && path[k] != '.' && path[k] != '[')
        k++;
    if (k == p)
        return false;
    memcpy(sg->key, path + p, k - p);
    sg->key[k - p] = '\0';
    *i = k;
    return true;
}

/*
 * Follows path from v. WALK_FOUND sets *out; WALK_ABSENT when a member or element is missing
 * or an intermediate value is null (*missing_len = length of the path prefix that is absent);
 * WALK_ERROR (message in err, *rc set) when the path is malformed or steps into a scalar.
 */
static enum walk_result walk(const struct json_value *v, const char *path,
                             const struct json_value **out, size_t *missing_len, int *rc, char *err,
                             size_t errlen)
{
    char shown[KG_MAX_JSON_PATH + 8];
    struct seg sg;
    size_t plen = strlen(path);
    size_t i = 0;

    ASSERT(v != NULL);
    if (plen > KG_MAX_JSON_PATH) {
        kg_set_err(err, errlen, "JSON path longer than %d bytes", KG_MAX_JSON_PATH);
        *rc = -EINVAL;
        return WALK_ERROR;
    }
    /* the whole path is checked first, so a typo is reported whatever the document holds */
    for (i = 0; i < plen;) {
        if (!next_segment(path, plen, &i, i == 0, &sg)) {
            kg_set_err(err, errlen, "malformed JSON path \"%s\"", path);
            *rc = -EINVAL;
            return WALK_ERROR;
        }
    }
    for (i = 0; i < plen;) {
        (void)next_segment(path, plen, &i, i == 0, &sg);
        json_object *o = unwrap(v);
        enum json_type want = sg.index ? json_type_array : json_type_object;
        if (!o) {
            *missing_len = i;
            return WALK_ABSENT; /* null on the way: as absent */
        }
        if (!json_object_is_type(o, want)) {
            size_t prev = sg.start;
            if (!sg.index && prev > 0)
                prev--; /* drop the '.' */
            kg_set_err(err, errlen, "%s: expected %s, got %s",
                       show(path, prev, shown, sizeof(shown)), sg.index ? "array" : "object",
                       json_kind_name(json_kind(v)));
            *rc = -EINVAL;
            return WALK_ERROR;
        }
        if (sg.index) {
            if (sg.idx >= json_object_array_length(o)) {
                *missing_len = i;
                return WALK_ABSENT;
            }
            v = wrap(json_object_array_get_idx(o, sg.idx));
        } else {
            json_object *m = NULL;
            if (!json_object_object_get_ex(o, sg.key, &m)) {
                *missing_len = i;
                return WALK_ABSENT;
            }
            v = wrap(m);
        }
    }
    *out = v;
    return WALK_FOUND;
}

const struct json_value *json_lookup(const struct json_value *v, const char *path)
{
    const struct json_value *out = NULL;
    size_t missing;
    int rc;
    if (!v)
        return NULL;
    if (walk(v, path, &out, &missing, &rc, NULL, 0) != WALK_FOUND)
        return NULL;
    return out;
}

/*
 * Resolves path for a getter. Returns 1 with *out set when a non-null value is there; 0 when
 * absent or null and optional; negative with a message otherwise.
 */
static int resolve(const struct json_value *v, const char *path, bool optional,
                   const struct json_value **out, char *err, size_t errlen)
{
    char shown[KG_MAX_JSON_PATH + 8];
    size_t missing = 0;
    int rc = 0;
    switch (walk(v, path, out, &missing, &rc, err, errlen)) {
    case WALK_ERROR:
        return rc;
    case WALK_ABSENT:
        if (optional)
            return 0;
        kg_set_err(err, errlen, "%s: required but missing",
                   show(path, missing, shown, sizeof(shown)));
        return -ENOENT;
    case WALK_FOUND:
        break;
    }
    if (*out == JNULL) {
        if (optional)
            return 0;
        kg_set_err(err, errlen, "%s: required but null",
                   show(path, strlen(path), shown, sizeof(shown)));
        return -EINVAL;
    }
    return 1;
}

static int wrong_type(const char *path, const struct json_value *v, const char *want, char *err,
                      size_t errlen)
{
    char shown[KG_MAX_JSON_PATH + 8];
    kg_set_err(err, errlen, "%s: expected %s, got %s",
               show(path, strlen(path), shown, sizeof(shown)), want, json_kind_name(json_kind(v)));
    return -EINVAL;
}

static int out_of_range(const char *path, const char *what, char *err, size_t errlen)
{
    char shown[KG_MAX_JSON_PATH + 8];
    kg_set_err(err, errlen, "%s: number out of range for %s",
               show(path, strlen(path), shown, sizeof(shown)), what);
    return -ERANGE;
}

/*
 * An integer value as sign + magnitude. json-c keeps int64 and uint64 internally and
 * saturates when asked for the other, so read both to recover the exact value.
 */
struct exact_int {
    bool neg;
    uint64_t mag; /* |value| */
};

/* Returns 0, -EINVAL (not an integer or not integral) or -ERANGE (beyond 64 bits). */
static int exact_integer(const struct json_value *v, struct exact_int *x)
{
    json_object *o = unwrap(v);
    if (json_object_is_type(o, json_type_int)) {
        int64_t i = json_object_get_int64(o);
        if (i < 0) {
            x->neg = true;
            x->mag = (uint64_t)(-(i + 1)) + 1;
        } else {
            x->neg = false;
            x->mag = json_object_get_uint64(o);
        }
        return 0;
    }
    if (json_object_is_type(o, json_type_double)) {
        double d = json_object_get_double(o);
        if (!isfinite(d))
            return -ERANGE;
        if (d != trunc(d))
            return -EINVAL;
        x->neg = d < 0;
        double m = fabs(d);
        /* Out-of-range integer literals became doubles; -9223372036854775809 rounds to -2^63,
         * so a double of magnitude 2^63 is refused when negative to keep them out of int64. */
        if (m >= 18446744073709551616.0 || (x->neg && m >= 9223372036854775808.0))
            return -ERANGE;
        x->mag = (uint64_t)m;
        return 0;
    }
    return -EINVAL;
}

static int get_int_common(const struct json_value *v, const char *path, bool optional, int64_t lo,
                          int64_t hi, const char *what, int64_t *out, char *err, size_t errlen)
{
    const struct json_value *m;
    struct exact_int x = { 0 };
    int rc = resolve(v, path, optional, &m, err, errlen);
    if (rc <= 0)
        return rc;
    rc = exact_integer(m, &x);
    if (rc == -EINVAL)
        return wrong_type(path, m, "integer", err, errlen);
    if (rc == -ERANGE)
        return out_of_range(path, what, err, errlen);
    int64_t val;
    if (x.neg) {
        if (x.mag > (uint64_t)INT64_MAX + 1)
            return out_of_range(path, what, err, errlen);
        val = x.mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x.mag;
    } else {
        if (x.mag > (uint64_t)INT64_MAX)
            return out_of_range(path, what, err, errlen);
        val = (int64_t)x.mag;
    }
    if (val < lo || val > hi)
        return out_of_range(path, what, err, errlen);
    *out = val;
    return 1;
}

static int get_uint64(const struct json_value *v, const char *path, bool optional, uint64_t *out,
                      char *err, size_t errlen)
{
    const struct json_value *m;
    struct exact_int x = { 0 };
    int rc = resolve(v, path, optional, &m, err, errlen);
    if (rc <= 0)
        return rc;
    rc = exact_integer(m, &x);
    if (rc == -EINVAL)
        return wrong_type(path, m, "integer", err, errlen);
    if (rc == -ERANGE || (x.neg && x.mag != 0))
        return out_of_range(path, "uint64", err, errlen);
    *out = x.mag;
    return 1;
}

static int get_double(const struct json_value *v, const char *path, bool optional, double *out,
                      char *err, size_t errlen)
{
    const struct json_value *m;
    int rc = resolve(v, path, optional, &m, err, errlen);
    if (rc <= 0)
        return rc;
    enum json_kind k = json_kind(m);
    if (k == JSON_INT) {
        struct exact_int x = { 0 };
        exact_integer(m, &x);
        *out = x.neg ? -(double)x.mag : (double)x.mag;
        return 1;
    }
    if (k != JSON_DOUBLE)
        return wrong_type(path, m, "number", err, errlen);
    double d = json_object_get_double(unwrap(m));
    if (!isfinite(d))
        return out_of_range(path, "float64", err, errlen);
    *out = d;
    return 1;
}

static int get_string(const struct json_value *v, const char *path, bool optional, const char **s,
                      size_t *len, char *err, size_t errlen)
{
    const struct json_value *m;
    int rc = resolve(v, path, optional, &m, err, errlen);
    if (rc <= 0)
        return rc;
    if (json_kind(m) != JSON_STRING)
        return wrong_type(path, m, "string", err, errlen);
    *s = json_object_get_string(unwrap(m));
    if (len)
        *len = (size_t)json_object_get_string_len(unwrap(m));
    return 1;
}

static int get_bool(const struct json_value *v, const char *path, bool optional, bool *out,
                    char *err, size_t errlen)
{
    const struct json_value *m;
    int rc = resolve(v, path, optional, &m, err, errlen);
    if (rc <= 0)
        return rc;
    if (json_kind(m) != JSON_BOOL)
        return wrong_type(path, m, "boolean", err, errlen);
    *out = json_object_get_boolean(unwrap(m)) != 0;
    return 1;
}

static int get_container(const struct json_value *v, const char *path, bool optional,
                         enum json_kind want, const struct json_value **out, size_t *len, char *err,
                         size_t errlen)
{
    const struct json_value *m;
    int rc = resolve(v, path, optional, &m, err, errlen);
    if (rc <= 0)
        return rc;
    if (json_kind(m) != want)
        return wrong_type(path, m, json_kind_name(want), err, errlen);
    *out = m;
    if (len)
        *len = want == JSON_ARRAY ? json_array_len(m) : json_object_count(m);
    return 1;
}

/* Required getters return 0 on success; the shared helpers return 1. */
static int req(int rc)
{
    return rc > 0 ? 0 : rc;
}

int json_get_string(const struct json_value *v, const char *path, const char **s, size_t *len,
                    char *err, size_t errlen)
{
    return req(get_string(v, path, false, s, len, err, errlen));
}

int json_get_int64(const struct json_value *v, const char *path, int64_t *out, char *err,
                   size_t errlen)
{
    return req(get_int_common(v, path, false, INT64_MIN, INT64_MAX, "int64", out, err, errlen));
}

int json_get_int32(const struct json_value *v, const char *path, int32_t *out, char *err,
                   size_t errlen)
{
    int64_t x = 0;
    int rc = get_int_common(v, path, false, INT32_MIN, INT32_MAX, "int32", &x, err, errlen);
    if (rc > 0)
        *out = (int32_t)x;
    return req(rc);
}

int json_get_uint64(const struct json_value *v, const char *path, uint64_t *out, char *err,
                    size_t errlen)
{
    return req(get_uint64(v, path, false, out, err, errlen));
}

int json_get_double(const struct json_value *v, const char *path, double *out, char *err,
                    size_t errlen)
{
    return req(get_double(v, path, false, out, err, errlen));
}

int json_get_bool(const struct json_value *v, const char *path, bool *out, char *err, size_t errlen)
{
    return req(get_bool(v, path, false, out, err, errlen));
}

int json_get_object(const struct json_value *v, const char *path, const struct json_value **out,
                    char *err, size_t errlen)
{
    return req(get_container(v, path, false, JSON_OBJECT, out, NULL, err, errlen));
}

int json_get_array(const struct json_value *v, const char *path, const struct json_value **out,
                   size_t *len, char *err, size_t errlen)
{
    return req(get_container(v, path, false, JSON_ARRAY, out, len, err, errlen));
}

int json_opt_string(const struct json_value *v, const char *path, const char **s, size_t *len,
                    char *err, size_t errlen)
{
    return get_string(v, path, true, s, len, err, errlen);
}

int json_opt_int64(const struct json_value *v, const char *path, int64_t *out, char *err,
                   size_t errlen)
{
    return get_int_common(v, path, true, INT64_MIN, INT64_MAX, "int64", out, err, errlen);
}

int json_opt_int32(const struct json_value *v, const char *path, int32_t *out, char *err,
                   size_t errlen)
{
    int64_t x = 0;
    int rc = get_int_common(v, path, true, INT32_MIN, INT32_MAX, "int32", &x, err, errlen);
    if (rc > 0)
        *out = (int32_t)x;
    return rc;
}

int json_opt_uint64(const struct json_value *v, const char *path, uint64_t *out, char *err,
                    size_t errlen)
{
    return get_uint64(v, path, true, out, err, errlen);
}

int json_opt_double(const struct json_value *v, const char *path, double *out, char *err,
                    size_t errlen)
{
    return get_double(v, path, true, out, err, errlen);
}

int json_opt_bool(const struct json_value *v, const char *path, bool *out, char *err, size_t errlen)
{
    return get_bool(v, path, true, out, err, errlen);
}

int json_opt_object(const struct json_value *v, const char *path, const struct json_value **out,
                    char *err, size_t errlen)
{
    return get_container(v, path, true, JSON_OBJECT, out, NULL, err, errlen);
}

int json_opt_array(const struct json_value *v, const char *path, const struct json_value **out,
                   size_t *len, char *err, size_t errlen)
{
    return get_container(v, path, true, JSON_ARRAY, out, len, err, errlen);
}
