/*
 * Kubernetes field selectors, parsed, matched and printed exactly as
 * k8s.io/apimachinery/pkg/fields (v0.36: ParseSelector, Selector.Matches/String/
 * RequiresExactMatch/Transform) does, with Kubernetes' own error texts.
 *
 * Syntax: terms separated by "," (a "\," inside a term is not a separator); each term is
 * FIELD OP VALUE where OP is the first "!=", "==" or "=" in the term (checked in that order at
 * each position). FIELD is taken literally (no unescaping, may be empty); VALUE is unescaped:
 * "\\" "\," "\=" stand for \ , =; any other escape, a trailing "\" or a bare "=" is an error.
 * "==" is the same as "=". Empty terms are skipped; a term with empty field and empty value
 * ("=", "!=") is dropped. Terms are kept in byte-wise order of their raw text (Kubernetes sorts
 * them before parsing), which is also the order of String() and of error reporting.
 * Bytes are data: NUL, invalid UTF-8 and non-ASCII are allowed anywhere. (One Kubernetes quirk
 * is reproduced: a value that needs unescaping has each invalid UTF-8 byte replaced by U+FFFD.)
 *
 * Errors: parse returns 0, -EINVAL with Kubernetes' message in err, e.g.
 *   invalid selector: 'a'; can't understand 'a'
 *   invalid field selector: invalid escape sequence: \x
 *   invalid field selector: unescaped character in value: 61
 * (the apiserver returns these unchanged as a 400 BadRequest Status), or -E2BIG (longer than
 * KG_MAX_SELECTOR_LEN bytes or more than KG_MAX_SELECTOR_TERMS terms; kgauge's own bound).
 * err may be NULL; long messages are truncated to errlen (2 * KG_MAX_SELECTOR_LEN + 64 bytes
 * always suffice for parse errors).
 *
 * Ownership: a selector owns its strings (NUL-terminated, with lengths since they may hold NUL
 * bytes); pointers stay valid until fields_selector_free or fields_selector_check renames them.
 * A NULL selector means "everything" wherever a const selector is accepted.
 */
#ifndef KGAUGE_KUBE_FIELDS_H
#define KGAUGE_KUBE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/limits.h"

enum fields_op {
    FIELDS_OP_EQUALS,     /* "=" or "==" */
    FIELDS_OP_NOT_EQUALS, /* "!=" */
};

struct fields_requirement {
    enum fields_op op;
    const char *field;
    size_t field_len;
    const char *value; /* unescaped */
    size_t value_len;
};

struct fields_selector;

/*
 * Value of a field of the object being matched: return true and set *value and *value_len, or
 * return false when the object has no such field (matched as "", like Kubernetes' fields.Set).
 */
typedef bool (*fields_get_cb)(void *ud, const char *field, size_t field_len, const char **value,
                              size_t *value_len);

/* Parse s[0..len) like fields.ParseSelector. *out is a new selector, or NULL on failure. */
int fields_selector_parse(struct fields_selector **out, const char *s, size_t len, char *err,
                          size_t errlen);
void fields_selector_free(struct fields_selector *sel);

bool fields_selector_empty(const struct fields_selector *sel);
size_t fields_selector_count(const struct fields_selector *sel);
const struct fields_requirement *fields_selector_get(const struct fields_selector *sel, size_t i);

/* Every term holds: field == value (=) or field != value (!=), absent fields reading as "". */
bool fields_selector_matches(const struct fields_selector *sel, fields_get_cb get, void *ud);

/* Selector.String(): terms joined by ",", "=" or "!=", values escaped ("a=b\,c"). Appends to
 * out; returns 0 or -E2BIG (out's limit reached; out then holds a truncated prefix). */
int fields_selector_format(const struct fields_selector *sel, struct buf *out);

/* RequiresExactMatch: the value of the first "=" term on field (the apiserver compares it with
 * the name in a GET-by-name URL). *value points into sel. */
bool fields_selector_requires_exact_match(const struct fields_selector *sel, const char *field,
                                          const char **value, size_t *value_len);

/* One field name a server accepts, optionally renamed (Kubernetes' field label conversion
 * functions, e.g. pods accept the old "spec.host" as "spec.nodeName"). */
struct fields_allowed {
    const char *name;
    const char *rename_to; /* NULL: keep the name; otherwise non-empty */
};

/* Which message an unsupported field gets. */
enum fields_reject {
    /* Built-in kinds (pods, nodes, events...) and CRDs: "field label not supported: <name>" */
    FIELDS_REJECT_NOT_SUPPORTED,
    /* Kinds without a conversion function (runtime.DefaultMetaV1FieldSelectorConversion, what
     * metrics-server answers): "\"<name>\" is not a known field selector: only
     * \"metadata.name\", \"metadata.namespace\"" (name quoted like Go's %q). */
    FIELDS_REJECT_NOT_KNOWN,
};

/*
 * The apiserver's Selector.Transform(ConvertFieldLabel) step: every term's field must be one of
 * allowed[0..n); renames are applied in place. The first unsupported term in selector order
 * gives -EINVAL and its message (the selector is then partly renamed; discard it).
 */
int fields_selector_check(struct fields_selector *sel, const struct fields_allowed *allowed,
                          size_t n, enum fields_reject style, char *err, size_t errlen);

#endif
