/*
 * HTTP client over the libcurl multi interface.
 *
 * Each http_req owns one easy handle that is reset and reconfigured at every start, so a
 * per-target request reuses its TLS session cache while connections come from the multi
 * handle's pool. Finished transfers are moved from curl's message queue onto our own
 * intrusive "done" list before any callback runs; callbacks are then popped one at a time,
 * so a callback may free or restart any request (freeing unlinks it from the list).
 */
#include "http/client.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/time.h"

enum req_state {
    REQ_IDLE,    /* never started, finished and delivered, or cancelled */
    REQ_RUNNING, /* attached to the multi handle */
    REQ_DONE,    /* finished, waiting on the client's done list for its callback */
};

struct http_tls {
    atomic_int refs;
    struct curl_blob ca, cert, key; /* data NULL when not given as bytes */
    char *ca_file, *cert_file, *key_file;
    int insecure;
};

struct http_client {
    CURLM *multi;
    char *user_agent;
    int nreqs;  /* requests alive (asserted zero at free) */
    int active; /* RUNNING + DONE */
    int in_perform;
    struct http_req *done_head, *done_tail;
};

struct http_req {
    struct http_client *c;
    CURL *easy;
    enum req_state state;
    struct http_req *done_next, *done_prev;

    /* configuration */
    char *url;
    char method[16];
    char *body;
    size_t body_len;
    struct curl_slist *user_headers; /* as added, copied into the sent list at start */
    char *bearer;
    struct http_tls *tls;
    long timeout_ms, connect_timeout_ms;
    size_t max_body;
    http_done_cb done_cb;
    http_data_cb data_cb;
    void *ud;

    /* per transfer */
    struct curl_slist *sent_headers;
    int64_t start_ns;
    int body_mode; /* 0 undecided, 1 buffer, 2 stream */
    int abort_err; /* set by the write callback when it stops the transfer */
    int sync_done;
    struct buf resp;
    char reason[64];
    char content_type[128];
    char *errmsg; /* malloc'd when a request failed */
    char curl_err[CURL_ERROR_SIZE];
    struct http_result res;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    ASSERT(rc == CURLE_OK);
}

struct http_client *http_client_new(const struct http_client_opts *opts)
{
    pthread_once(&curl_once, curl_init_once);
    struct http_client *c = xcalloc(1, sizeof(*c));
    c->multi = curl_multi_init();
    ASSERT(c->multi != NULL);
    c->user_agent = xstrdup(opts && opts->user_agent ? opts->user_agent : "kgauge/0.1");
    if (opts && opts->max_total_connections > 0)
        curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, opts->max_total_connections);
    if (opts && opts->max_host_connections > 0)
        curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, opts->max_host_connections);
    if (opts && opts->max_cached_connections > 0)
        curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, opts->max_cached_connections);
    return c;
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    ASSERT(c->nreqs == 0);
    curl_multi_cleanup(c->multi);
    free(c->user_agent);
    free(c);
}

void http_client_wakeup(struct http_client *c)
{
    curl_multi_wakeup(c->multi);
}

int http_client_active(const struct http_client *c)
{
    return c->active;
}

/* ---- TLS ---- */

static void blob_copy(struct curl_blob *b, const void *p, size_t n)
{
    b->data = n ? xmemdup(p, n) : NULL;
    b->len = n;
    b->flags = CURL_BLOB_NOCOPY; /* we own it for as long as any request references us */
}

