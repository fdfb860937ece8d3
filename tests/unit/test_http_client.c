/* Unit tests for src/http/client against tests/unit/testserver on 127.0.0.1. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/client.h"
#include "unit/testserver.h"
#include "util/alloc.h"
#include "util/time.h"

/* Drives c until no request is active or 90 s pass (a bound for every test loop; generous
 * because the suite also runs under valgrind). */
static void run_all(struct http_client *c)
{
    int64_t deadline = time_mono_ns() + 90 * NS_PER_SEC;
    while (http_client_active(c) > 0 && time_mono_ns() < deadline)
        http_client_run(c, 100);
    assert_int_equal(http_client_active(c), 0);
}

/* ---- handlers ---- */

static void echo_handler(struct ts_conn *conn, const struct ts_request *req, void *ud)
{
    (void)ud;
    if (strcmp(req->path, "/slow") == 0) {
        ts_wait(conn, 3000); /* never answers in time */
        return;
    }
    if (strcmp(req->path, "/big") == 0) {
        static char big[1000];
        memset(big, 'x', sizeof(big));
        ts_respond(conn, 200, "text/plain", big, sizeof(big));
        return;
    }
    if (strcmp(req->path, "/missing") == 0) {
        const char *b = "{\"kind\":\"Status\"}";
        ts_respond(conn, 404, "application/json", b, strlen(b));
        return;
    }
    if (strcmp(req->path, "/nothing") == 0)
        return; /* drop without a response */
    if (strcmp(req->path, "/stream") == 0) {
        ts_chunked_begin(conn, 200, "application/json");
        ts_chunk(conn, "{\"a\":1}\n", 8);
        ts_wait(conn, 30);
        ts_chunk(conn, "{\"b\":", 5);
        ts_wait(conn, 30);
        ts_chunk(conn, "2}\n", 3);
        ts_chunked_end(conn);
        return;
    }
    if (strcmp(req->path, "/stream-drop") == 0) {
        ts_chunked_begin(conn, 200, "application/json");
        ts_chunk(conn, "{\"a\":1}\n", 8);
        return; /* drop mid-stream: no terminating chunk */
    }
    if (strcmp(req->path, "/stream-forever") == 0) {
        ts_chunked_begin(conn, 200, "application/json");
        for (int i = 0; i < 300; i++) {
            if (ts_chunk(conn, "{}\n", 3) != 0 || ts_wait(conn, 10))
                return;
        }
        ts_chunked_end(conn);
        return;
    }
    /* default: echo "METHOD TARGET" */
    char body[512];
    int n = snprintf(body, sizeof(body), "%s %s", req->method, req->target);
    ts_respond(conn, 200, "text/plain; charset=utf-8", body, (size_t)n);
}

struct done_rec {
    int calls;
    int error;
    long status;
    char body[1100];
    char errmsg[512];
    char reason[64];
    char ctype[128];
    long new_conns;
    int streamed;
};

static void record_done(struct http_req *r, const struct http_result *res, void *ud)
{
    (void)r;
    struct done_rec *d = ud;
    d->calls++;
    d->error = res->error;
    d->status = res->status;
    snprintf(d->body, sizeof(d->body), "%s", res->body);
    snprintf(d->errmsg, sizeof(d->errmsg), "%s", res->errmsg);
    snprintf(d->reason, sizeof(d->reason), "%s", res->reason);
    snprintf(d->ctype, sizeof(d->ctype), "%s", res->content_type);
    d->new_conns = res->new_connections;
    d->streamed = res->streamed;
}

static struct ts_server *srv;

static int setup(void **state)
{
    (void)state;
    srv = ts_start(echo_handler, NULL);
    return srv ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ts_stop(srv);
    srv = NULL;
    return 0;
}

/* ---- tests ---- */

