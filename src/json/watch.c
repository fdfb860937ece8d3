/*
 * Watch stream framing. A small resumable state machine finds where each top-level object
 * ends (tracking strings, escapes and nesting only), buffering the event's bytes across
 * chunks; the complete event is then parsed by the strict reader. Doing the framing ourselves
 * instead of driving json-c's tokener incrementally makes chunk boundaries irrelevant (json-c
 * cannot finish a number at the end of a buffer) and lets the size limit act before parsing.
 */
#include "json/watch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/limits.h"

/* Buffers above this are released after their event rather than kept for reuse. */
#define WATCH_KEEP_BUF (1024u * 1024)

enum watch_state {
    WS_BETWEEN, /* between events: whitespace only */
    WS_VALUE,   /* inside an event, outside strings */
    WS_STRING,  /* inside a string */
    WS_ESCAPE,  /* right after a backslash in a string */
    WS_FAILED,
};

struct watch_decoder {
    enum watch_state state;
    unsigned depth;
    struct buf ev; /* bytes of the event being assembled */
    size_t max_event;
    size_t offset;    /* stream bytes consumed */
    size_t ev_offset; /* stream offset of the current event's '{' */
    int err;
    char msg[KG_ERRBUF];
};

const char *watch_event_type_name(enum watch_event_type t)
{
    switch (t) {
    case WATCH_ADDED:
        return "ADDED";
    case WATCH_MODIFIED:
        return "MODIFIED";
    case WATCH_DELETED:
        return "DELETED";
    case WATCH_BOOKMARK:
        return "BOOKMARK";
    case WATCH_ERROR:
        return "ERROR";
    }
    return "?";
}

int watch_event_type_parse(const char *s, size_t len, enum watch_event_type *t)
{
    static const enum watch_event_type all[] = { WATCH_ADDED, WATCH_MODIFIED, WATCH_DELETED,
                                                 WATCH_BOOKMARK, WATCH_ERROR };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const char *name = watch_event_type_name(all[i]);
        if (strlen(name) == len && memcmp(name, s, len) == 0) {
            *t = all[i];
            return 0;
        }
    }
    return -EINVAL;
}

struct watch_decoder *watch_decoder_new(size_t max_event)
{
    struct watch_decoder *d = xcalloc(1, sizeof(*d));
    d->max_event = max_event ? max_event : KG_MAX_WATCH_EVENT;
    buf_init(&d->ev, d->max_event);
    d->state = WS_BETWEEN;
    return d;
}

void watch_decoder_free(struct watch_decoder *d)
{
    if (!d)
        return;
    buf_cleanup(&d->ev);
    free(d);
}

void watch_decoder_reset(struct watch_decoder *d)
{
    buf_cleanup(&d->ev);
    buf_init(&d->ev, d->max_event);
    d->state = WS_BETWEEN;
    d->depth = 0;
    d->offset = 0;
    d->ev_offset = 0;
    d->err = 0;
    d->msg[0] = '\0';
}

size_t watch_decoder_pending(const struct watch_decoder *d)
{
    return d->state == WS_BETWEEN || d->state == WS_FAILED ? 0 : d->ev.len;
}

size_t watch_decoder_offset(const struct watch_decoder *d)
{
    return d->offset;
}

__attribute__((format(printf, 3, 4))) static int fail(struct watch_decoder *d, int rc,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    va_end(ap);
    d->err = rc;
    d->state = WS_FAILED;
    buf_cleanup(&d->ev);
    buf_init(&d->ev, d->max_event);
    return rc;
}

static int report(const struct watch_decoder *d, char *err, size_t errlen)
{
    if (d->err && err && errlen)
        snprintf(err, errlen, "%s", d->msg);
    return d->err;
}

static int too_big(struct watch_decoder *d)
{
    return fail(d, -E2BIG, "watch event at stream offset %zu exceeds the limit of %zu bytes",
                d->ev_offset, d->max_event);
}

/* Adds the event bytes p[0..n) to the buffer; -E2BIG past the limit. */
static int collect(struct watch_decoder *d, const unsigned char *p, size_t n)
{
    if (buf_append(&d->ev, p, n) == 0)
        return 0;
    return too_big(d);
}