struct http_tls *http_tls_new(const struct http_tls_opts *o, char *err, size_t errlen)
{
    int has_cert = (o->cert_pem && o->cert_len) || (o->cert_file && *o->cert_file);
    int has_key = (o->key_pem && o->key_len) || (o->key_file && *o->key_file);
    if (has_cert != has_key) {
        snprintf(err, errlen, "client certificate and key must be given together (got %s only)",
                 has_cert ? "a certificate" : "a key");
        return NULL;
    }
    struct http_tls *t = xcalloc(1, sizeof(*t));
    atomic_init(&t->refs, 1);
    if (o->ca_pem && o->ca_len)
        blob_copy(&t->ca, o->ca_pem, o->ca_len);
    if (o->cert_pem && o->cert_len)
        blob_copy(&t->cert, o->cert_pem, o->cert_len);
    if (o->key_pem && o->key_len)
        blob_copy(&t->key, o->key_pem, o->key_len);
    if (o->ca_file && *o->ca_file)
        t->ca_file = xstrdup(o->ca_file);
    if (o->cert_file && *o->cert_file)
        t->cert_file = xstrdup(o->cert_file);
    if (o->key_file && *o->key_file)
        t->key_file = xstrdup(o->key_file);
    t->insecure = o->insecure != 0;
    return t;
}

static struct http_tls *tls_ref(struct http_tls *t)
{
    if (t)
        atomic_fetch_add(&t->refs, 1);
    return t;
}

void http_tls_free(struct http_tls *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    free(t->ca.data);
    free(t->cert.data);
    /* key material: clear before release */
    if (t->key.data)
        explicit_bzero(t->key.data, t->key.len);
    free(t->key.data);
    free(t->ca_file);
    free(t->cert_file);
    free(t->key_file);
    free(t);
}

/* ---- request configuration ---- */

struct http_req *http_req_new(struct http_client *c)
{
    struct http_req *r = xcalloc(1, sizeof(*r));
    r->c = c;
    r->easy = curl_easy_init();
    ASSERT(r->easy != NULL);
    memcpy(r->method, "GET", 4);
    r->max_body = KG_HTTP_DEFAULT_MAX_BODY;
    buf_init(&r->resp, r->max_body);
    r->res.reason = r->res.content_type = r->res.body = r->res.errmsg = "";
    c->nreqs++;
    return r;
}

static void done_unlink(struct http_req *r)
{
    struct http_client *c = r->c;
    if (r->done_prev)
        r->done_prev->done_next = r->done_next;
    else
        c->done_head = r->done_next;
    if (r->done_next)
        r->done_next->done_prev = r->done_prev;
    else
        c->done_tail = r->done_prev;
    r->done_next = r->done_prev = NULL;
}

void http_req_cancel(struct http_req *r)
{
    switch (r->state) {
    case REQ_IDLE:
        return;
    case REQ_RUNNING:
        ASSERT(!r->c->in_perform);
        curl_multi_remove_handle(r->c->multi, r->easy);
        break;
    case REQ_DONE:
        done_unlink(r);
        break;
    }
    r->state = REQ_IDLE;
    r->c->active--;
}

void http_req_free(struct http_req *r)
{
    if (!r)
        return;
    http_req_cancel(r);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->user_headers);
    curl_slist_free_all(r->sent_headers);
    free(r->url);
    free(r->body);
    if (r->bearer)
        explicit_bzero(r->bearer, strlen(r->bearer));
    free(r->bearer);
    http_tls_free(r->tls);
    buf_cleanup(&r->resp);
    free(r->errmsg);
    r->c->nreqs--;
    free(r);
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int http_req_set_url(struct http_req *r, const char *url)
{
    if (!url || !*url || strlen(url) > KG_MAX_HTTP_URL || has_ctl(url))
        return -EINVAL;
    free(r->url);
    r->url = xstrdup(url);
    return 0;
}

const char *http_req_url(const struct http_req *r)
{
    return r->url ? r->url : "";
}

int http_req_set_method(struct http_req *r, const char *m)
{
    size_t n = m ? strlen(m) : 0;
    if (n == 0 || n >= sizeof(r->method))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)m[i]))
            return -EINVAL;
    memcpy(r->method, m, n + 1);
    return 0;
}

void http_req_set_body(struct http_req *r, const void *data, size_t len)
{
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
    if (data && len) {
        r->body = xmemdup(data, len);
        r->body_len = len;
    }
}