static void test_get_basic(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    struct done_rec d = { 0 };
    char *url = ts_url(srv, "/hello?x=1");
    assert_int_equal(http_req_set_url(r, url), 0);
    assert_string_equal(http_req_url(r), url);
    http_req_set_callbacks(r, record_done, NULL, &d);
    assert_int_equal(http_req_start(r), 0);
    assert_int_equal(http_req_start(r), -EBUSY);
    assert_true(http_req_running(r));
    run_all(c);
    assert_false(http_req_running(r));
    assert_int_equal(d.calls, 1);
    assert_int_equal(d.error, 0);
    assert_int_equal(d.status, 200);
    assert_string_equal(d.reason, "OK");
    assert_string_equal(d.ctype, "text/plain; charset=utf-8");
    assert_string_equal(d.body, "GET /hello?x=1");
    assert_string_equal(d.errmsg, "");
    assert_int_equal(d.new_conns, 1);
    const struct http_result *res = http_req_result(r);
    assert_int_equal(res->body_len, strlen("GET /hello?x=1"));
    assert_true(res->total_ns > 0);
    http_req_drop_body(r);
    assert_string_equal(http_req_result(r)->body, "");

    struct ts_request *tr = ts_request_get(srv, ts_request_count(srv) - 1);
    char v[256];
    assert_int_equal(ts_header(tr, "User-Agent", v, sizeof(v)), 0);
    assert_string_equal(v, "kgauge/0.1");
    assert_int_equal(ts_header(tr, "Accept-Encoding", v, sizeof(v)), 0);
    assert_string_equal(v, "gzip");
    assert_int_equal(ts_header(tr, "Expect", v, sizeof(v)), -1);
    assert_int_equal(ts_header(tr, "Authorization", v, sizeof(v)), -1);
    ts_request_free(tr);
    free(url);
    http_req_free(r);
    http_client_free(c);
}

static void test_methods_headers_token(void **state)
{
    (void)state;
    struct http_client_opts o = { .user_agent = "kgauge-test/1.0" };
    struct http_client *c = http_client_new(&o);
    struct http_req *r = http_req_new(c);
    char *url = ts_url(srv, "/apis/x");
    char v[256];
    http_req_set_url(r, url);
    assert_int_equal(http_req_set_method(r, "PATCH"), 0);
    const char *body = "{\"spec\":{\"replicas\":3}}";
    http_req_set_body(r, body, strlen(body));
    assert_int_equal(http_req_add_header(r, "Content-Type", "application/merge-patch+json"), 0);
    assert_int_equal(http_req_add_header(r, "Accept", "application/json"), 0);
    assert_int_equal(http_req_set_bearer_token(r, "s3cr3t.token"), 0);
    assert_int_equal(http_client_do(c, r), 0);
    assert_string_equal(http_req_result(r)->body, "PATCH /apis/x");

    struct ts_request *tr = ts_request_get(srv, ts_request_count(srv) - 1);
    assert_string_equal(tr->method, "PATCH");
    assert_string_equal(tr->body, body);
    assert_int_equal(ts_header(tr, "Authorization", v, sizeof(v)), 0);
    assert_string_equal(v, "Bearer s3cr3t.token");
    assert_int_equal(ts_header(tr, "Content-Type", v, sizeof(v)), 0);
    assert_string_equal(v, "application/merge-patch+json");
    assert_int_equal(ts_header(tr, "User-Agent", v, sizeof(v)), 0);
    assert_string_equal(v, "kgauge-test/1.0");
    assert_int_equal(ts_header(tr, "Expect", v, sizeof(v)), -1);
    ts_request_free(tr);

    /* POST without a Content-Type header sends none (Go's behaviour, not curl's form type) */
    http_req_clear_headers(r);
    http_req_set_bearer_token(r, NULL);
    http_req_set_method(r, "POST");
    assert_int_equal(http_client_do(c, r), 0);
    tr = ts_request_get(srv, ts_request_count(srv) - 1);
    assert_string_equal(tr->method, "POST");
    assert_int_equal(ts_header(tr, "Content-Type", v, sizeof(v)), -1);
    assert_int_equal(ts_header(tr, "Authorization", v, sizeof(v)), -1);
    ts_request_free(tr);

    /* DELETE without a body; an empty header value is still sent */
    http_req_set_method(r, "DELETE");
    http_req_set_body(r, NULL, 0);
    assert_int_equal(http_req_add_header(r, "X-Empty", ""), 0);
    assert_int_equal(http_client_do(c, r), 0);
    assert_string_equal(http_req_result(r)->body, "DELETE /apis/x");
    tr = ts_request_get(srv, ts_request_count(srv) - 1);
    assert_int_equal(ts_header(tr, "X-Empty", v, sizeof(v)), 0);
    assert_string_equal(v, "");
    assert_string_equal(tr->body, "");
    ts_request_free(tr);

    free(url);
    http_req_free(r);
    http_client_free(c);
}