/* Parses the complete event in d->ev and delivers it. */
static int emit(struct watch_decoder *d, watch_event_cb cb, void *ud)
{
    char jerr[KG_ERRBUF];
    struct json_doc *doc = NULL;
    struct watch_event ev;
    const char *type = "";
    size_t type_len = 0;
    int rc;

    rc = json_parse_limits(d->ev.ptr, d->ev.len, d->max_event, KG_MAX_JSON_DEPTH, &doc, jerr,
                           sizeof(jerr));
    if (rc) {
        rc = fail(d, -EPROTO, "watch event at stream offset %zu: %s", d->ev_offset, jerr);
        goto out;
    }
    const struct json_value *root = json_doc_root(doc);
    if (json_opt_string(root, "type", &type, &type_len, jerr, sizeof(jerr)) < 0) {
        rc = fail(d, -EPROTO, "watch event at stream offset %zu: %s", d->ev_offset, jerr);
        goto out;
    }
    if (watch_event_type_parse(type, type_len, &ev.type) != 0) {
        rc =
            fail(d, -EPROTO, "watch event at stream offset %zu: got invalid watch event type: %.*s",
                 d->ev_offset, (int)(type_len > 64 ? 64 : type_len), type);
        goto out;
    }
    if (json_get_object(root, "object", &ev.object, jerr, sizeof(jerr)) != 0) {
        rc = fail(d, -EPROTO, "watch event at stream offset %zu: %s", d->ev_offset, jerr);
        goto out;
    }
    ev.doc = doc;
    ev.offset = d->ev_offset;
    ev.size = d->ev.len;
    rc = cb(ud, &ev);
    if (rc)
        rc = fail(d, rc, "watch event callback stopped the stream (%d)", rc);
out:
    json_doc_free(doc);
    if (rc == 0) {
        if (d->ev.cap > WATCH_KEEP_BUF) {
            buf_cleanup(&d->ev);
            buf_init(&d->ev, d->max_event);
        }
        buf_reset(&d->ev);
    }
    return rc;
}

int watch_decoder_feed(struct watch_decoder *d, const void *data, size_t len, watch_event_cb cb,
                       void *ud, char *err, size_t errlen)
{
    const unsigned char *p = data;
    size_t i = 0, run = 0; /* run: where this chunk's part of the current event begins */
    int rc = 0;

    if (d->state == WS_FAILED)
        return report(d, err, errlen);
    while (i < len && rc == 0) {
        /* Inside an event, scan no further than the event's size limit allows, so the limit
         * trips at the same byte however the stream is chunked. */
        size_t end = len;
        if (d->state == WS_VALUE || d->state == WS_STRING || d->state == WS_ESCAPE) {
            size_t room = d->max_event - d->ev.len;
            if (len - run > room) {
                end = run + room;
                if (i >= end) {
                    rc = too_big(d);
                    break;
                }
            }
        }
        switch (d->state) {
        case WS_BETWEEN:
            while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
                i++;
            if (i == len)
                break;
            if (p[i] != '{') {
                unsigned char c = p[i];
                rc = fail(d, -EPROTO,
                          (c >= 0x20 && c < 0x7F)
                              ? "invalid character '%c' between watch events at stream offset %zu"
                              : "invalid character '\\x%02x' between watch events at stream "
                                "offset %zu",
                          c, d->offset + i);
                break;
            }
            d->state = WS_VALUE;
            d->depth = 1;
            d->ev_offset = d->offset + i;
            run = i++;
            break;
        case WS_VALUE:
            while (i < end) {
                unsigned char c = p[i++];
                if (c == '"') {
                    d->state = WS_STRING;
                    break;
                }
                if (c == '{' || c == '[') {
                    if (++d->depth > KG_MAX_JSON_DEPTH) {
                        rc = fail(d, -EPROTO,
                                  "watch event at stream offset %zu nests deeper than %d levels",
                                  d->ev_offset, KG_MAX_JSON_DEPTH);
                        break;
                    }
                } else if (c == '}' || c == ']') {
                    if (--d->depth == 0) {
                        rc = collect(d, p + run, i - run);
                        if (rc == 0)
                            rc = emit(d, cb, ud);
                        if (rc == 0)
                            d->state = WS_BETWEEN;
                        break;
                    }
                }
            }
            break;
        case WS_STRING:
            while (i < end && p[i] != '"' && p[i] != '\\')
                i++;
            if (i < end) {
                d->state = p[i] == '"' ? WS_VALUE : WS_ESCAPE;
                i++;
            }
            break;
        case WS_ESCAPE:
            i++;
            d->state = WS_STRING;
            break;
        case WS_FAILED:
            rc = d->err;
            break;
        }
    }
    if (rc == 0 && d->state != WS_BETWEEN && d->state != WS_FAILED)
        rc = collect(d, p + run, len - run);
    d->offset += i;
    if (rc)
        return report(d, err, errlen);
    return 0;
}

int watch_decoder_finish(struct watch_decoder *d, char *err, size_t errlen)
{
    if (d->state == WS_FAILED)
        return report(d, err, errlen);
    if (d->state != WS_BETWEEN) {
        fail(d, -EPROTO,
             "watch stream ended inside an event (stream offset %zu, %zu bytes buffered)",
             d->ev_offset, d->ev.len);
        return report(d, err, errlen);
    }
    return 0;
}
