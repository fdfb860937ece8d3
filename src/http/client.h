/*
 * HTTP client: a libcurl multi handle driving many concurrent requests from one thread.
 *
 * Model (libuv-like): a `struct http_client` is driven by exactly one thread, the one that
 * calls http_client_run(); every callback runs on that thread. The only call that is safe from
 * other threads is http_client_wakeup(). Code that needs HTTP on several threads gives each
 * thread its own client (connections are pooled per client).
 *
 * A `struct http_req` is a reusable request bound to one client, meant to be kept per target
 * (one per kubelet, one per informer) and restarted every cycle: it owns one curl easy handle,
 * so TLS sessions and pooled connections are reused. Requests are HTTP/1.1 only, never follow
 * redirects, ask for gzip, never raise signals, and cap the (decoded) body they buffer.
 *
 * Results: each finished request delivers a `struct http_result` to its done callback, with
 * an errno-style error (0 when a response was received, whatever its status), the status,
 * the body, timings, and a Go net/http style message for failures, e.g.
 *     Get "https://10.0.0.1:10250/metrics/resource": context deadline exceeded
 *
 * Error values (http_result.error):
 *     0             a complete response was received (check status)
 *     -ETIMEDOUT    the per-request timeout expired ("context deadline exceeded")
 *     -ECONNREFUSED and other connect errnos: the TCP connection failed ("dial tcp H:P: ...")
 *     -EHOSTUNREACH the host name did not resolve ("dial tcp: lookup H: no such host")
 *     -ECONNRESET   the peer closed before or during the response ("EOF", "unexpected EOF")
 *     -EPROTO       TLS handshake or certificate verification failed ("tls: ...")
 *     -E2BIG        the body exceeded the request's cap
 *     <0 from the data callback: the stream was aborted with that value
 *     -EIO          anything else (curl's message is included)
 */
#ifndef KGAUGE_HTTP_CLIENT_H
#define KGAUGE_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "util/limits.h"

struct http_client;
struct http_req;
struct http_tls;

struct http_client_opts {
    const char *user_agent;      /* default "kgauge/<version>"; copied */
    long max_total_connections;  /* concurrent connections; 0 = unlimited (curl queues extra) */
    long max_host_connections;   /* per host:port; 0 = unlimited */
    long max_cached_connections; /* idle pool size; 0 = curl's default (4 x handles) */
};

/* NULL opts means defaults. Never returns NULL (allocation failure aborts). */
struct http_client *http_client_new(const struct http_client_opts *opts);
/* Every request of the client must have been freed first (asserted). Accepts NULL. */
void http_client_free(struct http_client *c);

/*
 * Waits up to timeout_ms (0 = just poll) for network activity or a wakeup, advances all
 * transfers and calls the done callbacks of those that finished. Returns the number of
 * requests still running. Must not be called from a data callback.
 */
int http_client_run(struct http_client *c, int timeout_ms);
/* Makes a http_client_run() that is waiting return early. Safe from any thread. */
void http_client_wakeup(struct http_client *c);
/* Requests started and not yet delivered. */
int http_client_active(const struct http_client *c);

/* ---- TLS configuration, shared by many requests (reference counted, immutable) ---- */

struct http_tls_opts {
    /* Trusted CAs: PEM bytes or a file; neither = the system store. With a private CA the
     * system CA directory is not consulted. */
    const void *ca_pem;
    size_t ca_len;
    const char *ca_file;
    /* Client certificate and key (PEM), as bytes or files; both or neither. */
    const void *cert_pem;
    size_t cert_len;
    const char *cert_file;
    const void *key_pem;
    size_t key_len;
    const char *key_file;
    int insecure; /* skip server certificate and host name verification */
};

/* Copies everything it needs from opts. Returns NULL with a message in err when the options
 * are inconsistent (a certificate without a key, or the reverse). Files are read by curl at
 * connection time, so a missing file shows up as a request error. */
struct http_tls *http_tls_new(const struct http_tls_opts *opts, char *err, size_t errlen);
/* Drops the creator's reference; requests holding it keep it alive. Accepts NULL. */
void http_tls_free(struct http_tls *tls);

/* ---- requests ---- */

