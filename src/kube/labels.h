/*
 * Kubernetes label selectors, parsed, validated, matched and printed exactly as
 * k8s.io/apimachinery/pkg/labels (v0.36: labels.Parse, Requirement, Selector.String/Matches,
 * RequiresExactMatch) does, with Kubernetes' own error texts.
 *
 * Grammar (whitespace is ' ', '\t', '\r', '\n' between tokens):
 *   selector    := "" | requirement ("," requirement)*
 *   requirement := "!" KEY | KEY | KEY ("=" | "==" | "!=") [VALUE] | KEY ("in" | "notin") "(" list
 * ")" | KEY (">" | "<") INTEGER KEY is a qualified name ([DNS-1123 subdomain "/"] name, name <= 63
 * bytes of [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?); VALUE is empty or <= 63 bytes of the same
 * charset. "in"/"notin" are keywords only where an operator is expected. Like Kubernetes, a NUL
 * byte in the input ends the token it is in and, where a token would start, the whole selector.
 *
 * Errors: parse functions return 0, -EINVAL (syntax or validation; err receives Kubernetes'
 * exact message, e.g. "unable to parse requirement: <nil>: Invalid value: \"a_\": name part
 * must consist of ..."; the apiserver returns it unchanged as a 400 BadRequest Status message)
 * or -E2BIG (longer than KG_MAX_SELECTOR_LEN bytes or more than KG_MAX_SELECTOR_TERMS
 * requirements; kgauge's own bound, Kubernetes has none). err may be NULL; messages longer than
 * errlen are truncated (always NUL-terminated). KG_SELECTOR_ERRBUF holds any realistic message.
 *
 * Ownership: a selector owns all its strings; requirement pointers stay valid until
 * labels_selector_free. Selectors are immutable after parsing, so concurrent readers are safe.
 * A NULL selector means "everything" wherever a const selector is accepted.
 */
#ifndef KGAUGE_KUBE_LABELS_H
#define KGAUGE_KUBE_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/limits.h"

/* selection.Operator values; labels_op_name gives Kubernetes' spelling. */
enum labels_op {
    LABELS_OP_EXISTS,         /* "exists":  key */
    LABELS_OP_DOES_NOT_EXIST, /* "!":       !key */
    LABELS_OP_EQUALS,         /* "=":       key=value */
    LABELS_OP_DOUBLE_EQUALS,  /* "==":      key==value */
    LABELS_OP_NOT_EQUALS,     /* "!=":      key!=value */
    LABELS_OP_IN,             /* "in":      key in (a,b) */
    LABELS_OP_NOT_IN,         /* "notin":   key notin (a,b) */
    LABELS_OP_GT,             /* "gt":      key>n (decimal int64) */
    LABELS_OP_LT,             /* "lt":      key<n */
};

/* One requirement of a parsed selector (read-only view). */
struct labels_requirement {
    const char *key;
    enum labels_op op;
    size_t nvalues;            /* 0 for exists / !, 1 for = == != > <, >= 1 for in / notin */
    const char *const *values; /* sorted byte-wise, no duplicates ("" allowed) */
    int64_t number;            /* LABELS_OP_GT / LABELS_OP_LT: values[0] as an integer */
};

/* A label set is an array of key/value pairs (an object's metadata.labels). Keys should be
 * unique; if one repeats, the first pair wins. */
struct label {
    const char *key;
    const char *value;
};

struct labels_selector;

/*
 * Parse s[0..len) like labels.Parse. On success *out is a new selector (the empty string and
 * whitespace give an empty selector matching everything); on failure *out is NULL.
 */
int labels_selector_parse(struct labels_selector **out, const char *s, size_t len, char *err,
                          size_t errlen);
void labels_selector_free(struct labels_selector *sel);

/* True when the selector has no requirements (matches everything). */
bool labels_selector_empty(const struct labels_selector *sel);
/* Requirements in Kubernetes' order: sorted by key, requirements with equal keys in input order. */
size_t labels_selector_count(const struct labels_selector *sel);
const struct labels_requirement *labels_selector_get(const struct labels_selector *sel, size_t i);

/* Selector.Matches: every requirement matches the label set (n pairs). */
bool labels_selector_matches(const struct labels_selector *sel, const struct label *labels,
                             size_t n);
bool labels_requirement_matches(const struct labels_requirement *r, const struct label *labels,
                                size_t n);

/*
 * Selector.String(): requirements joined by ",", e.g. "!a,b in (x,y),c!=d,e". Appends to out;
 * returns 0 or -E2BIG (out's limit reached; out is then left with a truncated prefix).
 */
int labels_selector_format(const struct labels_selector *sel, struct buf *out);

/* Same requirements in the same order (Requirement.Equal for each). NULL equals empty. */
bool labels_selector_equal(const struct labels_selector *a, const struct labels_selector *b);

/* Selector.RequiresExactMatch: the first requirement on key, if it is =, == or a one-value in,
 * gives *value (owned by sel) and true; otherwise false. */
bool labels_selector_requires_exact_match(const struct labels_selector *sel, const char *key,
                                          const char **value);

/* "exists", "!", "=", "==", "!=", "in", "notin", "gt", "lt". */
const char *labels_op_name(enum labels_op op);

/*
 * Append s[0..len) quoted like Go's %q / strconv.Quote (printable runes kept, \a \b \f \n \r \t
 * \v, \xHH for other bytes below 0x20, 0x7f and invalid UTF-8, \uHHHH / \UHHHHHHHH for other
 * non-printable runes; printability from Unicode 15.0.0, as in Go's unicode.IsPrint).
 * Kubernetes error messages quote user input this way. Returns 0 or -E2BIG (truncated).
 */
int labels_quote(struct buf *out, const char *s, size_t len);

#endif
