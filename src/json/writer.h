/*
 * Streaming JSON writer: no tree, output goes straight into a struct buf (util/buf.h) or
 * through a flush callback in chunks. The writer tracks nesting and places commas, colons and
 * (optionally) newlines and indentation itself.
 *
 * Output is byte-identical to Go's encoding/json with its defaults (json.Marshal, and
 * json.Encoder as the API server uses it, minus the Encoder's trailing newline):
 *   - strings: '"' and '\\' backslash-escaped; \b \f \n \r \t short forms; other bytes below
 *     0x20 as \u00XX (lowercase hex); '<' '>' '&' as \u003c \u003e \u0026 (HTML escaping,
 *     switchable off like Encoder.SetEscapeHTML(false)); U+2028 and U+2029 as \u2028 \u2029;
 *     each byte of invalid UTF-8 as \ufffd; everything else, DEL included, verbatim;
 *   - integers in decimal; doubles in the shortest form that reads back exactly, fixed
 *     notation for 1e-6 <= |x| < 1e21 and exponent notation otherwise ("1e+21", "1e-7"),
 *     as Go does; NaN and infinities are an error (Go: UnsupportedValueError);
 *   - with an indent string set: json.MarshalIndent(v, "", indent) layout: one member or
 *     element per line, "key": value, empty containers as {} and []. kubectl -o json uses
 *     four spaces, the API server's ?pretty=true two.
 *
 * Errors are sticky: the first misuse (a value where a key is due, a key outside an object,
 * an unbalanced end, a second top-level value, nesting deeper than KG_MAX_JSON_DEPTH, a
 * non-finite double) or output failure (the buf's limit, -E2BIG; a flush callback's nonzero
 * return) is remembered, later calls do nothing and return it, and json_writer_finish()
 * reports it with a message. Every call returns the sticky error (0 while all is well), so
 * callers may check once at the end.
 */
#ifndef KGAUGE_JSON_WRITER_H
#define KGAUGE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/limits.h"

struct buf;
struct json_writer;

/* Called with each chunk of output; return 0, or nonzero to fail the writer with that code. */
typedef int (*json_flush_cb)(void *ud, const char *data, size_t len);

/* Appends to out, which the caller owns and must keep alive while the writer is used. */
struct json_writer *json_writer_new(struct buf *out);
/* Buffers internally and calls cb whenever at least chunk bytes are pending (a single value
 * may make a chunk larger), and in json_writer_finish for the rest. chunk 0 means 64 KiB. */
struct json_writer *json_writer_new_flush(json_flush_cb cb, void *ud, size_t chunk);
void json_writer_free(struct json_writer *w);

/* NULL or "" for compact output (the default); at most KG_MAX_JSON_INDENT bytes, else -EINVAL.
 * Set it before writing. */
int json_writer_set_indent(struct json_writer *w, const char *indent);
/* HTML-safe escaping of < > & (default on, as Go's). */
void json_writer_set_escape_html(struct json_writer *w, bool on);

int json_writer_begin_object(struct json_writer *w);
int json_writer_end_object(struct json_writer *w);
int json_writer_begin_array(struct json_writer *w);
int json_writer_end_array(struct json_writer *w);
/* An object member name; the next call must write its value. */
int json_writer_key(struct json_writer *w, const char *key);
int json_writer_key_n(struct json_writer *w, const char *key, size_t len);

int json_writer_string(struct json_writer *w, const char *s); /* NULL writes null */
int json_writer_string_n(struct json_writer *w, const char *s, size_t len);
int json_writer_int64(struct json_writer *w, int64_t v);
int json_writer_uint64(struct json_writer *w, uint64_t v);
int json_writer_double(struct json_writer *w, double v);
int json_writer_bool(struct json_writer *w, bool v);
int json_writer_null(struct json_writer *w);
/* A pre-serialised JSON value, copied verbatim (not validated, not re-indented): the caller
 * guarantees it is exactly one valid JSON value. */
int json_writer_raw(struct json_writer *w, const char *json, size_t len);

/* A value from a parsed document (json/json.h), re-serialised with this writer's settings:
 * members in document order, numbers exactly (a double that was out of range, such as 1e400,
 * fails with -EINVAL). */
struct json_value;
int json_writer_value(struct json_writer *w, const struct json_value *v);

/* key + value in one call. */
int json_writer_member_string(struct json_writer *w, const char *key, const char *s);
int json_writer_member_int64(struct json_writer *w, const char *key, int64_t v);

/* Ends the document: 0 when exactly one complete value was written and no error occurred;
 * otherwise the sticky error (or -EINVAL for an incomplete document) with a message in err.
 * In flush mode, pending output is flushed first. */
int json_writer_finish(struct json_writer *w, char *err, size_t errlen);
/* Forgets the document state and any error so another document can follow (e.g. the next
 * watch event). Output already written stays. */
void json_writer_reset(struct json_writer *w);
/* The sticky error, 0 if none. */
int json_writer_error(const struct json_writer *w);

/* Go's float formatting into out (at least 32 bytes): returns the length, or 0 for NaN/Inf. */
size_t json_format_double(double v, char *out, size_t outlen);

#endif