/* RFC 9110 token characters. */
static int is_tchar(unsigned char ch)
{
    return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

int http_req_add_header(struct http_req *r, const char *name, const char *value)
{
    if (!name || !*name || !value)
        return -EINVAL;
    for (const char *p = name; *p; p++)
        if (!is_tchar((unsigned char)*p))
            return -EINVAL;
    if (strchr(value, '\r') || strchr(value, '\n'))
        return -EINVAL;
    if (strlen(name) + strlen(value) + 2 > KG_MAX_HTTP_REQ_HEADER)
        return -EINVAL;
    /* curl drops "Name:" with an empty value entirely; "Name;" sends it empty. */
    char *line = *value ? xasprintf("%s: %s", name, value) : xasprintf("%s;", name);
    struct curl_slist *l = curl_slist_append(r->user_headers, line);
    free(line);
    ASSERT(l != NULL);
    r->user_headers = l;
    return 0;
}

void http_req_clear_headers(struct http_req *r)
{
    curl_slist_free_all(r->user_headers);
    r->user_headers = NULL;
}

int http_req_set_bearer_token(struct http_req *r, const char *token)
{
    if (token && (strchr(token, '\r') || strchr(token, '\n')))
        return -EINVAL;
    if (r->bearer)
        explicit_bzero(r->bearer, strlen(r->bearer));
    free(r->bearer);
    r->bearer = token && *token ? xstrdup(token) : NULL;
    return 0;
}

void http_req_set_tls(struct http_req *r, struct http_tls *tls)
{
    struct http_tls *old = r->tls;
    r->tls = tls_ref(tls);
    http_tls_free(old);
}

void http_req_set_timeout_ms(struct http_req *r, long ms)
{
    r->timeout_ms = ms > 0 ? ms : 0;
}

void http_req_set_connect_timeout_ms(struct http_req *r, long ms)
{
    r->connect_timeout_ms = ms > 0 ? ms : 0;
}

void http_req_set_max_body(struct http_req *r, size_t max)
{
    r->max_body = max;
}

void http_req_set_callbacks(struct http_req *r, http_done_cb done, http_data_cb data, void *ud)
{
    r->done_cb = done;
    r->data_cb = data;
    r->ud = ud;
}

int http_req_running(const struct http_req *r)
{
    return r->state != REQ_IDLE;
}

const struct http_result *http_req_result(const struct http_req *r)
{
    return &r->res;
}

void http_req_drop_body(struct http_req *r)
{
    buf_cleanup(&r->resp);
    r->res.body = "";
    r->res.body_len = 0;
}

/* ---- transfer callbacks ---- */

int http__parse_header_line(const char *data, size_t len, char *reason, size_t reasonlen,
                            char *ctype, size_t ctypelen)
{
    /* A new status line (after 100 Continue or a retried connection) resets what we saw. */
    if (len > 5 && memcmp(data, "HTTP/", 5) == 0) {
        reason[0] = '\0';
        ctype[0] = '\0';
        const char *end = data + len;
        const char *sp = memchr(data, ' ', len);
        if (!sp)
            return 1;
        const char *p = sp + 1;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p < end && *p == ' ')
            p++;
        size_t m = 0;
        while (p < end && *p != '\r' && *p != '\n' && m + 1 < reasonlen)
            reason[m++] = *p++;
        reason[m] = '\0';
        return 1;
    }
    static const char ct[] = "content-type:";
    if (len > sizeof(ct) - 1 && strncasecmp(data, ct, sizeof(ct) - 1) == 0) {
        const char *p = data + sizeof(ct) - 1, *end = data + len;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        while (end > p && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
            end--;
        size_t m = (size_t)(end - p);
        if (m >= ctypelen)
            m = ctypelen - 1;
        memcpy(ctype, p, m);
        ctype[m] = '\0';
        return 2;
    }
    return 0;
}

static size_t header_cb(char *data, size_t size, size_t n, void *ud)
{
    struct http_req *r = ud;
    size_t len = size * n;
    http__parse_header_line(data, len, r->reason, sizeof(r->reason), r->content_type,
                            sizeof(r->content_type));
    return len;
}

static size_t write_cb(char *data, size_t size, size_t n, void *ud)
{
    struct http_req *r = ud;
    size_t len = size * n;
    if (r->body_mode == 0) {
        long status = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        r->body_mode = (r->data_cb && status >= 200 && status < 300) ? 2 : 1;
        if (r->body_mode == 1) {
            /* Pre-size from Content-Length when it fits, to avoid regrowth. */
            curl_off_t cl = -1;
            curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
            if (cl > 0 && (uint64_t)cl <= r->max_body) {
                int e = 0;
                (void)buf_reserve(&r->resp, (size_t)cl, &e);
            }
        }
    }
    r->res.body_bytes += len;
    if (r->body_mode == 2) {
        int rc = r->data_cb(r, data, len, r->ud);
        if (rc < 0) {
            r->abort_err = rc;
            return 0;
        }
        return len;
    }
    if (buf_append(&r->resp, data, len) != 0) {
        r->abort_err = -E2BIG;
        return 0;
    }
    return len;
}

/* ---- start ---- */

static int host_is_ip(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    int ip = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        unsigned char tmp[16];
        size_t n = strlen(host);
        if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
            host[n - 1] = '\0';
            ip = inet_pton(AF_INET6, host + 1, tmp) == 1;
        } else {
            ip = inet_pton(AF_INET, host, tmp) == 1;
        }
    }
    curl_free(host);
    curl_url_cleanup(u);
    return ip;
}

