/*
 * JSON reader: strict RFC 8259 parsing into a read-only tree (json-c underneath), with checked
 * accessors that name the offending path in their error messages.
 *
 * Parsing. json_parse() first validates the whole document with kgauge's own scanner (strict
 * grammar, nesting depth, control characters in strings, number syntax), so every syntax error
 * is reported with its byte offset, line and column in Go's encoding/json wording, e.g.
 *   "invalid character '}' looking for beginning of value at offset 17 (line 2, column 5)".
 * Then json-c builds the tree. Behaviour on the corners, chosen to match Go's encoding/json
 * (what the API server and kubelet are written in):
 *   - invalid UTF-8 inside a string is accepted and each bad byte becomes U+FFFD (Go's
 *     utf8.DecodeRune rules); lone \u surrogates also become U+FFFD;
 *   - a duplicated object key keeps the LAST value (at the position of the first occurrence);
 *   - integers are exact over the whole int64 and uint64 ranges; an integer literal beyond
 *     them (e.g. 18446744073709551616) is held as a double, so asking for it as an integer
 *     fails with -ERANGE instead of silently saturating (json-c alone would saturate);
 *     likewise "-0" is held as the double -0.0, as Go reads it (json-c would drop the sign);
 *   - deviation: an object key containing \u0000 is rejected (json-c keys are C strings).
 * The document may be followed by whitespace only.
 *
 * Values. A struct json_value is a borrowed, read-only handle owned by its json_doc: valid
 * until json_doc_free(). JSON null is a real value (kind JSON_NULL), distinct from absence
 * (a NULL handle).
 *
 * Paths. Getters take a path relative to the given value: member names separated by '.',
 * array indexes in brackets: "spec.replicas", "items[3].metadata.name", "[0]", and "" for the
 * value itself. A member whose name contains '.' or '[' (e.g. a label key) is reached with
 * json_member() or by iterating. Paths are at most KG_MAX_JSON_PATH bytes.
 *
 * Errors: 0 or a negative errno value; detail in the caller's err buffer (may be NULL):
 *   -EINVAL  syntax error, or a value of the wrong type (or null where a value is required)
 *   -ENOENT  a required member or array element is absent
 *   -ERANGE  a number that does not fit the requested type exactly
 *   -E2BIG   document longer than the limit; -ENOMEM json-c could not allocate
 */
#ifndef KGAUGE_JSON_JSON_H
#define KGAUGE_JSON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/limits.h"

struct json_doc;
struct json_value;

enum json_kind {
    JSON_NULL,
    JSON_BOOL,
    JSON_INT, /* an integer literal within int64/uint64 range */
    JSON_DOUBLE,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
};

/* Parses len bytes (no NUL terminator needed) with the default limits KG_MAX_JSON_DOC and
 * KG_MAX_JSON_DEPTH. On success *out owns the tree (free with json_doc_free). */
int json_parse(const void *data, size_t len, struct json_doc **out, char *err, size_t errlen);
/* Same with explicit limits: max_len bytes (at most KG_MAX_JSON_DOC), max_depth nested arrays
 * and objects (1..KG_MAX_JSON_DEPTH; a scalar document has depth 0). */
int json_parse_limits(const void *data, size_t len, size_t max_len, unsigned max_depth,
                      struct json_doc **out, char *err, size_t errlen);
/* Only the validation pass (no tree): 0 when data is one valid JSON document within the
 * limits, else -EINVAL/-E2BIG with the same messages as json_parse. */
int json_validate(const void *data, size_t len, size_t max_len, unsigned max_depth, char *err,
                  size_t errlen);
void json_doc_free(struct json_doc *doc);
const struct json_value *json_doc_root(const struct json_doc *doc);

enum json_kind json_kind(const struct json_value *v); /* v must not be NULL */
const char *json_kind_name(enum json_kind k);         /* "null", "boolean", "integer", ... */

/* Navigation without error reporting: NULL when absent, when a step meets a non-container,
 * or when the path is malformed. JSON null yields a JSON_NULL value, not NULL. */
