/*
 * Field selectors: k8s.io/apimachinery/pkg/fields ParseSelector re-implemented byte for byte.
 * The input is split on unescaped commas, the raw terms are sorted byte-wise (as Kubernetes
 * does, which fixes the order of matching, String() and error reporting), each term is split at
 * its first operator and the value unescaped. Strings live in the selector's arena.
 */
#include "kube/fields.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/labels.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/assert.h"

#define STR2(x) #x
#define STR(x) STR2(x)

struct fields_selector {
    struct arena *arena;
    struct fields_requirement *reqs;
    size_t n;
};

struct span {
    const char *s;
    size_t n;
};

/* Appends as much of s[0..n) as fits under out->max. */
static void put(struct buf *out, const char *s, size_t n)
{
    size_t room = out->max > out->len ? out->max - out->len : 0;

    if (n > room)
        n = room;
    if (n > 0)
        (void)buf_append(out, s, n);
}

static void puts_(struct buf *out, const char *s)
{
    put(out, s, strlen(s));
}

static void set_err(char *err, size_t errlen, const struct buf *msg)
{
    if (!err || errlen == 0)
        return;
    size_t n = buf_len(msg) < errlen - 1 ? buf_len(msg) : errlen - 1;
    memcpy(err, buf_str(msg), n);
    err[n] = '\0';
}

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = n ? memcmp(x->s, y->s, n) : 0;

    if (c != 0)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* Length of the UTF-8 sequence at s (n > 0) if valid per Go's decoder, else 0. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xbf;
    size_t need;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1;
    else if (c >= 0xe0 && c <= 0xef)
        need = 2;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 3;
    else
        return 0;
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (n < need + 1)
        return 0;
    for (size_t i = 1; i <= need; i++)
        if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
            return 0;
    return need + 1;
}

/*
 * UnescapeValue into out (room for 3 * n bytes). Like Kubernetes, which walks the value rune by
 * rune and writes runes back, each invalid UTF-8 byte becomes U+FFFD (EF BF BD) - but only when
 * the value contains one of \ , = at all (otherwise it is returned untouched).
 */
static int unescape(const char *s, size_t n, char *out, size_t *outlen, struct buf *msg)
{
    static const char replacement[] = "\xef\xbf\xbd";
    const unsigned char *p = (const unsigned char *)s;
    bool in_slash = false;
    size_t o = 0;

    if (!memchr(s, '\\', n) && !memchr(s, ',', n) && !memchr(s, '=', n)) {
        if (n)
            memcpy(out, s, n);
        *outlen = n;
        return 0;
    }
    for (size_t i = 0; i < n;) {
        size_t w = utf8_valid_len(p + i, n - i);
        const char *rune = w ? s + i : replacement;
        size_t rlen = w ? w : 3;
        unsigned char c = w == 1 ? p[i] : 0;

        i += w ? w : 1;
        if (in_slash) {
            if (c != '\\' && c != ',' && c != '=') {
                puts_(msg, "invalid field selector: invalid escape sequence: \\");
                put(msg, rune, rlen);
                return -EINVAL;
            }
            in_slash = false;
        } else if (c == '\\') {
            in_slash = true;
            continue;
        } else if (c == ',' || c == '=') {
            char num[8];
            snprintf(num, sizeof(num), "%d", c);
            puts_(msg, "invalid field selector: unescaped character in value: ");
            puts_(msg, num);
            return -EINVAL;
        }
        memcpy(out + o, rune, rlen);
        o += rlen;
    }
    if (in_slash) {
        puts_(msg, "invalid field selector: invalid escape sequence: \\");
        return -EINVAL;
    }
    *outlen = o;
    return 0;
}

/* splitTerm: position of the first "!=", "==" or "=" (tried in that order at each byte). */
static bool split_term(const char *t, size_t n, size_t *at, size_t *oplen, enum fields_op *op)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '!' && i + 1 < n && t[i + 1] == '=') {
            *op = FIELDS_OP_NOT_EQUALS;
            *oplen = 2;
        } else if (t[i] == '=') {
            *op = FIELDS_OP_EQUALS;
            *oplen = i + 1 < n && t[i + 1] == '=' ? 2 : 1;
        } else {
            continue;
        }
        *at = i;
        return true;
    }
    return false;
}