static int header_present(const struct curl_slist *l, const char *name)
{
    size_t n = strlen(name);
    for (; l; l = l->next)
        if (strncasecmp(l->data, name, n) == 0 && (l->data[n] == ':' || l->data[n] == ';'))
            return 1;
    return 0;
}

static void append_header(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);
    ASSERT(n != NULL);
    *l = n;
}

static void configure(struct http_req *r)
{
    CURL *e = r->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPINTVL, 30L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->curl_err);
    curl_easy_setopt(e, CURLOPT_USERAGENT, r->c->user_agent);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    if (r->timeout_ms)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    if (r->connect_timeout_ms)
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
    /* IP targets (kubelets) never need the resolver cache; keeping 5,000 entries is waste. */
    if (host_is_ip(r->url))
        curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);

    if (strcmp(r->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(r->method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    }

    curl_slist_free_all(r->sent_headers);
    r->sent_headers = NULL;
    for (const struct curl_slist *l = r->user_headers; l; l = l->next)
        append_header(&r->sent_headers, l->data);
    if (r->bearer && !header_present(r->user_headers, "Authorization")) {
        char *h = xasprintf("Authorization: Bearer %s", r->bearer);
        append_header(&r->sent_headers, h);
        explicit_bzero(h, strlen(h));
        free(h);
    }
    /* Go sends neither of these; curl would add them to bodies. */
    if (!header_present(r->user_headers, "Expect"))
        append_header(&r->sent_headers, "Expect:");
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
        !header_present(r->user_headers, "Content-Type"))
        append_header(&r->sent_headers, "Content-Type:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->sent_headers);

    struct http_tls *t = r->tls;
    if (t) {
        if (t->ca.data || t->ca_file) {
            if (t->ca.data)
                curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &t->ca);
            else
                curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
            curl_easy_setopt(e, CURLOPT_CAPATH, NULL); /* private CA only */
        }
        if (t->cert.data)
            curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &t->cert);
        else if (t->cert_file)
            curl_easy_setopt(e, CURLOPT_SSLCERT, t->cert_file);
        if (t->key.data)
            curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &t->key);
        else if (t->key_file)
            curl_easy_setopt(e, CURLOPT_SSLKEY, t->key_file);
        if (t->insecure) {
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
}

