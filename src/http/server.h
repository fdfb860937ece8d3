/*
 * HTTP/HTTPS server: a libmicrohttpd (0.9.75, GnuTLS) daemon with an epoll thread pool, a route
 * table, client-certificate identity, bounded requests, streaming responses, certificate reload
 * and graceful shutdown.
 *
 * Lifecycle:
 *     srv = server_new(&opts, err, errlen);      loads TLS files (fails early on bad ones)
 *     server_route(srv, "GET", "/api/v1/namespaces/{ns}/pods/{name}", handler, ud);
 *     server_listen(srv, "127.0.0.1", 0, err, errlen)  -> listener id; server_port(srv, id)
 *     server_start(srv, err, errlen);
 *     ...
 *     server_shutdown(srv, 5000);                stop accepting, drain, end streams, stop
 *     server_free(srv);
 *
 * Threads: handlers run on the daemon's pool threads, several at once; a handler must be
 * thread-safe and should not block for long (it holds one pool thread). Routes, the fallback,
 * the error hook and the observer are configured before server_start() and never change after.
 * server_listen() and server_add_connection() may be called at any time from any thread.
 *
 * Listening: the daemon has no listen socket of its own. The server owns any number of listen
 * sockets (one per server_listen() call, e.g. one per simulated kubelet on its own 127.x.y.z)
 * served by one accept thread, which hands accepted sockets to the pool. An application that
 * accepts connections itself passes them in with server_add_connection(). Handlers can see
 * the local address a request arrived on (server_req_local_addr()).
 *
 * TLS: with tls_cert_file/tls_key_file set every connection is TLS (1.2 and 1.3), HTTP/1.1
 * only: ALPN offers "http/1.1" and "http/1.0", never "h2". With client CA files the server
 * requests (never requires) a client certificate and lists those CAs' subjects as acceptable,
 * like a Go server with tls.RequestClientCert. The presented chain is verified against each CA
 * file in turn (validity period, signatures, extended key usage clientAuth when present); the
 * result, the leaf's subject CN (the last CN attribute, as Go's pkix.Name) and O values (in
 * order) are available to handlers through server_req_peer(). Verification never rejects the
 * connection: authentication policy is the application's.
 *
 * Reload: the cert, key and CA files are stat()ed at most every tls_reload_interval_ms, when a
 * new TLS connection arrives; when any changed (inode, size or mtime), all are read again and,
 * if they load (cert and key must match), new connections use them; existing connections keep
 * what they started with. A failed reload keeps the previous files and logs a warning once
 * per change. server_tls_reload() forces a reload now.
 *
 * Requests: a request's headers are limited to max_header_bytes (431) and its body to
 * max_body_bytes (413; a declared Content-Length above the limit is refused before reading,
 * a chunked body is read up to the limit plus KG_HTTP_BODY_DISCARD and then the connection
 * is closed). The path handlers see is percent-decoded; query parameters are decoded as Go's
 * url.ParseQuery does ('+' is a space). Status replies the server makes itself (404, 405,
 * 413, 431) go through the error hook so the application can write
 * Kubernetes Status bodies; the default writes a text/plain body the way Go's http.Error does.
 *
 * Routing: a pattern is a sequence of '/'-separated segments, each a literal, a "{name}"
 * parameter (matches one non-empty segment) or, as the last segment only, "*" (matches the
 * rest of the path, one or more segments, possibly empty; the value is the parameter "*").
 * The most specific matching route wins, comparing segments left to right (literal over
 * parameter over "*"), then the earliest registered. Method "*" matches any method; a HEAD
 * request without a HEAD route is served by the GET route (the body is not sent). When some
 * route matches the path but none the method, the reply is 405 with an Allow header. When no
 * route matches the path the fallback handler runs (default: 404).
 *
 * Streaming: a handler may turn its response into a stream (server_resp_stream()): the
 * status and headers are sent at once, chunked; another thread writes to the stream as
 * events happen and closes it to end the response. While the stream has no data the
 * connection is suspended (no thread is held, no busy polling). Shutdown ends every stream.
 *
 * Errors: functions return 0 or a negative errno value; err/errlen receive a message.
 */
#ifndef KGAUGE_HTTP_SERVER_H
#define KGAUGE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include "util/limits.h"

struct server;
struct server_req;
struct server_resp;
struct server_stream;

/* A request handler: read req, fill resp. Both are valid only during the call. */
typedef void (*server_handler_fn)(const struct server_req *req, struct server_resp *resp, void *ud);
/* Writes the body of a reply the server decided on (status is already set in resp, headers
 * such as Allow too); msg is a short English reason, e.g. "404 page not found". */
typedef void (*server_error_fn)(const struct server_req *req, struct server_resp *resp, int status,
                                const char *msg, void *ud);
