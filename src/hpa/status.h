/*
 * HPA status vocabulary: the condition list (setCondition semantics), the events a reconcile
 * emits, and the Go-formatted strings that end up in messages (the %+v form of a metric's
 * *metav1.LabelSelector, used in "external metric <name>(<selector>)").
 * All storage is fixed-size and owned by the containing struct; messages longer than the
 * buffers are truncated (only absurd inputs come near them).
 */
#ifndef KGAUGE_HPA_STATUS_H
#define KGAUGE_HPA_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include "util/limits.h"

struct hpa_condition {
    char type[KG_HPA_WORD_LEN];
    char status[8]; /* "True", "False", "Unknown" */
    char reason[KG_HPA_WORD_LEN];
    char message[KG_HPA_MSG_LEN];
    int64_t last_transition; /* ns; changes only when status changes */
};

struct hpa_conditions {
    size_t n;
    struct hpa_condition c[KG_MAX_HPA_CONDITIONS];
};

/* setConditionInList: updates the condition of that type in place (keeping its position) or
 * appends it; last_transition = now only when the status changes. Returns 0, or -E2BIG when
 * the type is new and the list is full (nothing changed). */
int hpa_condition_set(struct hpa_conditions *l, const char *type, const char *status,
                      const char *reason, int64_t now, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
const struct hpa_condition *hpa_condition_find(const struct hpa_conditions *l, const char *type);

struct hpa_event {
    char type[8]; /* "Normal" or "Warning" */
    char reason[KG_HPA_WORD_LEN];
    char message[KG_HPA_MSG_LEN];
};

struct hpa_events {
    size_t n;
    struct hpa_event e[KG_MAX_HPA_EVENTS];
};

/* Appends an event (silently dropped past KG_MAX_HPA_EVENTS, which the reconcile never
 * reaches: it emits at most one event per metric plus four). */
void hpa_event_add(struct hpa_events *l, const char *type, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* metav1.LabelSelectorRequirement and metav1.LabelSelector, as borrowed strings. */
struct hpa_label_requirement {
    const char *key;
    const char *op; /* In, NotIn, Exists, DoesNotExist */
    const char *const *values;
    size_t n_values;
};

struct hpa_label_selector {
    size_t n_match;
    const char *const *match_keys;
    const char *const *match_values;
    size_t n_exprs;
    const struct hpa_label_requirement *exprs;
};

/* Go's fmt %+v / %v of a *metav1.LabelSelector (its generated String()): "nil" for NULL, else
 * "&LabelSelector{MatchLabels:map[string]string{k: v,},MatchExpressions:[]LabelSelector
 * Requirement{LabelSelectorRequirement{Key:k,Operator:In,Values:[a b],},},}" with the
 * matchLabels keys sorted. Returns the length it needed (like snprintf). */
size_t hpa_format_label_selector(const struct hpa_label_selector *s, char *out, size_t outlen);

#endif