int http_req_start(struct http_req *r)
{
    if (r->state != REQ_IDLE)
        return -EBUSY;
    if (!r->url)
        return -EINVAL;
    ASSERT(!r->c->in_perform);
    configure(r);
    buf_cleanup(&r->resp);
    buf_init(&r->resp, r->max_body);
    memset(&r->res, 0, sizeof(r->res));
    r->res.reason = r->res.content_type = r->res.body = r->res.errmsg = "";
    r->reason[0] = r->content_type[0] = r->curl_err[0] = '\0';
    free(r->errmsg);
    r->errmsg = NULL;
    r->body_mode = 0;
    r->abort_err = 0;
    r->sync_done = 0;
    r->start_ns = time_mono_ns();
    CURLMcode mc = curl_multi_add_handle(r->c->multi, r->easy);
    ASSERT(mc == CURLM_OK);
    r->state = REQ_RUNNING;
    r->c->active++;
    return 0;
}

/* ---- completion ---- */

/* Go's url.Error Op: the method with only its first letter upper case ("Get", "Patch"). */
static void go_op(const char *method, char *out, size_t outlen)
{
    size_t i = 0;
    for (; method[i] && i + 1 < outlen; i++)
        out[i] = i == 0 ? method[i] : (char)tolower((unsigned char)method[i]);
    out[i] = '\0';
}

/* "host:port" of the URL (IPv6 hosts stay bracketed), for dial error messages. */
static void url_hostport(const char *url, char *out, size_t outlen)
{
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    out[0] = '\0';
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(out, outlen, "%s:%s", host, port);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

static void lower_first(char *s)
{
    if (s[0])
        s[0] = (char)tolower((unsigned char)s[0]);
}

/* Maps curl's outcome to (errno, Go-style detail) and writes "Op \"url\": detail". */
static void classify(struct http_req *r, CURLcode cc)
{
    char detail[CURL_ERROR_SIZE + 256];
    char hp[300];
    int err = -EIO;
    long oserr = 0;
    curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr);
    const char *cerr = r->curl_err[0] ? r->curl_err : curl_easy_strerror(cc);

    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        err = -ETIMEDOUT;
        snprintf(detail, sizeof(detail), "context deadline exceeded");
        break;
    case CURLE_COULDNT_CONNECT: {
        char es[128];
        err = oserr > 0 ? -(int)oserr : -ECONNREFUSED;
        snprintf(es, sizeof(es), "%s", strerror(-err));
        lower_first(es);
        url_hostport(r->url, hp, sizeof(hp));
        snprintf(detail, sizeof(detail), "dial tcp %s: connect: %s", hp, es);
        break;
    }
    case CURLE_COULDNT_RESOLVE_HOST: {
        err = -EHOSTUNREACH;
        url_hostport(r->url, hp, sizeof(hp));
        char *colon = strrchr(hp, ':');
        if (colon)
            *colon = '\0';
        snprintf(detail, sizeof(detail), "dial tcp: lookup %s: no such host", hp);
        break;
    }
    case CURLE_WRITE_ERROR:
        if (r->abort_err == -E2BIG) {
            err = -E2BIG;
            snprintf(detail, sizeof(detail), "response body exceeds the limit of %zu bytes",
                     r->max_body);
        } else if (r->abort_err < 0) {
            char es[128];
            err = r->abort_err;
            snprintf(es, sizeof(es), "%s", strerror(-err));
            lower_first(es);
            snprintf(detail, sizeof(detail), "stream aborted: %s", es);
        } else {
            snprintf(detail, sizeof(detail), "%s", cerr);
        }
        break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_SEND_ERROR:
        err = -ECONNRESET;
        snprintf(detail, sizeof(detail), "%s", r->res.status ? "unexpected EOF" : "EOF");
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
        err = -EPROTO;
        if (strstr(cerr, "unable to get local issuer") || strstr(cerr, "self signed") ||
            strstr(cerr, "self-signed") || strstr(cerr, "unable to verify the first"))
            snprintf(detail, sizeof(detail),
                     "tls: failed to verify certificate: x509: certificate signed by unknown "
                     "authority");
        else if (strstr(cerr, "expired"))
            snprintf(detail, sizeof(detail),
                     "tls: failed to verify certificate: x509: certificate has expired or is "
                     "not yet valid");
        else if (strstr(cerr, "subject name") || strstr(cerr, "does not match"))
            snprintf(detail, sizeof(detail),
                     "tls: failed to verify certificate: x509: certificate is not valid for the "
                     "requested host (%s)",
                     cerr);
        else
            snprintf(detail, sizeof(detail), "tls: %s", cerr);
        break;
    default:
        snprintf(detail, sizeof(detail), "%s", cerr);
        break;
    }
    char op[16];
    go_op(r->method, op, sizeof(op));
    free(r->errmsg);
    r->errmsg = xasprintf("%s \"%s\": %s", op, r->url, detail);
    r->res.error = err;
}