/* Called when a request is finished (response sent or connection lost), for access logs and
 * request metrics. pattern is the matched route's pattern or NULL; status 0 when no response
 * was queued; duration from the end of the request headers. */
typedef void (*server_observer_fn)(const char *method, const char *pattern, int status,
                                   int64_t duration_ns, void *ud);

struct server_opts {
    /* PEM files. Both set = HTTPS; both NULL = plain HTTP. The cert file may hold a chain. */
    const char *tls_cert_file;
    const char *tls_key_file;
    /* PEM bundles of CAs accepted for client certificates (HTTPS only); server_req_peer()
     * reports which one verified the client. At most KG_MAX_HTTP_CLIENT_CAS. */
    const char *const *client_ca_files;
    size_t n_client_ca_files;
    int tls_reload_interval_ms; /* 0 = 1000; < 0 = reload only by server_tls_reload() */
    const char *tls_priorities; /* GnuTLS priority string; NULL = TLS 1.2 and 1.3 */

    unsigned threads;          /* pool threads; 0 = 4 */
    unsigned max_connections;  /* 0 = 10000 */
    unsigned conn_timeout_s;   /* idle connection timeout; 0 = 90 (kube-apiserver's idle) */
    size_t max_header_bytes;   /* request line + headers; 0 = KG_MAX_HTTP_HEADER */
    size_t max_body_bytes;     /* 0 = KG_MAX_HTTP_BODY */
    size_t max_response_bytes; /* buffered response bodies; 0 = KG_MAX_JSON_DOC */
    const char *name;          /* for log lines; default "http" */
};

/* NULL (and a message) when a TLS file cannot be read or does not load, or an option is
 * out of range. opts may be NULL (plain HTTP with defaults). */
struct server *server_new(const struct server_opts *opts, char *err, size_t errlen);
/* Shuts down (server_shutdown(srv, 0)) if still running, then frees. Accepts NULL. Streams
 * the application still holds stay valid (writes fail with -EPIPE) until closed. */
void server_free(struct server *srv);

/* Before server_start(). method: an HTTP method token or "*". Returns -EINVAL for a malformed
 * pattern (see the top comment; message in err), -EEXIST for an identical method+pattern. */
int server_route(struct server *srv, const char *method, const char *pattern, server_handler_fn fn,
                 void *ud, char *err, size_t errlen);
void server_set_fallback(struct server *srv, server_handler_fn fn, void *ud);
void server_set_error_handler(struct server *srv, server_error_fn fn, void *ud);
void server_set_observer(struct server *srv, server_observer_fn fn, void *ud);

/* Routing exactly as a request sees it (the dispatcher uses this; tests and tools may too). */
struct server_match {
    int status;          /* 200 matched, 404 no route for the path, 405 path but not method */
    const char *pattern; /* the route's pattern when 200 */
    size_t n_params;
    const char *names[KG_MAX_HTTP_ROUTE_PARAMS + 1];  /* "*" for the wildcard */
    const char *values[KG_MAX_HTTP_ROUTE_PARAMS + 1]; /* owned by the match */
    char allow[256]; /* 405: the methods the path allows, sorted, ", "-separated */
    /* private */
    const void *route_;
    char *scratch_;
};
/* Fills m (always; status 404 for a path not starting with '/' or with more than
 * KG_MAX_HTTP_PATH_SEGMENTS segments). Release with server_match_cleanup(). */
void server_match_path(const struct server *srv, const char *method, const char *path,
                       struct server_match *m);
void server_match_cleanup(struct server_match *m);

/*
 * Opens a listen socket on host:port (host NULL or "" = all addresses, IPv6 and IPv4; a
 * numeric address or a name; port 0 = any free port). Returns the listener id (>= 0) or
 * -errno (-EADDRINUSE, -EADDRNOTAVAIL, -EINVAL for a bad host, -ENOSPC past
 * KG_MAX_HTTP_LISTENERS). Connections are accepted once the server is started.
 */
int server_listen(struct server *srv, const char *host, int port, char *err, size_t errlen);
/* The bound port of a listener, or -1 for an unknown id. */
int server_port(const struct server *srv, int id);

/* Starts the pool and the accept thread. -EALREADY if started. */
int server_start(struct server *srv, char *err, size_t errlen);

/* Serves a connected socket the application accepted. The server owns fd from now on (it is
 * closed on error too). -EINVAL before start or after shutdown, -ENFILE at max_connections. */
int server_add_connection(struct server *srv, int fd);

/* Stats the TLS files and reloads them when they changed (force: reload regardless). Returns
 * 0 when nothing changed or the reload worked, else the load error (old files stay in use). */
int server_tls_reload(struct server *srv, int force, char *err, size_t errlen);

