/*
 * HPA conditions, events and Go-style formatting of label selectors (see status.h).
 */
#include "hpa/status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/buf.h"

static void copy_str(char *dst, size_t dstlen, const char *src)
{
    snprintf(dst, dstlen, "%s", src ? src : "");
}

const struct hpa_condition *hpa_condition_find(const struct hpa_conditions *l, const char *type)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->c[i].type, type))
            return &l->c[i];
    return NULL;
}

int hpa_condition_set(struct hpa_conditions *l, const char *type, const char *status,
                      const char *reason, int64_t now, const char *fmt, ...)
{
    struct hpa_condition *c = (struct hpa_condition *)hpa_condition_find(l, type);
    va_list ap;

    if (!c) {
        if (l->n == KG_MAX_HPA_CONDITIONS)
            return -E2BIG;
        c = &l->c[l->n++];
        memset(c, 0, sizeof(*c));
        copy_str(c->type, sizeof(c->type), type);
    }
    if (strcmp(c->status, status) != 0)
        c->last_transition = now;
    copy_str(c->status, sizeof(c->status), status);
    copy_str(c->reason, sizeof(c->reason), reason);
    va_start(ap, fmt);
    vsnprintf(c->message, sizeof(c->message), fmt, ap);
    va_end(ap);
    return 0;
}

void hpa_event_add(struct hpa_events *l, const char *type, const char *reason, const char *fmt, ...)
{
    va_list ap;
    if (l->n == KG_MAX_HPA_EVENTS)
        return;
    struct hpa_event *e = &l->e[l->n++];
    copy_str(e->type, sizeof(e->type), type);
    copy_str(e->reason, sizeof(e->reason), reason);
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

/* Insertion sort of indices by key (selectors are small; avoids a non-portable qsort_r). */
static void sort_indices(size_t *idx, size_t n, const char *const *keys)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = idx[i], j = i;
        while (j > 0 &&
               strcmp(keys[idx[j - 1]] ? keys[idx[j - 1]] : "", keys[v] ? keys[v] : "") > 0) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
}

size_t hpa_format_label_selector(const struct hpa_label_selector *s, char *out, size_t outlen)
{
    struct buf b;
    size_t *idx = NULL, need;

    buf_init(&b, 1u << 20);
    if (!s) {
        buf_appends(&b, "nil");
        goto out;
    }
    buf_appends(&b, "&LabelSelector{MatchLabels:map[string]string{");
    if (s->n_match) {
        idx = xcalloc(s->n_match, sizeof(*idx));
        for (size_t i = 0; i < s->n_match; i++)
            idx[i] = i;
        sort_indices(idx, s->n_match, s->match_keys);
        for (size_t i = 0; i < s->n_match; i++)
            buf_printf(&b, "%s: %s,", s->match_keys[idx[i]] ? s->match_keys[idx[i]] : "",
                       s->match_values[idx[i]] ? s->match_values[idx[i]] : "");
    }
    buf_appends(&b, "},MatchExpressions:[]LabelSelectorRequirement{");
    for (size_t i = 0; i < s->n_exprs; i++) {
        const struct hpa_label_requirement *r = &s->exprs[i];
        buf_printf(&b, "LabelSelectorRequirement{Key:%s,Operator:%s,Values:[", r->key ? r->key : "",
                   r->op ? r->op : "");
        for (size_t v = 0; v < r->n_values; v++)
            buf_printf(&b, "%s%s", v ? " " : "", r->values[v] ? r->values[v] : "");
        buf_appends(&b, "],},");
    }
    buf_appends(&b, "},}");
out:
    free(idx);
    need = buf_len(&b);
    if (outlen)
        snprintf(out, outlen, "%s", buf_str(&b));
    buf_cleanup(&b);
    return need;
}