static int64_t us_info(CURL *e, CURLINFO what)
{
    curl_off_t v = 0;
    curl_easy_getinfo(e, what, &v);
    return (int64_t)v * NS_PER_US;
}

static void finish(struct http_req *r, CURLcode cc)
{
    struct http_result *res = &r->res;
    CURL *e = r->easy;
    long status = 0, nconn = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &nconn);
    res->status = status;
    res->new_connections = nconn;
    res->total_ns = time_mono_ns() - r->start_ns;
    res->connect_ns = nconn ? us_info(e, CURLINFO_CONNECT_TIME_T) : 0;
    res->tls_ns = nconn ? us_info(e, CURLINFO_APPCONNECT_TIME_T) : 0;
    res->first_byte_ns = us_info(e, CURLINFO_STARTTRANSFER_TIME_T);
    res->reason = r->reason;
    res->content_type = r->content_type;
    res->streamed = r->body_mode == 2;
    res->body = buf_str(&r->resp);
    res->body_len = buf_len(&r->resp);
    res->error = 0;
    if (cc != CURLE_OK)
        classify(r, cc);
    res->errmsg = r->errmsg ? r->errmsg : "";
}

/* Moves finished transfers from curl's queue onto our done list. */
static void collect(struct http_client *c)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct http_req *r = NULL;
        CURL *e = m->easy_handle;
        CURLcode cc = m->data.result;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
        ASSERT(r && r->state == REQ_RUNNING);
        finish(r, cc);
        curl_multi_remove_handle(c->multi, e);
        r->state = REQ_DONE;
        r->done_prev = c->done_tail;
        r->done_next = NULL;
        if (c->done_tail)
            c->done_tail->done_next = r;
        else
            c->done_head = r;
        c->done_tail = r;
    }
}

static void dispatch(struct http_client *c)
{
    struct http_req *r;
    while ((r = c->done_head) != NULL) {
        done_unlink(r);
        r->state = REQ_IDLE;
        r->sync_done = 1;
        c->active--;
        if (r->done_cb)
            r->done_cb(r, &r->res, r->ud); /* may free r: do not touch it afterwards */
    }
}

int http_client_run(struct http_client *c, int timeout_ms)
{
    ASSERT(!c->in_perform);
    int running = 0;
    if (timeout_ms > 0 && !c->done_head)
        curl_multi_poll(c->multi, NULL, 0, timeout_ms, NULL);
    c->in_perform = 1;
    curl_multi_perform(c->multi, &running);
    c->in_perform = 0;
    collect(c);
    dispatch(c);
    return c->active;
}

int http_client_do(struct http_client *c, struct http_req *r)
{
    int rc = http_req_start(r);
    if (rc)
        return rc;
    while (!r->sync_done)
        http_client_run(c, 1000);
    return r->res.error;
}