const struct json_value *json_lookup(const struct json_value *v, const char *path);
const struct json_value *json_member(const struct json_value *obj, const char *key);
size_t json_array_len(const struct json_value *v); /* 0 for a non-array */
const struct json_value *json_array_at(const struct json_value *arr, size_t i);
size_t json_object_count(const struct json_value *v); /* members; 0 for a non-object */

/* Members of an object in document order:
 *     struct json_iter it; const char *k; const struct json_value *m;
 *     json_iter_init(&it, obj);
 *     while (json_iter_next(&it, &k, &m)) ...
 * A non-object yields nothing. Keys are NUL-terminated and owned by the document. */
struct json_iter {
    const void *next; /* internal */
};
void json_iter_init(struct json_iter *it, const struct json_value *obj);
bool json_iter_next(struct json_iter *it, const char **key, const struct json_value **val);

/*
 * Checked getters. Required form (json_get_*): 0 and *out set; -ENOENT when absent; -EINVAL
 * when null or of another type; -ERANGE when out of range. Optional form (json_opt_*): 1 and
 * *out set when present and not null; 0 when absent or null (*out untouched, as Kubernetes
 * treats an explicit null like an omitted optional field); negative as above otherwise.
 *
 * Integers: an integer literal, or a double with no fractional part that is exactly within
 * range (3.0 and 1e3 are accepted, 2.5 is -EINVAL, 1e19 as int64 is -ERANGE; a double is
 * never taken as -2^63, so that -9223372036854775809, which rounds to it, is -ERANGE).
 * json_get_double accepts integers (converted, possibly rounded beyond 2^53) and rejects
 * non-finite values (e.g. 1e400) with -ERANGE.
 * Strings: *s is NUL-terminated and owned by the document; *len (may be NULL) gives the
 * length, which matters when the string holds \u0000.
 */
int json_get_string(const struct json_value *v, const char *path, const char **s, size_t *len,
                    char *err, size_t errlen);
int json_get_int64(const struct json_value *v, const char *path, int64_t *out, char *err,
                   size_t errlen);
int json_get_int32(const struct json_value *v, const char *path, int32_t *out, char *err,
                   size_t errlen);
int json_get_uint64(const struct json_value *v, const char *path, uint64_t *out, char *err,
                    size_t errlen);
int json_get_double(const struct json_value *v, const char *path, double *out, char *err,
                    size_t errlen);
int json_get_bool(const struct json_value *v, const char *path, bool *out, char *err,
                  size_t errlen);
int json_get_object(const struct json_value *v, const char *path, const struct json_value **out,
                    char *err, size_t errlen);
/* *len (may be NULL) receives the number of elements. */
int json_get_array(const struct json_value *v, const char *path, const struct json_value **out,
                   size_t *len, char *err, size_t errlen);

int json_opt_string(const struct json_value *v, const char *path, const char **s, size_t *len,
                    char *err, size_t errlen);
int json_opt_int64(const struct json_value *v, const char *path, int64_t *out, char *err,
                   size_t errlen);
int json_opt_int32(const struct json_value *v, const char *path, int32_t *out, char *err,
                   size_t errlen);
int json_opt_uint64(const struct json_value *v, const char *path, uint64_t *out, char *err,
                    size_t errlen);
int json_opt_double(const struct json_value *v, const char *path, double *out, char *err,
                    size_t errlen);
int json_opt_bool(const struct json_value *v, const char *path, bool *out, char *err,
                  size_t errlen);
int json_opt_object(const struct json_value *v, const char *path, const struct json_value **out,
                    char *err, size_t errlen);
int json_opt_array(const struct json_value *v, const char *path, const struct json_value **out,
                   size_t *len, char *err, size_t errlen);

/* Module-internal (json__ prefix, for writer.c): length of the UTF-8 sequence at p (1..4),
 * or 0 when invalid under Go's utf8.DecodeRune rules. avail >= 1. */
size_t json__utf8_len(const unsigned char *p, size_t avail);

#endif