/*
 * Graceful shutdown: closes the listeners, ends every stream, lets requests in flight finish
 * (their responses, and those of requests still arriving on open connections, say
 * "Connection: close"; a stream started meanwhile ends at once), waits up to timeout_ms for
 * them, then stops the pool, closing all connections.
 * Returns 0, or -ETIMEDOUT when requests were still running at the deadline (handlers that
 * are running are waited for regardless; they cannot be interrupted). Idempotent.
 */
int server_shutdown(struct server *srv, int timeout_ms);

/* Requests being handled or streamed (for tests and health checks). */
unsigned server_inflight(const struct server *srv);

/* ---- requests (valid during the handler call only; strings owned by the server) ---- */

struct server_peer {
    int tls;                 /* connection is TLS */
    int has_cert;            /* the client presented a certificate */
    int verified;            /* it chains to client_ca_files[ca_index] and is valid now */
    int ca_index;            /* -1 unless verified */
    const char *cn;          /* leaf subject CN ("" when none or no certificate) */
    const char *const *orgs; /* leaf subject O values, in certificate order */
    size_t n_orgs;
    const char *verify_error; /* why not verified, Go-style ("x509: certificate signed by
                               * unknown authority"); "" when verified or no certificate */
};

const char *server_req_method(const struct server_req *req);
const char *server_req_path(const struct server_req *req);    /* decoded, without query */
const char *server_req_version(const struct server_req *req); /* "HTTP/1.1" */
/* The matched route's pattern, or NULL in the fallback and error hook. */
const char *server_req_pattern(const struct server_req *req);
/* A {param} of the matched route ("*" for the wildcard), or NULL. */
const char *server_req_param(const struct server_req *req, const char *name);
/* First value of a query parameter ("" for "?watch" without '='), or NULL when absent. */
const char *server_req_query(const struct server_req *req, const char *name);
/* The idx-th (0-based) value of a repeated query parameter, or NULL. */
const char *server_req_query_at(const struct server_req *req, const char *name, size_t idx);
/* Calls fn for each query parameter in request order; stops when fn returns non-zero. */
void server_req_query_each(const struct server_req *req,
                           int (*fn)(const char *name, const char *value, void *ud), void *ud);
/* First value of a header (name case-insensitive), or NULL. */
const char *server_req_header(const struct server_req *req, const char *name);
/* The idx-th value of a header that appears several times (X-Remote-Group), or NULL. */
const char *server_req_header_at(const struct server_req *req, const char *name, size_t idx);
/* The request body (NUL-terminated; *len excludes the NUL). "" when none. */
const char *server_req_body(const struct server_req *req, size_t *len);
const struct server_peer *server_req_peer(const struct server_req *req);
/* "ip:port" of the client and of the local end ("[::1]:443" for IPv6), as Go's RemoteAddr. */
const char *server_req_remote_addr(const struct server_req *req);
const char *server_req_local_addr(const struct server_req *req);

/* ---- responses ---- */

/* Default status is 200. */
void server_resp_status(struct server_resp *resp, int status);
/* Sets a header, replacing one of the same name. -EINVAL for a name that is not a token or a
 * value with CR, LF or NUL. */
int server_resp_header(struct server_resp *resp, const char *name, const char *value);
/* Adds a header line even when one of that name exists (Warning, Set-Cookie). */
int server_resp_add_header(struct server_resp *resp, const char *name, const char *value);
/* The body being built (bounded by max_response_bytes: appends fail with -E2BIG). */
struct buf *server_resp_body(struct server_resp *resp);
/* Status + Content-Type: application/json + body. -E2BIG when too long. */
int server_resp_json(struct server_resp *resp, int status, const char *json, size_t len);
/* Status + Content-Type: text/plain; charset=utf-8 + formatted body. */
int server_resp_text(struct server_resp *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Closes the connection after this response. */
void server_resp_close(struct server_resp *resp);

/*
 * Turns the response into a chunked stream (any body built so far is sent first). Returns
 * the stream with one reference owned by the caller, who must eventually server_stream_close()
 * it, from any thread. max_buffered bounds unsent data (0 = KG_HTTP_STREAM_DEFAULT_BUFFER).
 * Calling it twice on one response returns NULL.
 */
struct server_stream *server_resp_stream(struct server_resp *resp, size_t max_buffered);
/* Queues bytes for the client; thread-safe. -EPIPE when the client is gone or the stream was
 * ended by shutdown (the caller should close it), -ENOBUFS when max_buffered would be exceeded
 * (a client too slow to keep up; the data was not queued). */
int server_stream_write(struct server_stream *st, const void *data, size_t len);
/* Non-zero while writes can still reach the client. */
int server_stream_alive(struct server_stream *st);
/* Ends the response after the queued data and drops the caller's reference; st is invalid
 * afterwards. Accepts NULL. */
void server_stream_close(struct server_stream *st);

#endif
