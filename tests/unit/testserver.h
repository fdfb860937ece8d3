/*
 * A tiny scriptable HTTP/1.1 server for unit tests: plain sockets on 127.0.0.1 (port 0), one
 * accept thread plus one thread per connection. Each request is recorded and handed to the
 * test's handler, which answers with the helpers below (canned responses, chunked streams,
 * delays, dropping the connection). Keep-alive is honoured, and accepted connections are
 * counted so tests can check connection reuse.
 *
 * A handler that returns without a complete response (nothing sent, or a chunked stream
 * without ts_chunked_end) makes the server drop the connection.
 * Handlers run on connection threads, concurrently: shared test state needs a lock.
 */
#ifndef KGAUGE_TESTS_TESTSERVER_H
#define KGAUGE_TESTS_TESTSERVER_H

#include <stddef.h>

/* Bounds: request head and body the server accepts, requests it records. */
#define TS_MAX_HEAD (64 * 1024)
#define TS_MAX_BODY (8 * 1024 * 1024)
#define TS_MAX_RECORDED 4096

struct ts_server;
struct ts_conn;

struct ts_request {
    char method[16];
    char *target;  /* "/api/v1/pods?limit=2" as sent */
    char *path;    /* before '?' */
    char *query;   /* after '?', "" when none */
    char *headers; /* raw header lines, "Name: value\r\n" each */
    char *body;    /* NUL-terminated */
    size_t body_len;
    int conn_id; /* 1-based accept order of the connection that carried it */
};

typedef void (*ts_handler_fn)(struct ts_conn *conn, const struct ts_request *req, void *ud);

/* Starts listening on 127.0.0.1 with an ephemeral port. Returns NULL on failure. */
struct ts_server *ts_start(ts_handler_fn handler, void *ud);
/* Stops accepting, shuts every connection down (handlers waiting in ts_wait return), joins
 * all threads and frees the server. Accepts NULL. */
void ts_stop(struct ts_server *s);
int ts_port(const struct ts_server *s);
/* "http://127.0.0.1:PORT" + path, malloc'd. */
char *ts_url(const struct ts_server *s, const char *path);
int ts_connections(struct ts_server *s); /* accepted so far */
int ts_request_count(struct ts_server *s);
/* A copy of the i-th recorded request (0-based), NULL when out of range; free with
 * ts_request_free. */
struct ts_request *ts_request_get(struct ts_server *s, int i);
void ts_request_free(struct ts_request *r);
/* Value of a request header (case-insensitive name) copied into out; 0 or -1 when absent. */
int ts_header(const struct ts_request *r, const char *name, char *out, size_t outlen);

/* ---- called by handlers ---- */

/* A complete response with Content-Length. content_type NULL = none. Returns 0 or -1. */
int ts_respond(struct ts_conn *c, int status, const char *content_type, const char *body,
               size_t len);
/* Raw bytes onto the socket (for malformed or hand-made responses). */
int ts_send_raw(struct ts_conn *c, const void *data, size_t len);
/* Chunked streaming: header, then any number of chunks, then the terminating chunk. */
int ts_chunked_begin(struct ts_conn *c, int status, const char *content_type);
int ts_chunk(struct ts_conn *c, const void *data, size_t len);
int ts_chunked_end(struct ts_conn *c);
/* Closes the connection after the handler returns (no keep-alive). */
void ts_close_after(struct ts_conn *c);
/* Sleeps up to ms; returns 1 early when the server is stopping or the peer closed, else 0. */
int ts_wait(struct ts_conn *c, int ms);

#endif