struct http_result {
    int error;                /* see the table at the top */
    long status;              /* HTTP status, 0 when no response line arrived */
    const char *reason;       /* reason phrase ("Not Found"), "" when none */
    const char *content_type; /* Content-Type value, "" when none */
    const char *body;         /* buffered body (NUL-terminated); "" when streamed or none */
    size_t body_len;
    uint64_t body_bytes;   /* decoded body bytes received, streamed or buffered */
    int streamed;          /* 1 when the body went to the data callback */
    long new_connections;  /* connections opened by this transfer (0 = a reused one) */
    int64_t total_ns;      /* start to completion */
    int64_t connect_ns;    /* until TCP connected (0 when reused) */
    int64_t tls_ns;        /* until the TLS handshake completed (0 for http or reused) */
    int64_t first_byte_ns; /* until the first response byte */
    const char *errmsg;    /* Go-style message when error != 0, else "" */
};

/*
 * Called for each piece of a 2xx response body when a data callback is set (for chunked
 * streams such as watches; pieces do not respect chunk or line boundaries). Non-2xx bodies
 * are always buffered instead, so Status errors can be decoded from the result. Return 0 to
 * continue or a negative errno to abort the transfer with that error. Must not free or
 * restart the request and must not call http_client_run().
 */
typedef int (*http_data_cb)(struct http_req *req, const char *data, size_t len, void *ud);
/*
 * Called once when a started request ends (success, failure or timeout) — never after
 * http_req_cancel/http_req_free. The result is valid until the callback returns or the
 * request is restarted; the callback may restart, free, or start other requests.
 */
typedef void (*http_done_cb)(struct http_req *req, const struct http_result *res, void *ud);

/* A request with defaults: GET, no timeout, body cap KG_HTTP_DEFAULT_MAX_BODY. */
struct http_req *http_req_new(struct http_client *c);
/* Cancels the request if running (no callback). Accepts NULL. */
void http_req_free(struct http_req *req);

/* Setters take effect at the next http_req_start(); strings and bodies are copied. */
/* Returns -EINVAL for an empty URL, a URL with control characters or one over KG_MAX_HTTP_URL. */
int http_req_set_url(struct http_req *req, const char *url);
const char *http_req_url(const struct http_req *req);
/* "GET" (default), "HEAD", "POST", "PUT", "PATCH", "DELETE", ... (uppercase token). -EINVAL else.
 */
int http_req_set_method(struct http_req *req, const char *method);
/* Request body (NULL/0 clears). No Content-Type is sent unless added as a header. */
void http_req_set_body(struct http_req *req, const void *data, size_t len);
/* Adds "Name: value"; -EINVAL when the name is not a token or either holds CR/LF/NUL. */
int http_req_add_header(struct http_req *req, const char *name, const char *value);
void http_req_clear_headers(struct http_req *req);
/* Sends "Authorization: Bearer <token>" (NULL clears). -EINVAL when token holds CR/LF. */
int http_req_set_bearer_token(struct http_req *req, const char *token);
/* Takes a reference on tls (NULL = system defaults, full verification). */
void http_req_set_tls(struct http_req *req, struct http_tls *tls);
void http_req_set_timeout_ms(struct http_req *req, long ms);         /* whole transfer; 0 none */
void http_req_set_connect_timeout_ms(struct http_req *req, long ms); /* 0 = curl default */
void http_req_set_max_body(struct http_req *req, size_t max);        /* buffered-body cap */
void http_req_set_callbacks(struct http_req *req, http_done_cb done, http_data_cb data, void *ud);

/* Starts the request. Returns 0, -EBUSY when it is already running, -EINVAL without a URL. */
int http_req_start(struct http_req *req);
/* Stops a running request without calling its done callback. No-op when idle. */
void http_req_cancel(struct http_req *req);
int http_req_running(const struct http_req *req);
/* The last delivered result (zeroed before the first). Valid until restart or free. */
const struct http_result *http_req_result(const struct http_req *req);
/* Frees the buffered body of the last result (long-lived per-target requests call this once
 * the body is parsed so idle targets hold no memory). */
void http_req_drop_body(struct http_req *req);

/*
 * Blocking helper: starts req and runs the client until it finishes (other requests keep
 * progressing and their callbacks run). The done callback, if any, is still called. Returns
 * the result's error; the result stays available through http_req_result(). Must not be
 * called from a data callback, and req's done callback must not free req.
 */
int http_client_do(struct http_client *c, struct http_req *req);

/* Module internal, exposed for the fuzzer: parses one raw response header line (no NUL
 * needed). A status line ("HTTP/1.1 404 Not Found\r\n") clears both outputs, stores the
 * reason and returns 1; a Content-Type line stores the trimmed value and returns 2; other
 * lines return 0. Outputs are truncated to their sizes (both must be >= 1). */
int http__parse_header_line(const char *line, size_t len, char *reason, size_t reasonlen,
                            char *ctype, size_t ctypelen);

#endif