static void test_invalid_args(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    assert_int_equal(http_req_start(r), -EINVAL); /* no URL */
    assert_int_equal(http_req_set_url(r, ""), -EINVAL);
    assert_int_equal(http_req_set_url(r, "http://h/\r\nX: y"), -EINVAL);
    char *long_url = xmalloc(KG_MAX_HTTP_URL + 2);
    memset(long_url, 'a', KG_MAX_HTTP_URL + 1);
    long_url[KG_MAX_HTTP_URL + 1] = '\0';
    assert_int_equal(http_req_set_url(r, long_url), -EINVAL);
    free(long_url);
    assert_int_equal(http_req_set_method(r, "get"), -EINVAL);
    assert_int_equal(http_req_set_method(r, ""), -EINVAL);
    assert_int_equal(http_req_set_method(r, "AVERYLONGMETHODNAME"), -EINVAL);
    assert_int_equal(http_req_add_header(r, "Bad Name", "v"), -EINVAL);
    assert_int_equal(http_req_add_header(r, "X", "a\r\nInjected: 1"), -EINVAL);
    assert_int_equal(http_req_add_header(r, "", "v"), -EINVAL);
    assert_int_equal(http_req_set_bearer_token(r, "tok\nen"), -EINVAL);
    char err[256] = "";
    struct http_tls_opts to = { .cert_file = "/tmp/x.crt" };
    assert_null(http_tls_new(&to, err, sizeof(err)));
    assert_string_equal(err, "client certificate and key must be given together (got a "
                             "certificate only)");
    http_req_free(r);
    http_req_free(NULL);
    http_client_free(c);
    http_client_free(NULL);
    http_tls_free(NULL);
}

#define NCONC 200

static void test_concurrency(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *reqs[NCONC];
    struct done_rec *d = xcalloc(NCONC, sizeof(*d));
    for (int i = 0; i < NCONC; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/n/%d", i);
        char *url = ts_url(srv, path);
        reqs[i] = http_req_new(c);
        http_req_set_url(reqs[i], url);
        /* generous: this checks concurrency, and valgrind on a busy machine is slow */
        http_req_set_timeout_ms(reqs[i], 60000);
        http_req_set_callbacks(reqs[i], record_done, NULL, &d[i]);
        assert_int_equal(http_req_start(reqs[i]), 0);
        free(url);
    }
    assert_int_equal(http_client_active(c), NCONC);
    int before = ts_connections(srv);
    run_all(c);
    for (int i = 0; i < NCONC; i++) {
        char want[32];
        snprintf(want, sizeof(want), "GET /n/%d", i);
        assert_int_equal(d[i].calls, 1);
        assert_int_equal(d[i].error, 0);
        assert_string_equal(d[i].body, want);
    }
    /* they really ran in parallel: many connections were opened at once */
    assert_true(ts_connections(srv) - before > 1);
    for (int i = 0; i < NCONC; i++)
        http_req_free(reqs[i]);
    free(d);
    http_client_free(c);
}

static void test_timeout(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    char *url = ts_url(srv, "/slow");
    char want[256];
    snprintf(want, sizeof(want), "Get \"%s\": context deadline exceeded", url);
    http_req_set_url(r, url);
    http_req_set_timeout_ms(r, 200);
    int64_t t0 = time_mono_ns();
    assert_int_equal(http_client_do(c, r), -ETIMEDOUT);
    int64_t el = time_mono_ns() - t0;
    assert_true(el >= 150 * NS_PER_MS);
    assert_true(el < 2 * NS_PER_SEC);
    assert_string_equal(http_req_result(r)->errmsg, want);
    assert_int_equal(http_req_result(r)->status, 0);
    free(url);
    http_req_free(r);
    http_client_free(c);
}

static void test_body_cap(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    char *url = ts_url(srv, "/big");
    http_req_set_url(r, url);
    http_req_set_max_body(r, 999);
    assert_int_equal(http_client_do(c, r), -E2BIG);
    char want[256];
    snprintf(want, sizeof(want), "Get \"%s\": response body exceeds the limit of 999 bytes", url);
    assert_string_equal(http_req_result(r)->errmsg, want);
    http_req_set_max_body(r, 1000); /* exactly the size: accepted */
    assert_int_equal(http_client_do(c, r), 0);
    assert_int_equal(http_req_result(r)->body_len, 1000);
    assert_int_equal(http_req_result(r)->body[999], 'x');
    free(url);
    http_req_free(r);
    http_client_free(c);
}