int fields_selector_parse(struct fields_selector **out, const char *s, size_t len, char *err,
                          size_t errlen)
{
    struct fields_selector *sel = NULL;
    struct span *parts = NULL;
    struct buf msg;
    size_t nparts = 0, nterms = 0, start = 0;
    bool in_slash = false;
    int rc = 0;

    buf_init(&msg, errlen > 0 ? errlen - 1 : 0);
    *out = NULL;
    if (len > KG_MAX_SELECTOR_LEN) {
        puts_(&msg, "field selector is longer than " STR(KG_MAX_SELECTOR_LEN) " bytes");
        rc = -E2BIG;
        goto out;
    }
    /* splitTerms: at most len + 1 parts */
    parts = xcalloc(len + 1, sizeof(*parts));
    for (size_t i = 0; len > 0 && i <= len; i++) {
        if (i < len && in_slash) {
            in_slash = false;
        } else if (i < len && s[i] == '\\') {
            in_slash = true;
        } else if (i == len || s[i] == ',') {
            parts[nparts].s = s + start;
            parts[nparts].n = i - start;
            nterms += i > start;
            nparts++;
            start = i + 1;
        }
    }
    if (nterms > KG_MAX_SELECTOR_TERMS) {
        puts_(&msg, "field selector has more than " STR(KG_MAX_SELECTOR_TERMS) " terms");
        rc = -E2BIG;
        goto out;
    }
    qsort(parts, nparts, sizeof(*parts), span_cmp);

    sel = xcalloc(1, sizeof(*sel));
    sel->arena = arena_new(1024);
    sel->reqs = xcalloc(nterms ? nterms : 1, sizeof(*sel->reqs));
    for (size_t i = 0; i < nparts; i++) {
        const struct span *t = &parts[i];
        struct fields_requirement *r = &sel->reqs[sel->n];
        size_t at, oplen, vlen, rawlen;
        enum fields_op op;
        char *value, *field;

        if (t->n == 0)
            continue;
        if (!split_term(t->s, t->n, &at, &oplen, &op)) {
            puts_(&msg, "invalid selector: '");
            put(&msg, s, len);
            puts_(&msg, "'; can't understand '");
            put(&msg, t->s, t->n);
            puts_(&msg, "'");
            rc = -EINVAL;
            goto out;
        }
        rawlen = t->n - at - oplen;
        value = arena_alloc(sel->arena, 3 * rawlen + 1);
        rc = unescape(t->s + at + oplen, rawlen, value, &vlen, &msg);
        if (rc)
            goto out;
        if (at == 0 && vlen == 0)
            continue; /* Transform drops terms with empty field and value */
        r->op = op;
        field = arena_alloc(sel->arena, at + 1); /* zero-filled: NUL-terminated */
        memcpy(field, t->s, at);
        r->field = field;
        r->field_len = at;
        r->value = value;
        r->value_len = vlen;
        sel->n++;
    }
    *out = sel;
    sel = NULL;
out:
    if (rc)
        set_err(err, errlen, &msg);
    else if (err && errlen > 0)
        err[0] = '\0';
    fields_selector_free(sel);
    free(parts);
    buf_cleanup(&msg);
    return rc;
}

void fields_selector_free(struct fields_selector *sel)
{
    if (!sel)
        return;
    arena_free(sel->arena);
    free(sel->reqs);
    free(sel);
}

bool fields_selector_empty(const struct fields_selector *sel)
{
    return !sel || sel->n == 0;
}

size_t fields_selector_count(const struct fields_selector *sel)
{
    return sel ? sel->n : 0;
}

const struct fields_requirement *fields_selector_get(const struct fields_selector *sel, size_t i)
{
    ASSERT(sel && i < sel->n);
    return &sel->reqs[i];
}

bool fields_selector_matches(const struct fields_selector *sel, fields_get_cb get, void *ud)
{
    for (size_t i = 0; sel && i < sel->n; i++) {
        const struct fields_requirement *r = &sel->reqs[i];
        const char *v = "";
        size_t vlen = 0;
        bool eq;

        if (!get(ud, r->field, r->field_len, &v, &vlen)) {
            v = "";
            vlen = 0;
        }
        eq = vlen == r->value_len && (vlen == 0 || memcmp(v, r->value, vlen) == 0);
        if (eq != (r->op == FIELDS_OP_EQUALS))
            return false;
    }
    return true;
}

int fields_selector_format(const struct fields_selector *sel, struct buf *out)
{
    int rc = 0;

    for (size_t i = 0; sel && i < sel->n && rc == 0; i++) {
        const struct fields_requirement *r = &sel->reqs[i];
        if (i > 0)
            rc = buf_putc(out, ',');
        if (rc == 0)
            rc = buf_append(out, r->field, r->field_len);
        if (rc == 0)
            rc = buf_appends(out, r->op == FIELDS_OP_EQUALS ? "=" : "!=");
        for (size_t j = 0; j < r->value_len && rc == 0; j++) {
            char c = r->value[j];
            if (c == '\\' || c == ',' || c == '=')
                rc = buf_putc(out, '\\');
            if (rc == 0)
                rc = buf_putc(out, c);
        }
    }
    return rc ? -E2BIG : 0;
}

bool fields_selector_requires_exact_match(const struct fields_selector *sel, const char *field,
                                          const char **value, size_t *value_len)
{
    size_t flen = strlen(field);

    for (size_t i = 0; sel && i < sel->n; i++) {
        const struct fields_requirement *r = &sel->reqs[i];
        if (r->op == FIELDS_OP_EQUALS && r->field_len == flen &&
            memcmp(r->field, field, flen) == 0) {
            *value = r->value;
            *value_len = r->value_len;
            return true;
        }
    }
    return false;
}

int fields_selector_check(struct fields_selector *sel, const struct fields_allowed *allowed,
                          size_t n, enum fields_reject style, char *err, size_t errlen)
{
    struct buf msg;
    int rc = 0;

    buf_init(&msg, errlen > 0 ? errlen - 1 : 0);
    for (size_t i = 0; sel && i < sel->n; i++) {
        struct fields_requirement *r = &sel->reqs[i];
        const struct fields_allowed *a = NULL;

        for (size_t j = 0; j < n && !a; j++)
            if (strlen(allowed[j].name) == r->field_len &&
                memcmp(allowed[j].name, r->field, r->field_len) == 0)
                a = &allowed[j];
        if (!a) {
            if (style == FIELDS_REJECT_NOT_SUPPORTED) {
                puts_(&msg, "field label not supported: ");
                put(&msg, r->field, r->field_len);
            } else {
                (void)labels_quote(&msg, r->field, r->field_len);
                puts_(&msg, " is not a known field selector: only \"metadata.name\", "
                            "\"metadata.namespace\"");
            }
            rc = -EINVAL;
            goto out;
        }
        if (a->rename_to) {
            ASSERT(a->rename_to[0] != '\0');
            r->field = arena_strdup(sel->arena, a->rename_to);
            r->field_len = strlen(a->rename_to);
        }
    }
out:
    if (rc)
        set_err(err, errlen, &msg);
    else if (err && errlen > 0)
        err[0] = '\0';
    buf_cleanup(&msg);
    return rc;
}
