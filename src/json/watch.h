/*
 * Incremental decoder for a Kubernetes watch stream: a sequence of JSON objects
 *     {"type":"ADDED","object":{...}}
 * concatenated, usually one per line. Bytes may be fed in chunks of any size, split anywhere
 * (inside a string, a UTF-8 sequence or a number); each complete event is parsed with the
 * JSON reader (json/json.h) and handed to a callback.
 *
 * Framing matches client-go's JSON stream decoder: whitespace may separate events (or
 * nothing: "}{" is fine); anything else between events is an error. An event's "type" must
 * be exactly ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (client-go: "got invalid watch event
 * type: X"), and its "object" must be a JSON object (for ERROR, a metav1.Status).
 *
 * A broken stream is never skipped over: the first malformed or oversized event puts the
 * decoder in a failed state, that call and every later feed/finish return the same error and
 * message, so the caller (an informer) notices and relists. watch_decoder_reset() starts over.
 *
 * Errors (negative errno): -EPROTO malformed stream or event (syntax, non-object, bad or
 * missing type, missing object, stream ending inside an event); -E2BIG an event longer than
 * the decoder's limit; or the callback's own nonzero return value.
 */
#ifndef KGAUGE_JSON_WATCH_H
#define KGAUGE_JSON_WATCH_H

#include <stddef.h>

struct json_doc;
struct json_value;
struct watch_decoder;

enum watch_event_type {
    WATCH_ADDED = 1,
    WATCH_MODIFIED,
    WATCH_DELETED,
    WATCH_BOOKMARK,
    WATCH_ERROR,
};

/* "ADDED", ...; "?" for anything else. */
const char *watch_event_type_name(enum watch_event_type t);
/* Exact, case-sensitive match of len bytes; 0 or -EINVAL. */
int watch_event_type_parse(const char *s, size_t len, enum watch_event_type *t);

/* Borrowed for the duration of the callback only: copy what you need. */
struct watch_event {
    enum watch_event_type type;
    const struct json_value *object; /* the "object" member: always a JSON object */
    const struct json_doc *doc;      /* the whole event */
    size_t offset;                   /* stream offset of the event's first byte */
    size_t size;                     /* bytes of the event, '{' to '}' */
};

/* Return 0 to continue; nonzero stops decoding, fails the decoder and is returned by feed. */
typedef int (*watch_event_cb)(void *ud, const struct watch_event *ev);

/* max_event: the largest event in bytes; 0 means KG_MAX_WATCH_EVENT. */
struct watch_decoder *watch_decoder_new(size_t max_event);
void watch_decoder_free(struct watch_decoder *d);

/* Consumes len bytes, calling cb for each event completed by them, in order. Returns 0, or
 * the decoder's error (see above) with the message in err (may be NULL). */
int watch_decoder_feed(struct watch_decoder *d, const void *data, size_t len, watch_event_cb cb,
                       void *ud, char *err, size_t errlen);
/* The stream ended: 0 if it ended between events, else -EPROTO (truncated event) or the
 * decoder's earlier error. */
int watch_decoder_finish(struct watch_decoder *d, char *err, size_t errlen);
/* Clears buffered bytes, state and error (a new watch request). */
void watch_decoder_reset(struct watch_decoder *d);
/* Bytes of an incomplete event currently buffered. */
size_t watch_decoder_pending(const struct watch_decoder *d);
/* Total bytes consumed since creation or reset. */
size_t watch_decoder_offset(const struct watch_decoder *d);

#endif