static void test_connection_reuse(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *a = http_req_new(c), *b = http_req_new(c);
    char *url = ts_url(srv, "/reuse");
    http_req_set_url(a, url);
    http_req_set_url(b, url);
    int before = ts_connections(srv);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(http_client_do(c, a), 0);
        assert_int_equal(http_req_result(a)->new_connections, i == 0 ? 1 : 0);
    }
    /* a different request object on the same client shares the pool */
    assert_int_equal(http_client_do(c, b), 0);
    assert_int_equal(http_req_result(b)->new_connections, 0);
    assert_int_equal(ts_connections(srv) - before, 1);
    /* the server saw all six on connection ids equal to the first */
    int n = ts_request_count(srv);
    struct ts_request *first = ts_request_get(srv, n - 6), *last = ts_request_get(srv, n - 1);
    assert_int_equal(first->conn_id, last->conn_id);
    ts_request_free(first);
    ts_request_free(last);
    free(url);
    http_req_free(a);
    http_req_free(b);
    http_client_free(c);
}

struct stream_rec {
    char data[256];
    size_t len;
    int pieces;
    int abort_after;
};

static int stream_cb(struct http_req *r, const char *data, size_t len, void *ud)
{
    (void)r;
    struct stream_rec *s = ud;
    s->pieces++;
    if (s->len + len < sizeof(s->data)) {
        memcpy(s->data + s->len, data, len);
        s->len += len;
        s->data[s->len] = '\0';
    }
    if (s->abort_after && s->pieces >= s->abort_after)
        return -ECANCELED;
    return 0;
}

static void test_streaming(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    struct stream_rec s = { 0 };
    char *url = ts_url(srv, "/stream");
    http_req_set_url(r, url);
    http_req_set_callbacks(r, NULL, stream_cb, &s);
    assert_int_equal(http_client_do(c, r), 0);
    const struct http_result *res = http_req_result(r);
    assert_int_equal(res->status, 200);
    assert_true(res->streamed);
    assert_string_equal(res->body, "");
    assert_int_equal(res->body_bytes, 16);
    assert_string_equal(s.data, "{\"a\":1}\n{\"b\":2}\n");
    assert_true(s.pieces >= 2); /* delivered as it arrived, not at the end */
    free(url);

    /* a non-2xx answer is buffered even with a data callback */
    memset(&s, 0, sizeof(s));
    url = ts_url(srv, "/missing");
    http_req_set_url(r, url);
    assert_int_equal(http_client_do(c, r), 0);
    res = http_req_result(r);
    assert_int_equal(res->status, 404);
    assert_string_equal(res->reason, "Not Found");
    assert_false(res->streamed);
    assert_string_equal(res->body, "{\"kind\":\"Status\"}");
    assert_int_equal(s.pieces, 0);
    free(url);

    /* the callback aborts the stream: its error comes back */
    memset(&s, 0, sizeof(s));
    s.abort_after = 1;
    url = ts_url(srv, "/stream-forever");
    http_req_set_url(r, url);
    assert_int_equal(http_client_do(c, r), -ECANCELED);
    char want[256];
    snprintf(want, sizeof(want), "Get \"%s\": stream aborted: operation canceled", url);
    assert_string_equal(http_req_result(r)->errmsg, want);
    free(url);
    http_req_free(r);
    http_client_free(c);
}

static void test_dropped(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    struct stream_rec s = { 0 };
    char *url = ts_url(srv, "/stream-drop");
    char want[256];
    http_req_set_url(r, url);
    http_req_set_callbacks(r, NULL, stream_cb, &s);
    assert_int_equal(http_client_do(c, r), -ECONNRESET);
    snprintf(want, sizeof(want), "Get \"%s\": unexpected EOF", url);
    assert_string_equal(http_req_result(r)->errmsg, want);
    assert_string_equal(s.data, "{\"a\":1}\n");
    free(url);

    url = ts_url(srv, "/nothing");
    http_req_set_url(r, url);
    assert_int_equal(http_client_do(c, r), -ECONNRESET);
    snprintf(want, sizeof(want), "Get \"%s\": EOF", url);
    assert_string_equal(http_req_result(r)->errmsg, want);
    free(url);
    http_req_free(r);
    http_client_free(c);
}

