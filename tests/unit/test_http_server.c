/*
 * Unit tests for src/http/server: real sockets on 127.0.0.1, real TLS (the openssl-built
 * fixture), libcurl (OpenSSL flavour) as the client. Expected bodies and headers are those
 * of Go's net/http (http.Error, the 1.22 ServeMux 404/405, the 431 reply) as documented in
 * its source, not read back from this server.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "http/server.h"
#include "util/buf.h"
#include "util/time.h"
#include "unit/tls_fixture.h"

#define MAX_BODY 1024
#define MAX_HEADER 4096

/* ---- client side ---- */

struct cresp {
    long status;
    long httpver;
    CURLcode code;
    struct buf body;
    struct buf hdrs;
    char serial[64];
    int64_t chunk_ns[16];
    int nchunks;
};

struct creq {
    const char *method;
    const char *url;
    const char *body;
    long bodylen; /* -1 = chunked upload of body */
    const char *const *headers;
    const char *cert, *key; /* client cert */
    int tls;
    int want_h2;
    int certinfo;
};

static char g_ca[512];

static size_t wr_cb(char *p, size_t sz, size_t n, void *ud)
{
    struct cresp *r = ud;
    if (r->nchunks < 16)
        r->chunk_ns[r->nchunks++] = time_mono_ns();
    buf_append(&r->body, p, sz * n);
    return sz * n;
}

static size_t hdr_cb(char *p, size_t sz, size_t n, void *ud)
{
    struct cresp *r = ud;
    buf_append(&r->hdrs, p, sz * n);
    return sz * n;
}

struct upload {
    const char *p;
    size_t left;
};

static size_t rd_cb(char *out, size_t sz, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t k = sz * n < u->left ? sz * n : u->left;
    if (k > 100)
        k = 100; /* several chunks */
    memcpy(out, u->p, k);
    u->p += k;
    u->left -= k;
    return k;
}

static void cresp_init(struct cresp *r)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->body, 16u << 20);
    buf_init(&r->hdrs, 1u << 20);
}

static void cresp_cleanup(struct cresp *r)
{
    buf_cleanup(&r->body);
    buf_cleanup(&r->hdrs);
}

static void do_req(const struct creq *q, struct cresp *r)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    struct upload up = { 0 };
    cresp_init(r);
    curl_easy_setopt(c, CURLOPT_URL, q->url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 8000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, wr_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hdr_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION,
                     q->want_h2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
    if (q->method)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
    if (q->method && strcmp(q->method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (q->body) {
        up.p = q->body;
        up.left = strlen(q->body);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, rd_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, &up);
        if (q->bodylen >= 0)
            curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->bodylen);
        hl = curl_slist_append(hl, "Expect:");
    }
    for (size_t i = 0; q->headers && q->headers[i]; i++)
        hl = curl_slist_append(hl, q->headers[i]);
    if (hl)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (q->tls) {
        curl_easy_setopt(c, CURLOPT_CAINFO, g_ca);
        curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
        if (q->cert) {
            curl_easy_setopt(c, CURLOPT_SSLCERT, q->cert);
            curl_easy_setopt(c, CURLOPT_SSLKEY, q->key);
        }
        if (q->certinfo)
            curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
    }
    r->code = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, &r->httpver);
    if (q->certinfo && r->code == CURLE_OK) {
        struct curl_certinfo *ci = NULL;
        curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci);
        if (ci && ci->num_of_certs > 0) {
            for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next)
                if (strncmp(s->data, "Serial Number:", 14) == 0)
                    snprintf(r->serial, sizeof r->serial, "%s", s->data + 14);
        }
    }
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
}

/* Value of a response header (case-insensitive), copied into out; NULL when absent. */
static const char *resp_header(const struct cresp *r, const char *name, char *out, size_t outlen)
{
    const char *p = buf_str(&r->hdrs);
    size_t nl = strlen(name);
    while (*p) {
        const char *e = strstr(p, "\r\n");
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            snprintf(out, outlen, "%.*s", (int)(len - (size_t)(v - p)), v);
            return out;
        }
        if (!e)
            break;
        p = e + 2;
    }
    return NULL;
}

/* ---- handlers ---- */

static int h_query_cb(const char *name, const char *value, void *ud)
{
    buf_printf(ud, "[%s=%s]", name, value);
    return 0;
}

static void h_pod(const struct server_req *req, struct server_resp *resp, void *ud)
{
    (void)ud;
    server_resp_text(resp, 200, "pod ns=%s name=%s pattern=%s", server_req_param(req, "ns"),
                     server_req_param(req, "name"), server_req_pattern(req));
}

static void h_pods(const struct server_req *req, struct server_resp *resp, void *ud)
{
    const char *ls = server_req_query(req, "labelSelector");
    const char *w = server_req_query(req, "watch");
    (void)ud;
    server_resp_text(resp, 200, "pods ns=%s ls=%s watch=%s second=%s", server_req_param(req, "ns"),
                     ls ? ls : "(none)", w ? w : "(none)",
                     server_req_query_at(req, "labelSelector", 1)
                         ? server_req_query_at(req, "labelSelector", 1)
                         : "(none)");
}

static void h_wild(const struct server_req *req, struct server_resp *resp, void *ud)
{
    (void)ud;
    server_resp_text(resp, 200, "wild rest=%s", server_req_param(req, "*"));
}

static void h_query(const struct server_req *req, struct server_resp *resp, void *ud)
{
    (void)ud;
    server_resp_text(resp, 200, "path=%s ", server_req_path(req));
    server_req_query_each(req, h_query_cb, server_resp_body(resp));
}

static void h_echo(const struct server_req *req, struct server_resp *resp, void *ud)
{
    size_t len;
    const char *b = server_req_body(req, &len);
    (void)ud;
    server_resp_status(resp, 201);
    server_resp_header(resp, "Content-Type", "application/octet-stream");
    buf_append(server_resp_body(resp), b, len);
}

static void h_hdr(const struct server_req *req, struct server_resp *resp, void *ud)
{
    const char *g;
    (void)ud;
    server_resp_text(resp, 200, "user=%s", server_req_header(req, "x-remote-user"));
    for (size_t i = 0; (g = server_req_header_at(req, "X-REMOTE-GROUP", i)) != NULL; i++)
        buf_printf(server_resp_body(resp), " group=%s", g);
    server_resp_add_header(resp, "Warning", "299 - \"one\"");
    server_resp_add_header(resp, "Warning", "299 - \"two\"");
    assert_int_equal(server_resp_header(resp, "Bad\nName", "x"), -EINVAL);
    assert_int_equal(server_resp_header(resp, "X-Ok", "a\r\nInjected: 1"), -EINVAL);
    assert_int_equal(server_resp_header(resp, "Content-Length", "1"), -EINVAL);
}

static void h_whoami(const struct server_req *req, struct server_resp *resp, void *ud)
{
    const struct server_peer *p = server_req_peer(req);
    (void)ud;
    server_resp_text(resp, 200, "tls=%d cert=%d verified=%d ca=%d cn=%s orgs=", p->tls, p->has_cert,
                     p->verified, p->ca_index, p->cn);
    for (size_t i = 0; i < p->n_orgs; i++)
        buf_printf(server_resp_body(resp), "%s%s", i ? "," : "", p->orgs[i]);
    buf_printf(server_resp_body(resp), " err=%s", p->verify_error);
}

static void h_addr(const struct server_req *req, struct server_resp *resp, void *ud)
{
    (void)ud;
    server_resp_text(resp, 200, "local=%s remote=%s", server_req_local_addr(req),
                     server_req_remote_addr(req));
}

static void h_json(const struct server_req *req, struct server_resp *resp, void *ud)
{
    static const char doc[] = "{\"kind\":\"PodMetrics\"}";
    (void)req;
    (void)ud;
    server_resp_json(resp, 200, doc, sizeof doc - 1);
}

/* streaming: a producer thread writes three chunks 60 ms apart, then closes */
static pthread_t g_producer;
static atomic_int g_producer_started;

static void *producer_main(void *arg)
{
    struct server_stream *st = arg;
    struct timespec ts = { 0, 60 * 1000 * 1000 };
    const char *parts[] = { "{\"type\":\"ADDED\"}\n", "{\"type\":\"MODIFIED\"}\n",
                            "{\"type\":\"DELETED\"}\n" };
    for (int i = 0; i < 3; i++) {
        nanosleep(&ts, NULL);
        assert_int_equal(server_stream_write(st, parts[i], strlen(parts[i])), 0);
    }
    server_stream_close(st);
    return NULL;
}

static void h_stream(const struct server_req *req, struct server_resp *resp, void *ud)
{
    struct server_stream *st;
    (void)req;
    (void)ud;
    server_resp_header(resp, "Content-Type", "application/json");
    st = server_resp_stream(resp, 1024);
    assert_non_null(st);
    assert_null(server_resp_stream(resp, 0));
    /* the bound: more than max_buffered is refused */
    {
        static char big[2000];
        assert_int_equal(server_stream_write(st, big, sizeof big), -ENOBUFS);
    }
    atomic_store(&g_producer_started, 1);
    assert_int_equal(pthread_create(&g_producer, NULL, producer_main, st), 0);
}

/* a stream the test holds open until shutdown */
static struct server_stream *_Atomic g_held;

static void h_hold(const struct server_req *req, struct server_resp *resp, void *ud)
{
    struct server_stream *st;
    (void)req;
    (void)ud;
    st = server_resp_stream(resp, 0);
    assert_int_equal(server_stream_write(st, "hello\n", 6), 0);
    atomic_store(&g_held, st);
}

static atomic_int g_slow_entered;
static atomic_int g_slow_ms;

static void h_slow(const struct server_req *req, struct server_resp *resp, void *ud)
{
    struct timespec ts;
    int ms = atomic_load(&g_slow_ms);
    (void)req;
    (void)ud;
    atomic_store(&g_slow_entered, 1);
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
    server_resp_text(resp, 200, "done");
}

/* a Kubernetes-Status-like error hook */
static void status_hook(const struct server_req *req, struct server_resp *resp, int status,
                        const char *msg, void *ud)
{
    (void)req;
    (void)ud;
    buf_reset(server_resp_body(resp));
    server_resp_header(resp, "Content-Type", "application/json");
    buf_printf(server_resp_body(resp),
               "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
               "\"message\":\"%s\",\"code\":%d}",
               msg, status);
}

static atomic_int g_obs_count;
static char g_obs_last[256];

static void observer(const char *method, const char *pattern, int status, int64_t dur, void *ud)
{
    (void)ud;
    snprintf(g_obs_last, sizeof g_obs_last, "%s %s %d", method, pattern ? pattern : "-", status);
    assert_true(dur >= 0);
    atomic_fetch_add(&g_obs_count, 1);
}

/* ---- fixtures ---- */

static struct tls_fixture g_fx;
static int g_fx_ok;