static void test_connection_refused(void **state)
{
    (void)state;
    /* a port nobody listens on: bind one, note it, close it */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    int port = ntohs(a.sin_port);
    close(fd);

    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    char url[128], want[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics/resource", port);
    http_req_set_url(r, url);
    http_req_set_method(r, "PUT");
    assert_int_equal(http_client_do(c, r), -ECONNREFUSED);
    snprintf(want, sizeof(want), "Put \"%s\": dial tcp 127.0.0.1:%d: connect: connection refused",
             url, port);
    assert_string_equal(http_req_result(r)->errmsg, want);
    http_req_free(r);
    http_client_free(c);
}

static void never_called(struct http_req *r, const struct http_result *res, void *ud)
{
    (void)r;
    (void)res;
    (void)ud;
    fail_msg("done callback after cancel");
}

static void test_cancel(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    struct http_req *r2 = http_req_new(c);
    char *url = ts_url(srv, "/slow");
    http_req_set_url(r, url);
    http_req_set_url(r2, url);
    http_req_set_callbacks(r, never_called, NULL, NULL);
    http_req_set_callbacks(r2, never_called, NULL, NULL);
    assert_int_equal(http_req_start(r), 0);
    assert_int_equal(http_req_start(r2), 0);
    for (int i = 0; i < 5; i++)
        http_client_run(c, 20);
    http_req_cancel(r);
    assert_false(http_req_running(r));
    assert_int_equal(http_client_active(c), 1);
    http_req_cancel(r); /* idempotent */
    http_req_free(r2);  /* freeing a running request cancels it */
    assert_int_equal(http_client_active(c), 0);
    http_client_run(c, 10);
    free(url);
    http_req_free(r);
    http_client_free(c);
}

/* A done callback that frees its own request and starts another one. */
struct chain {
    struct http_client *c;
    struct http_req *next;
    int done;
};

static void chain_done(struct http_req *r, const struct http_result *res, void *ud)
{
    struct chain *ch = ud;
    assert_int_equal(res->error, 0);
    ch->done++;
    http_req_free(r);
    if (ch->next) {
        assert_int_equal(http_req_start(ch->next), 0);
        ch->next = NULL;
    }
}

static void test_callback_free_and_restart(void **state)
{
    (void)state;
    struct chain ch = { 0 };
    ch.c = http_client_new(NULL);
    char *url = ts_url(srv, "/x");
    struct http_req *a = http_req_new(ch.c), *b = http_req_new(ch.c);
    http_req_set_url(a, url);
    http_req_set_url(b, url);
    http_req_set_callbacks(a, chain_done, NULL, &ch);
    http_req_set_callbacks(b, chain_done, NULL, &ch);
    ch.next = b;
    http_req_start(a);
    run_all(ch.c);
    assert_int_equal(ch.done, 2);
    free(url);
    http_client_free(ch.c);
}

static void *wake_thread(void *arg)
{
    usleep(50 * 1000);
    http_client_wakeup(arg);
    return NULL;
}

static void test_wakeup(void **state)
{
    (void)state;
    struct http_client *c = http_client_new(NULL);
    pthread_t t;
    int64_t t0 = time_mono_ns();
    assert_int_equal(pthread_create(&t, NULL, wake_thread, c), 0);
    http_client_run(c, 5000);
    int64_t el = time_mono_ns() - t0;
    pthread_join(t, NULL);
    assert_true(el < 2 * NS_PER_SEC);
    http_client_free(c);
}

static void test_header_parser(void **state)
{
    (void)state;
    char reason[8], ct[16];
    const char *l = "HTTP/1.1 404 Not Found\r\n";
    assert_int_equal(http__parse_header_line(l, strlen(l), reason, sizeof(reason), ct, sizeof(ct)),
                     1);
    assert_string_equal(reason, "Not Fou"); /* truncated to the buffer */
    l = "content-TYPE: \tapplication/json \r\n";
    assert_int_equal(http__parse_header_line(l, strlen(l), reason, sizeof(reason), ct, sizeof(ct)),
                     2);
    assert_string_equal(ct, "application/jso");
    l = "HTTP/1.1 200\r\n";
    assert_int_equal(http__parse_header_line(l, strlen(l), reason, sizeof(reason), ct, sizeof(ct)),
                     1);
    assert_string_equal(reason, "");
    assert_string_equal(ct, "");
    l = "Content-Length: 5\r\n";
    assert_int_equal(http__parse_header_line(l, strlen(l), reason, sizeof(reason), ct, sizeof(ct)),
                     0);
}

/* ---- TLS, against `openssl s_server` with certificates made by the openssl CLI ---- */

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *b = xmalloc(65536);
    *len = fread(b, 1, 65535, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    getsockname(fd, (struct sockaddr *)&a, &alen);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_tls(void **state)
{
    (void)state;
    if (sh("command -v openssl >/dev/null 2>&1") != 0)
        skip();
    char dir[] = "/tmp/kg-http-tls-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[4096];
    snprintf(cmd, sizeof(cmd),
             "cd %s && "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
             "-subj /CN=test-ca -keyout ca.key -out ca.crt 2>/dev/null && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=srv "
             "-keyout srv.key -out srv.csr 2>/dev/null && "
             "printf 'subjectAltName=IP:127.0.0.1\\n' > ext && "
             "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
             "-extfile ext -out srv.crt 2>/dev/null && "
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=client "
             "-keyout cli.key -out cli.csr 2>/dev/null && "
             "openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 "
             "-out cli.crt 2>/dev/null",
             dir);
    assert_int_equal(sh(cmd), 0);
    int port = free_port();
    /* -Verify 1: the server demands a client certificate signed by the CA */
    snprintf(cmd, sizeof(cmd),
             "cd %s && (openssl s_server -accept 127.0.0.1:%d -cert srv.crt -key srv.key "
             "-CAfile ca.crt -Verify 1 -www -naccept 3 -quiet >/dev/null 2>&1 & echo $! > pid)",
             dir, port);
    assert_int_equal(sh(cmd), 0);

    char path[512];
    size_t ca_len, cert_len, key_len, pid_len;
    snprintf(path, sizeof(path), "%s/ca.crt", dir);
    char *ca = slurp(path, &ca_len);
    snprintf(path, sizeof(path), "%s/cli.crt", dir);
    char *cert = slurp(path, &cert_len);
    snprintf(path, sizeof(path), "%s/cli.key", dir);
    char *key = slurp(path, &key_len);
    snprintf(path, sizeof(path), "%s/pid", dir);
    char *pid = slurp(path, &pid_len);
    assert_non_null(ca);
    assert_non_null(cert);
    assert_non_null(key);
    assert_non_null(pid);

    struct http_client *c = http_client_new(NULL);
    struct http_req *r = http_req_new(c);
    char url[128], want[512], err[256];
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/", port);
    http_req_set_url(r, url);
    http_req_set_timeout_ms(r, 3000);
    /* wait (bounded) until s_server listens */
    for (int i = 0; i < 100; i++) {
        http_req_set_tls(r, NULL);
        int rc = http_client_do(c, r);
        if (rc != -ECONNREFUSED)
            break;
        usleep(30 * 1000);
    }
    /* 1: system trust store only -> unknown authority (Go's wording) */
    snprintf(want, sizeof(want),
             "Get \"%s\": tls: failed to verify certificate: x509: certificate signed by "
             "unknown authority",
             url);
    assert_int_equal(http_req_result(r)->error, -EPROTO);
    assert_string_equal(http_req_result(r)->errmsg, want);

    /* 2: private CA + client certificate as inline PEM -> 200 from s_server -www */
    struct http_tls_opts to = { .ca_pem = ca,
                                .ca_len = ca_len,
                                .cert_pem = cert,
                                .cert_len = cert_len,
                                .key_pem = key,
                                .key_len = key_len };
    struct http_tls *tls = http_tls_new(&to, err, sizeof(err));
    assert_non_null(tls);
    http_req_set_tls(r, tls);
    http_tls_free(tls); /* the request keeps its own reference */
    assert_int_equal(http_client_do(c, r), 0);
    assert_int_equal(http_req_result(r)->status, 200);
    assert_non_null(strstr(http_req_result(r)->body, "s_server"));

    /* 3: insecure skips verification (client cert still needed by this server) */
    struct http_tls_opts ti = {
        .insecure = 1, .cert_pem = cert, .cert_len = cert_len, .key_pem = key, .key_len = key_len
    };
    tls = http_tls_new(&ti, err, sizeof(err));
    http_req_set_tls(r, tls);
    http_tls_free(tls);
    assert_int_equal(http_client_do(c, r), 0);
    assert_int_equal(http_req_result(r)->status, 200);

    http_req_free(r);
    http_client_free(c);
    snprintf(cmd, sizeof(cmd), "kill %ld 2>/dev/null; rm -rf %s", strtol(pid, NULL, 10), dir);
    sh(cmd);
    free(ca);
    free(cert);
    free(key);
    free(pid);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_parser),
        cmocka_unit_test(test_invalid_args),
        cmocka_unit_test(test_wakeup),
        cmocka_unit_test_setup_teardown(test_get_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_methods_headers_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streaming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callback_free_and_restart, setup, teardown),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