static void add_routes(struct server *srv)
{
    char err[256];
    assert_int_equal(server_route(srv, "GET",
                                  "/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods/{name}", h_pod,
                                  NULL, err, sizeof err),
                     0);
    assert_int_equal(server_route(srv, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods",
                                  h_pods, NULL, err, sizeof err),
                     0);
    assert_int_equal(
        server_route(srv, "GET", "/apis/metrics.k8s.io/v1beta1/*", h_wild, NULL, err, sizeof err),
        0);
    assert_int_equal(server_route(srv, "GET", "/query", h_query, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "POST", "/echo", h_echo, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "PUT", "/echo", h_echo, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/hdr", h_hdr, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/whoami", h_whoami, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/addr", h_addr, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/json", h_json, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/stream", h_stream, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/hold", h_hold, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/slow", h_slow, NULL, err, sizeof err), 0);
}

static struct server *start_plain(int *port, const struct server_opts *extra)
{
    struct server_opts o;
    char err[256] = "";
    struct server *srv;
    int id;
    if (extra)
        o = *extra;
    else
        memset(&o, 0, sizeof o);
    if (!o.max_body_bytes)
        o.max_body_bytes = MAX_BODY;
    if (!o.max_header_bytes)
        o.max_header_bytes = MAX_HEADER;
    o.threads = o.threads ? o.threads : 2;
    srv = server_new(&o, err, sizeof err);
    if (!srv)
        fail_msg("server_new: %s", err);
    add_routes(srv);
    id = server_listen(srv, "127.0.0.1", 0, err, sizeof err);
    if (id < 0)
        fail_msg("server_listen: %s", err);
    *port = server_port(srv, id);
    assert_true(*port > 0);
    if (server_start(srv, err, sizeof err) != 0)
        fail_msg("server_start: %s", err);
    return srv;
}

static struct server *start_tls(int *port, const char *cert, const char *key, int reload_ms)
{
    struct server_opts o;
    const char *cas[2];
    char err[512] = "";
    struct server *srv;
    int id;
    memset(&o, 0, sizeof o);
    o.tls_cert_file = cert;
    o.tls_key_file = key;
    cas[0] = g_fx.ca_cert;
    cas[1] = NULL;
    o.client_ca_files = cas;
    o.n_client_ca_files = 1;
    o.tls_reload_interval_ms = reload_ms;
    o.threads = 2;
    srv = server_new(&o, err, sizeof err);
    if (!srv)
        fail_msg("server_new: %s", err);
    add_routes(srv);
    id = server_listen(srv, "127.0.0.1", 0, err, sizeof err);
    assert_true(id >= 0);
    *port = server_port(srv, id);
    if (server_start(srv, err, sizeof err) != 0)
        fail_msg("server_start: %s", err);
    return srv;
}

#define SKIP_WITHOUT_TLS()                                                                         \
    do {                                                                                           \
        if (!g_fx_ok) {                                                                            \
            print_message("skipped: TLS fixture could not be built: %s\n", g_fx.err);              \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* ---- routing (no sockets) ---- */

static void noop(const struct server_req *req, struct server_resp *resp, void *ud)
{
    (void)req;
    (void)resp;
    (void)ud;
}

static void test_match_rules(void **state)
{
    struct server *srv;
    struct server_match m;
    char err[256];
    (void)state;
    srv = server_new(NULL, err, sizeof err);
    assert_non_null(srv);
    assert_int_equal(server_route(srv, "GET", "/a/{x}", noop, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/a/b", noop, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/a/*", noop, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "POST", "/a/b", noop, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "DELETE", "/a/{x}", noop, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "*", "/any", noop, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/", noop, NULL, err, sizeof err), 0);
    assert_int_equal(server_route(srv, "GET", "/a/b", noop, NULL, err, sizeof err), -EEXIST);

    /* literal beats parameter beats wildcard, whatever the registration order */
    server_match_path(srv, "GET", "/a/b", &m);
    assert_int_equal(m.status, 200);
    assert_string_equal(m.pattern, "/a/b");
    assert_int_equal(m.n_params, 0);
    server_match_cleanup(&m);
    server_match_path(srv, "GET", "/a/c", &m);
    assert_string_equal(m.pattern, "/a/{x}");
    assert_int_equal(m.n_params, 1);
    assert_string_equal(m.names[0], "x");
    assert_string_equal(m.values[0], "c");
    server_match_cleanup(&m);
    server_match_path(srv, "GET", "/a/c/d/e", &m);
    assert_string_equal(m.pattern, "/a/*");
    assert_string_equal(m.names[0], "*");
    assert_string_equal(m.values[0], "c/d/e");
    server_match_cleanup(&m);
    /* "/a/" has one empty segment after a: {x} needs a non-empty one, * takes it */
    server_match_path(srv, "GET", "/a/", &m);
    assert_string_equal(m.pattern, "/a/*");
    assert_string_equal(m.values[0], "");
    server_match_cleanup(&m);
    /* "/a" alone matches nothing */
    server_match_path(srv, "GET", "/a", &m);
    assert_int_equal(m.status, 404);
    server_match_cleanup(&m);
    /* method chooses among same-path routes; 405 lists the allowed methods sorted, HEAD with GET */
    server_match_path(srv, "POST", "/a/b", &m);
    assert_int_equal(m.status, 200);
    assert_string_equal(m.pattern, "/a/b");
    server_match_cleanup(&m);
    server_match_path(srv, "PUT", "/a/b", &m);
    assert_int_equal(m.status, 405);
    assert_string_equal(m.allow, "DELETE, GET, HEAD, POST");
    server_match_cleanup(&m);
    /* DELETE /a/b: the literal GET/POST routes don't take DELETE, {x} does */
    server_match_path(srv, "DELETE", "/a/b", &m);
    assert_int_equal(m.status, 200);
    assert_string_equal(m.pattern, "/a/{x}");
    server_match_cleanup(&m);
    /* HEAD falls back to GET */
    server_match_path(srv, "HEAD", "/a/b", &m);
    assert_int_equal(m.status, 200);
    assert_string_equal(m.pattern, "/a/b");
    server_match_cleanup(&m);
    server_match_path(srv, "PATCH", "/any", &m);
    assert_int_equal(m.status, 200);
    server_match_cleanup(&m);
    server_match_path(srv, "GET", "/", &m);
    assert_string_equal(m.pattern, "/");
    server_match_cleanup(&m);
    /* trailing slash is a different path; no leading slash is unroutable */
    server_match_path(srv, "GET", "/any/", &m);
    assert_int_equal(m.status, 404);
    server_match_cleanup(&m);
    server_match_path(srv, "GET", "any", &m);
    assert_int_equal(m.status, 404);
    server_match_cleanup(&m);
    server_free(srv);
}

static void test_route_pattern_errors(void **state)
{
    static const char *const bad[] = { "a/b",      "/a/*/b", "/a/{}", "/a/{x}/{x}", "/a/b{x}",
                                       "/a/{x-y}", "/a/x*",  "/a?b",  "/{a}}",      NULL };
    struct server *srv;
    char err[256];
    (void)state;
    srv = server_new(NULL, err, sizeof err);
    for (size_t i = 0; bad[i]; i++) {
        err[0] = '\0';
        assert_int_equal(server_route(srv, "GET", bad[i], noop, NULL, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, bad[i]));
    }
    assert_int_equal(server_route(srv, "G T", "/x", noop, NULL, err, sizeof err), -EINVAL);
    assert_int_equal(server_route(srv, "", "/x", noop, NULL, err, sizeof err), -EINVAL);
    /* KG_MAX_HTTP_ROUTE_PARAMS parameters are fine, one more is not */
    {
        struct buf p;
        buf_init(&p, 4096);
        for (int i = 0; i < KG_MAX_HTTP_ROUTE_PARAMS; i++)
            buf_printf(&p, "/{p%d}", i);
        assert_int_equal(server_route(srv, "GET", buf_str(&p), noop, NULL, err, sizeof err), 0);
        buf_printf(&p, "/{extra}");
        assert_int_equal(server_route(srv, "GET", buf_str(&p), noop, NULL, err, sizeof err),
                         -EINVAL);
        buf_cleanup(&p);
    }
    server_free(srv);
}

static void test_server_new_errors(void **state)
{
    struct server_opts o;
    char err[512];
    (void)state;
    memset(&o, 0, sizeof o);
    o.tls_cert_file = "/nonexistent/tls.crt";
    assert_null(server_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "needs a key"));
    o.tls_key_file = "/nonexistent/tls.key";
    assert_null(server_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/tls.crt"));
    SKIP_WITHOUT_TLS();
    /* a certificate with someone else's key */
    o.tls_cert_file = g_fx.server_cert;
    o.tls_key_file = g_fx.client_key;
    assert_null(server_new(&o, err, sizeof err));
    assert_non_null(strstr(err, "loading serving certificate"));
    /* a client CA file that holds no certificate */
    {
        const char *cas[] = { g_fx.server_key };
        o.tls_key_file = g_fx.server_key;
        o.client_ca_files = cas;
        o.n_client_ca_files = 1;
        assert_null(server_new(&o, err, sizeof err));
        assert_non_null(strstr(err, "client CA file"));
    }
}

/* ---- plain HTTP behaviour ---- */

static void test_routing_params_query(void **state)
{
    int port;
    struct server *srv;
    struct cresp r;
    char url[512];
    struct creq q = { 0 };
    (void)state;
    srv = start_plain(&port, NULL);

    snprintf(url, sizeof url,
             "http://127.0.0.1:%d/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods/"
             "coredns-5d78c9869d-abcde",
             port);
    q.url = url;
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_str(&r.body),
                        "pod ns=kube-system name=coredns-5d78c9869d-abcde "
                        "pattern=/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods/{name}");
    cresp_cleanup(&r);

    /* query decoding as url.ParseQuery: %XX and '+', repeated keys, key without '=' */
    snprintf(url, sizeof url,
             "http://127.0.0.1:%d/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?"
             "labelSelector=app%%3Dweb%%2Ctier+in+%%28a%%2Cb%%29&watch&labelSelector=x",
             port);
    do_req(&q, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_str(&r.body),
                        "pods ns=default ls=app=web,tier in (a,b) watch= second=x");
    cresp_cleanup(&r);

    /* wildcard */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/apis/metrics.k8s.io/v1beta1/nodes/n1", port);
    do_req(&q, &r);
    assert_string_equal(buf_str(&r.body), "wild rest=nodes/n1");
    cresp_cleanup(&r);

    /* decoded path, every query parameter in order */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/qu%%65ry?b=2&a=1&c=&d=%%E2%%82%%AC", port);
    do_req(&q, &r);
    assert_string_equal(buf_str(&r.body), "path=/query [b=2][a=1][c=][d=\xe2\x82\xac]");
    cresp_cleanup(&r);

    /* JSON response */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/json", port);
    do_req(&q, &r);
    {
        char v[128];
        assert_string_equal(buf_str(&r.body), "{\"kind\":\"PodMetrics\"}");
        assert_string_equal(resp_header(&r, "Content-Type", v, sizeof v), "application/json");
        assert_string_equal(resp_header(&r, "Content-Length", v, sizeof v), "21");
    }
    cresp_cleanup(&r);

    /* HEAD served by the GET route, no body */
    q.method = "HEAD";
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(buf_len(&r.body), 0);
    cresp_cleanup(&r);
    server_free(srv);
}

static void test_404_405_defaults(void **state)
{
    int port;
    struct server *srv;
    struct cresp r;
    char url[256], v[128];
    struct creq q = { 0 };
    (void)state;
    srv = start_plain(&port, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/nope", port);
    q.url = url;
    do_req(&q, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(buf_str(&r.body), "404 page not found\n");
    assert_string_equal(resp_header(&r, "Content-Type", v, sizeof v), "text/plain; charset=utf-8");
    assert_string_equal(resp_header(&r, "X-Content-Type-Options", v, sizeof v), "nosniff");
    cresp_cleanup(&r);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/echo", port);
    q.method = "DELETE";
    do_req(&q, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(buf_str(&r.body), "Method Not Allowed\n");
    assert_string_equal(resp_header(&r, "Allow", v, sizeof v), "POST, PUT");
    cresp_cleanup(&r);
    server_free(srv);
}

static void custom_fallback(const struct server_req *req, struct server_resp *resp, void *ud)
{
    (void)ud;
    server_resp_text(resp, 418, "fallback %s %s", server_req_method(req), server_req_path(req));
}

static void test_error_hook_and_fallback(void **state)
{
    struct server *srv;
    struct cresp r;
    char url[256], err[256], v[128];
    struct creq q = { 0 };
    int port, id;
    (void)state;
    srv = server_new(&(struct server_opts){ .max_body_bytes = 16, .threads = 1 }, err, sizeof err);
    assert_non_null(srv);
    add_routes(srv);
    server_set_error_handler(srv, status_hook, NULL);
    server_set_observer(srv, observer, NULL);
    id = server_listen(srv, "127.0.0.1", 0, err, sizeof err);
    port = server_port(srv, id);
    assert_int_equal(server_start(srv, err, sizeof err), 0);
    assert_int_equal(server_start(srv, err, sizeof err), -EALREADY);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/echo", port);
    q.url = url;
    q.method = "GET";
    do_req(&q, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(buf_str(&r.body),
                        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                        "\"message\":\"Method Not Allowed\",\"code\":405}");
    assert_string_equal(resp_header(&r, "Content-Type", v, sizeof v), "application/json");
    assert_string_equal(resp_header(&r, "Allow", v, sizeof v), "POST, PUT");
    cresp_cleanup(&r);
    q.method = "POST";
    q.body = "this body is longer than sixteen bytes";
    q.bodylen = (long)strlen(q.body);
    do_req(&q, &r);
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(buf_str(&r.body), "\"code\":413"));
    cresp_cleanup(&r);
    /* observer saw the requests (it runs after the response is sent, so allow it a moment) */
    for (int i = 0; i < 200 && atomic_load(&g_obs_count) < 2; i++)
        usleep(5000);
    assert_true(atomic_load(&g_obs_count) >= 2);
    server_free(srv);

    /* custom fallback */
    srv = server_new(NULL, err, sizeof err);
    add_routes(srv);
    server_set_fallback(srv, custom_fallback, NULL);
    server_set_observer(srv, observer, NULL);
    id = server_listen(srv, "127.0.0.1", 0, err, sizeof err);
    port = server_port(srv, id);
    assert_int_equal(server_start(srv, err, sizeof err), 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x/y", port);
    memset(&q, 0, sizeof q);
    q.url = url;
    atomic_store(&g_obs_count, 0);
    do_req(&q, &r);
    assert_int_equal(r.status, 418);
    assert_string_equal(buf_str(&r.body), "fallback GET /x/y");
    cresp_cleanup(&r);
    server_free(srv); /* shutdown completes every request, so the observer has run */
    assert_int_equal(atomic_load(&g_obs_count), 1);
    assert_string_equal(g_obs_last, "GET - 418");
}

static void test_body_limits(void **state)
{
    int port;
    struct server *srv;
    struct cresp r;
    char url[256], v[64];
    struct creq q = { 0 };
    static char big[MAX_BODY + 2], huge[300 * 1024 + 1];
    (void)state;
    srv = start_plain(&port, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/echo", port);
    q.url = url;
    q.method = "POST";

    /* exactly the limit is accepted, with Content-Length and chunked */
    memset(big, 'b', MAX_BODY);
    big[MAX_BODY] = '\0';
    q.body = big;
    q.bodylen = MAX_BODY;
    do_req(&q, &r);
    assert_int_equal(r.status, 201);
    assert_int_equal(buf_len(&r.body), MAX_BODY);
    cresp_cleanup(&r);
    q.bodylen = -1;
    do_req(&q, &r);
    assert_int_equal(r.status, 201);
    assert_int_equal(buf_len(&r.body), MAX_BODY);
    cresp_cleanup(&r);

    /* one byte over: 413, declared or chunked */
    big[MAX_BODY] = 'b';
    big[MAX_BODY + 1] = '\0';
    q.bodylen = MAX_BODY + 1;
    do_req(&q, &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(buf_str(&r.body), "http: request body too large\n");
    assert_string_equal(resp_header(&r, "Connection", v, sizeof v), "close");
    cresp_cleanup(&r);
    q.bodylen = -1;
    do_req(&q, &r);
    assert_int_equal(r.status, 413);
    cresp_cleanup(&r);

    /* a chunked body far past the limit + KG_HTTP_BODY_DISCARD: the connection is cut */
    memset(huge, 'h', sizeof huge - 1);
    q.body = huge;
    q.bodylen = -1;
    do_req(&q, &r);
    assert_true(r.code != CURLE_OK || r.status == 413);
    assert_true(r.status != 201);
    cresp_cleanup(&r);

    /* the server still serves */
    q.body = "ok";
    q.bodylen = 2;
    do_req(&q, &r);
    assert_int_equal(r.status, 201);
    assert_string_equal(buf_str(&r.body), "ok");
    cresp_cleanup(&r);
    server_free(srv);
}

static void test_header_limits_and_headers(void **state)
{
    int port;
    struct server *srv;
    struct cresp r;
    char url[256], v[128];
    struct creq q = { 0 };
    static char hline[MAX_HEADER + 64], hhuge[64 * 1024];
    const char *hdrs[4];
    (void)state;
    srv = start_plain(&port, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hdr", port);
    q.url = url;

    /* case-insensitive lookup, repeated headers in order, multi-value response headers */
    hdrs[0] = "X-Remote-User: jane";
    hdrs[1] = "X-Remote-Group: system:authenticated";
    hdrs[2] = "x-remote-group: dev";
    hdrs[3] = NULL;
    q.headers = hdrs;
    do_req(&q, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_str(&r.body), "user=jane group=system:authenticated group=dev");
    assert_non_null(strstr(buf_str(&r.hdrs), "Warning: 299 - \"one\"\r\n"));
    assert_non_null(strstr(buf_str(&r.hdrs), "Warning: 299 - \"two\"\r\n"));
    cresp_cleanup(&r);

    /* headers over max_header_bytes: our check -> 431 through the error hook path */
    snprintf(hline, sizeof hline, "X-Big: ");
    memset(hline + 7, 'x', MAX_HEADER);
    hline[MAX_HEADER + 7] = '\0';
    hdrs[0] = hline;
    hdrs[1] = NULL;
    do_req(&q, &r);
    assert_int_equal(r.status, 431);
    assert_string_equal(buf_str(&r.body), "431 Request Header Fields Too Large");
    assert_string_equal(resp_header(&r, "Connection", v, sizeof v), "close");
    cresp_cleanup(&r);

    /* far over (beyond the connection's memory pool): libmicrohttpd's own 431 */
    snprintf(hhuge, sizeof hhuge, "X-Huge: ");
    memset(hhuge + 8, 'y', sizeof hhuge - 9);
    hhuge[sizeof hhuge - 1] = '\0';
    hdrs[0] = hhuge;
    do_req(&q, &r);
    assert_int_equal(r.status, 431);
    cresp_cleanup(&r);
    server_free(srv);
}

/* several listeners on different loopback addresses, and a fed connection */
struct accept_arg {
    int lfd;
    struct server *srv;
};

static void *accept_one(void *arg)
{
    struct accept_arg *a = arg;
    int fd = accept(a->lfd, NULL, NULL);
    assert_true(fd >= 0);
    assert_int_equal(server_add_connection(a->srv, fd), 0);
    return NULL;
}

static void test_listeners_and_fed_connections(void **state)
{
    struct server *srv;
    struct cresp r;
    char url[256], err[256], expect[128];
    struct creq q = { 0 };
    int id1, id2, p1, p2, lfd;
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    pthread_t t;
    struct accept_arg aa;
    (void)state;
    srv = server_new(NULL, err, sizeof err);
    add_routes(srv);
    id1 = server_listen(srv, "127.0.0.1", 0, err, sizeof err);
    assert_true(id1 >= 0);
    assert_int_equal(server_start(srv, err, sizeof err), 0);
    /* a listener added while running */
    id2 = server_listen(srv, "127.0.0.2", 0, err, sizeof err);
    assert_true(id2 > id1);
    p1 = server_port(srv, id1);
    p2 = server_port(srv, id2);
    assert_int_equal(server_port(srv, 99), -1);
    /* the same port again is in use */
    assert_int_equal(server_listen(srv, "127.0.0.1", p1, err, sizeof err), -EADDRINUSE);
    assert_non_null(strstr(err, "address already in use"));
    assert_int_equal(server_listen(srv, "no such host.invalid", 0, err, sizeof err), -EINVAL);

    q.url = url;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/addr", p1);
    do_req(&q, &r);
    snprintf(expect, sizeof expect, "local=127.0.0.1:%d remote=127.0.0.1:", p1);
    assert_int_equal(strncmp(buf_str(&r.body), expect, strlen(expect)), 0);
    cresp_cleanup(&r);
    snprintf(url, sizeof url, "http://127.0.0.2:%d/addr", p2);
    do_req(&q, &r);
    snprintf(expect, sizeof expect, "local=127.0.0.2:%d remote=127.0.0.1:", p2);
    assert_int_equal(strncmp(buf_str(&r.body), expect, strlen(expect)), 0);
    cresp_cleanup(&r);

    /* a socket accepted by the application */
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 4), 0);
    getsockname(lfd, (struct sockaddr *)&sa, &sl);
    aa.lfd = lfd;
    aa.srv = srv;
    pthread_create(&t, NULL, accept_one, &aa);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/addr", ntohs(sa.sin_port));
    do_req(&q, &r);
    pthread_join(t, NULL);
    assert_int_equal(r.status, 200);
    snprintf(expect, sizeof expect, "local=127.0.0.1:%d ", ntohs(sa.sin_port));
    assert_int_equal(strncmp(buf_str(&r.body), expect, strlen(expect)), 0);
    cresp_cleanup(&r);
    close(lfd);
    server_free(srv);
}

/* ---- streaming and shutdown ---- */

static void test_streaming(void **state)
{
    int port;
    struct server *srv;
    struct cresp r;
    char url[256], v[64];
    struct creq q = { 0 };
    (void)state;
    srv = start_plain(&port, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/stream", port);
    q.url = url;
    do_req(&q, &r);
    assert_int_equal(atomic_load(&g_producer_started), 1);
    pthread_join(g_producer, NULL);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(buf_str(&r.body),
                        "{\"type\":\"ADDED\"}\n{\"type\":\"MODIFIED\"}\n{\"type\":\"DELETED\"}\n");
    assert_string_equal(resp_header(&r, "Transfer-Encoding", v, sizeof v), "chunked");
    assert_string_equal(resp_header(&r, "Content-Type", v, sizeof v), "application/json");
    /* the events arrived as they were written, not all at the end */
    assert_true(r.nchunks >= 3);
    assert_true(r.chunk_ns[r.nchunks - 1] - r.chunk_ns[0] >= 100 * 1000000LL);
    cresp_cleanup(&r);
    /* the request completes (server side) right after the last chunk is sent */
    for (int i = 0; i < 400 && server_inflight(srv) > 0; i++)
        usleep(5000);
    assert_int_equal(server_inflight(srv), 0);
    server_free(srv);
}

struct bg_req {
    struct creq q;
    struct cresp r;
    pthread_t t;
};

static void *bg_main(void *arg)
{
    struct bg_req *b = arg;
    do_req(&b->q, &b->r);
    return NULL;
}

static void test_shutdown_graceful(void **state)
{
    int port;
    struct server *srv;
    struct bg_req b;
    struct cresp r;
    char url[256], v[64];
    int64_t t0, dt;
    (void)state;
    srv = start_plain(&port, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", port);
    memset(&b, 0, sizeof b);
    b.q.url = url;
    atomic_store(&g_slow_entered, 0);
    atomic_store(&g_slow_ms, 300);
    pthread_create(&b.t, NULL, bg_main, &b);
    for (int i = 0; i < 400 && !atomic_load(&g_slow_entered); i++)
        usleep(5000);
    assert_true(atomic_load(&g_slow_entered));
    assert_int_equal(server_inflight(srv), 1);
    t0 = time_mono_ns();
    assert_int_equal(server_shutdown(srv, 3000), 0);
    dt = time_mono_ns() - t0;
    pthread_join(b.t, NULL);
    /* the request in flight finished normally, and was told the connection closes */
    assert_int_equal(b.r.code, CURLE_OK);
    assert_int_equal(b.r.status, 200);
    assert_string_equal(buf_str(&b.r.body), "done");
    assert_string_equal(resp_header(&b.r, "Connection", v, sizeof v), "close");
    assert_true(dt >= 100 * 1000000LL);
    cresp_cleanup(&b.r);
    /* nothing listens any more */
    {
        struct creq q = { .url = url };
        do_req(&q, &r);
        assert_int_equal(r.code, CURLE_COULDNT_CONNECT);
        cresp_cleanup(&r);
    }
    assert_int_equal(server_shutdown(srv, 0), 0); /* idempotent */
    server_free(srv);
}

static void test_shutdown_deadline(void **state)
{
    int port;
    struct server *srv;
    struct bg_req b;
    char url[256];
    int64_t t0, dt;
    (void)state;
    srv = start_plain(&port, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", port);
    memset(&b, 0, sizeof b);
    b.q.url = url;
    atomic_store(&g_slow_entered, 0);
    atomic_store(&g_slow_ms, 600);
    pthread_create(&b.t, NULL, bg_main, &b);
    for (int i = 0; i < 400 && !atomic_load(&g_slow_entered); i++)
        usleep(5000);
    t0 = time_mono_ns();
    assert_int_equal(server_shutdown(srv, 100), -ETIMEDOUT);
    dt = time_mono_ns() - t0;
    pthread_join(b.t, NULL);
    assert_true(dt < 3000 * 1000000LL);
    cresp_cleanup(&b.r);
    server_free(srv);
}

static void test_shutdown_ends_streams(void **state)
{
    int port;
    struct server *srv;
    struct bg_req b;
    char url[256];
    struct server_stream *st;
    (void)state;
    srv = start_plain(&port, NULL);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/hold", port);
    memset(&b, 0, sizeof b);
    b.q.url = url;
    atomic_store(&g_held, NULL);
    pthread_create(&b.t, NULL, bg_main, &b);
    for (int i = 0; i < 400 && !atomic_load(&g_held); i++)
        usleep(5000);
    st = atomic_load(&g_held);
    assert_non_null(st);
    usleep(50000); /* let the stream drain and park */
    assert_true(server_stream_alive(st));
    assert_int_equal(server_inflight(srv), 1);
    assert_int_equal(server_shutdown(srv, 2000), 0);
    pthread_join(b.t, NULL);
    /* the client got what was written and a proper end of the chunked body */
    assert_int_equal(b.r.code, CURLE_OK);
    assert_int_equal(b.r.status, 200);
    assert_string_equal(buf_str(&b.r.body), "hello\n");
    cresp_cleanup(&b.r);
    /* the producer learns the stream is over and releases it after the server is gone */
    assert_false(server_stream_alive(st));
    assert_int_equal(server_stream_write(st, "x", 1), -EPIPE);
    server_free(srv);
    server_stream_close(st);
}

/* ---- TLS ---- */

static void test_tls_client_identity(void **state)
{
    int port;
    struct server *srv;
    struct cresp r;
    char url[256], cert[512], key[512];
    struct creq q = { 0 };
    (void)state;
    SKIP_WITHOUT_TLS();
    srv = start_tls(&port, g_fx.server_cert, g_fx.server_key, -1);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/whoami", port);
    q.url = url;
    q.tls = 1;

    /* verified client certificate: CN and O visible */
    q.cert = g_fx.client_cert;
    q.key = g_fx.client_key;
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_string_equal(buf_str(&r.body), "tls=1 cert=1 verified=1 ca=0 cn=front-proxy-client "
                                          "orgs=system:masters,kgauge:group err=");
    cresp_cleanup(&r);

    /* a certificate from an unrelated CA: presented, not verified, Go's message */
    q.cert = g_fx.other_client_cert;
    q.key = g_fx.other_client_key;
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_string_equal(buf_str(&r.body), "tls=1 cert=1 verified=0 ca=-1 cn=front-proxy-client "
                                          "orgs=system:masters,kgauge:group "
                                          "err=x509: certificate signed by unknown authority");
    cresp_cleanup(&r);

    /* no certificate: anonymous, the connection is still served */
    q.cert = NULL;
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_string_equal(buf_str(&r.body), "tls=1 cert=0 verified=0 ca=-1 cn= orgs= err=");
    cresp_cleanup(&r);

    /* an expired certificate from the right CA */
    {
        struct tls_fixture_cert c = {
            .name = "expired", .signer = "ca", .kind = TLS_FIXTURE_CLIENT, .cn = "old", .days = -1
        };
        if (tls_fixture_issue(&g_fx, &c, cert, key) != 0)
            fail_msg("%s", g_fx.err);
        q.cert = cert;
        q.key = key;
        do_req(&q, &r);
        assert_int_equal(r.code, CURLE_OK);
        assert_string_equal(buf_str(&r.body),
                            "tls=1 cert=1 verified=0 ca=-1 cn=old orgs= "
                            "err=x509: certificate has expired or is not yet valid");
        cresp_cleanup(&r);
    }
    /* a serving certificate used as a client certificate: wrong extended key usage */
    {
        q.cert = g_fx.server_cert;
        q.key = g_fx.server_key;
        do_req(&q, &r);
        assert_int_equal(r.code, CURLE_OK);
        assert_string_equal(buf_str(&r.body),
                            "tls=1 cert=1 verified=0 ca=-1 cn=localhost orgs= "
                            "err=x509: certificate specifies an incompatible key usage");
        cresp_cleanup(&r);
    }
    /* plain HTTP to the TLS port fails; the server keeps serving */
    {
        struct creq pq = { 0 };
        char purl[256];
        snprintf(purl, sizeof purl, "http://127.0.0.1:%d/whoami", port);
        pq.url = purl;
        do_req(&pq, &r);
        assert_true(r.code != CURLE_OK || r.status != 200);
        cresp_cleanup(&r);
    }
    server_free(srv);
}

static void test_tls_two_client_cas(void **state)
{
    struct server_opts o;
    const char *cas[2];
    struct server *srv;
    struct cresp r;
    char url[256], err[512];
    struct creq q = { 0 };
    int id;
    (void)state;
    SKIP_WITHOUT_TLS();
    memset(&o, 0, sizeof o);
    o.tls_cert_file = g_fx.server_cert;
    o.tls_key_file = g_fx.server_key;
    cas[0] = g_fx.ca_cert;
    cas[1] = g_fx.other_ca_cert;
    o.client_ca_files = cas;
    o.n_client_ca_files = 2;
    srv = server_new(&o, err, sizeof err);
    assert_non_null(srv);
    add_routes(srv);
    id = server_listen(srv, "127.0.0.1", 0, err, sizeof err);
    assert_int_equal(server_start(srv, err, sizeof err), 0);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/whoami", server_port(srv, id));
    q.url = url;
    q.tls = 1;
    q.cert = g_fx.other_client_cert;
    q.key = g_fx.other_client_key;
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_non_null(strstr(buf_str(&r.body), "verified=1 ca=1 "));
    cresp_cleanup(&r);
    q.cert = g_fx.client_cert;
    q.key = g_fx.client_key;
    do_req(&q, &r);
    assert_non_null(strstr(buf_str(&r.body), "verified=1 ca=0 "));
    cresp_cleanup(&r);
    server_free(srv);
}

static void test_tls_alpn_http11(void **state)
{
    int port;
    struct server *srv;
    struct cresp r;
    char url[256];
    struct creq q = { 0 };
    const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
    (void)state;
    SKIP_WITHOUT_TLS();
    if (!(vi->features & CURL_VERSION_HTTP2)) {
        print_message("skipped: this libcurl cannot offer h2\n");
        skip();
    }
    srv = start_tls(&port, g_fx.server_cert, g_fx.server_key, -1);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/json", port);
    q.url = url;
    q.tls = 1;
    q.want_h2 = 1; /* curl offers h2,http/1.1 in ALPN */
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.httpver, CURL_HTTP_VERSION_1_1);
    assert_string_equal(buf_str(&r.body), "{\"kind\":\"PodMetrics\"}");
    cresp_cleanup(&r);
    server_free(srv);
}

/* The leaf's serial from curl's certinfo (OpenSSL prints it in hex, maybe with colons). */
static long serial_of(const struct cresp *r)
{
    char hex[64];
    size_t n = 0;
    for (const char *p = r->serial; *p && n < sizeof hex - 1; p++)
        if (*p != ':' && *p != ' ')
            hex[n++] = *p;
    hex[n] = '\0';
    return n ? strtol(hex, NULL, 16) : -1;
}

static int copy_file(const char *from, const char *to)
{
    char tmp[600], data[16384];
    FILE *in = fopen(from, "rb"), *out;
    size_t n;
    if (!in)
        return -1;
    snprintf(tmp, sizeof tmp, "%s.tmp", to);
    out = fopen(tmp, "wb");
    if (!out) {
        fclose(in);
        return -1;
    }
    while ((n = fread(data, 1, sizeof data, in)) > 0)
        fwrite(data, 1, n, out);
    fclose(in);
    if (fclose(out) != 0)
        return -1;
    return rename(tmp, to); /* atomic replacement, like a kubelet/cert-manager rotation */
}

static void test_tls_reload(void **state)
{
    int port;
    struct server *srv;
    struct cresp r;
    char url[256], live_cert[600], live_key[600], cert2[512], key2[512], err[512];
    struct creq q = { 0 };
    struct tls_fixture_cert c = { .name = "server2",
                                  .signer = "ca",
                                  .kind = TLS_FIXTURE_SERVER,
                                  .cn = "localhost",
                                  .serial = 0x1002 };
    (void)state;
    SKIP_WITHOUT_TLS();
    if (tls_fixture_issue(&g_fx, &c, cert2, key2) != 0)
        fail_msg("%s", g_fx.err);
    tls_fixture_path(&g_fx, "live.crt", live_cert, sizeof live_cert);
    tls_fixture_path(&g_fx, "live.key", live_key, sizeof live_key);
    assert_int_equal(copy_file(g_fx.server_cert, live_cert), 0);
    assert_int_equal(copy_file(g_fx.server_key, live_key), 0);
    srv = start_tls(&port, live_cert, live_key, 1);
    snprintf(url, sizeof url, "https://127.0.0.1:%d/json", port);
    q.url = url;
    q.tls = 1;
    q.certinfo = 1;
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(serial_of(&r), 1001);
    cresp_cleanup(&r);

    /* rotate: the next new connection gets the new certificate, no restart */
    assert_int_equal(copy_file(key2, live_key), 0);
    assert_int_equal(copy_file(cert2, live_cert), 0);
    usleep(20000); /* past the 1 ms check interval */
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(serial_of(&r), 0x1002);
    cresp_cleanup(&r);

    /* a broken rotation (cert and key don't match) keeps serving the last good pair */
    assert_int_equal(copy_file(g_fx.server_cert, live_cert), 0);
    assert_int_equal(server_tls_reload(srv, 0, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "loading serving certificate"));
    do_req(&q, &r);
    assert_int_equal(r.code, CURLE_OK);
    assert_int_equal(serial_of(&r), 0x1002);
    cresp_cleanup(&r);
    /* completing it (the key arrives) switches over */
    assert_int_equal(copy_file(g_fx.server_key, live_key), 0);
    assert_int_equal(server_tls_reload(srv, 0, err, sizeof err), 0);
    do_req(&q, &r);
    assert_int_equal(serial_of(&r), 1001);
    cresp_cleanup(&r);
    server_free(srv);
}

static int group_setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (tls_fixture_create(&g_fx, "front-proxy-client", "system:masters,kgauge:group") == 0) {
        g_fx_ok = 1;
        snprintf(g_ca, sizeof g_ca, "%s", g_fx.ca_cert);
    } else {
        fprintf(stderr, "TLS fixture: %s\n", g_fx.err);
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    tls_fixture_destroy(&g_fx);
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_rules),
        cmocka_unit_test(test_route_pattern_errors),
        cmocka_unit_test(test_server_new_errors),
        cmocka_unit_test(test_routing_params_query),
        cmocka_unit_test(test_404_405_defaults),
        cmocka_unit_test(test_error_hook_and_fallback),
        cmocka_unit_test(test_body_limits),
        cmocka_unit_test(test_header_limits_and_headers),
        cmocka_unit_test(test_listeners_and_fed_connections),
        cmocka_unit_test(test_streaming),
        cmocka_unit_test(test_shutdown_graceful),
        cmocka_unit_test(test_shutdown_deadline),
        cmocka_unit_test(test_shutdown_ends_streams),
        cmocka_unit_test(test_tls_client_identity),
        cmocka_unit_test(test_tls_two_client_cas),
        cmocka_unit_test(test_tls_alpn_http11),
        cmocka_unit_test(test_tls_reload),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
