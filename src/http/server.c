/*
 * HTTP/HTTPS server on libmicrohttpd 0.9.75 (GnuTLS).
 *
 * The daemon runs without a listen socket (MHD_USE_NO_LISTEN_SOCKET): our accept thread
 * epolls any number of listen sockets and hands connections to MHD_add_connection(), which
 * spreads them over the epoll worker pool. That gives several bind addresses per server and
 * lets the application feed sockets it accepted itself.
 *
 * TLS material lives in reference-counted "generations" (a GnuTLS credentials object with the
 * serving chain, key and client-CA subjects, plus one trust list per client CA file). When MHD
 * announces a new connection (MHD_CONNECTION_NOTIFY_STARTED, after the TLS session exists and
 * before the handshake), the connection takes a reference to the current generation and we
 * install its credentials on the session, replacing the daemon-wide ones MHD set; the
 * reference is dropped at MHD_CONNECTION_NOTIFY_CLOSED, which MHD sends after gnutls_deinit().
 * Reloading is therefore just swapping the current pointer; no certificate callback and no
 * per-handshake copies are needed. MHD itself offers ALPN "http/1.1" and "http/1.0" only.
 *
 * A request goes through the access callback in three phases: headers (allocate the request
 * context, enforce the header and declared body limits), body chunks (bounded buffer), end
 * (route, run the handler, queue the response). Streams are callback responses whose reader
 * suspends the connection while empty; writers resume it. The stream mutex is held across
 * MHD_suspend_connection() and MHD_resume_connection() so a resume can never overtake the
 * suspend it answers.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "util/err.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/time.h"

#define DEFAULT_THREADS 4u
#define DEFAULT_MAX_CONNECTIONS 10000u
#define DEFAULT_CONN_TIMEOUT_S 90u
#define DEFAULT_RELOAD_MS 1000
#define DEFAULT_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define STREAM_BLOCK (32u * 1024)
#define ADDR_STRLEN (INET6_ADDRSTRLEN + 10)

/* ---- small helpers ---- */

/* strerror() as Go prints errno values: "address already in use". */
static const char *errno_text(int e, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", strerror(e));
    if (out[0] && out[1] && !isupper((unsigned char)out[1]))
        out[0] = (char)tolower((unsigned char)out[0]);
    return out;
}

static int64_t mono_ms(void)
{
    return time_mono_ns() / 1000000;
}

/* ---- TLS generations ---- */

struct tls_gen {
    int refs; /* guarded by server.tls_mu */
    gnutls_certificate_credentials_t cred;
    gnutls_x509_trust_list_t trust[KG_MAX_HTTP_CLIENT_CAS];
    size_t n_ca;
};

struct file_stamp {
    int ok;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim;
};

/* ---- routes ---- */

enum seg_kind { SEG_WILD = 0, SEG_PARAM = 1, SEG_LIT = 2 }; /* value = specificity rank */

struct route {
    char *method;
    char *pattern;
    size_t nsegs;
    char **segs; /* literal text or parameter name */
    unsigned char *kind;
    size_t nparams;
    server_handler_fn fn;
    void *ud;
};

/* ---- per-connection, per-request and stream state ---- */

struct conn_ctx {
    struct server *srv;
    struct tls_gen *gen; /* reference, TLS connections only */
    int peer_done;
    struct server_peer peer;
    char *cn;
    char **orgs;
    char verify_error[160];
    char remote[ADDR_STRLEN];
    char local[ADDR_STRLEN];
};

struct req_ctx {
    struct server *srv;
    struct conn_ctx *cc;
    struct buf body;
    size_t discarded;
    int reject; /* 413/431 decided before the body ended */
    int queued; /* a response was queued */
    int status; /* status queued */
    const char *pattern;
    char method[16];
    int64_t start_ns;
};

struct server_stream {
    pthread_mutex_t mu;
    int refs;
    struct MHD_Connection *conn; /* NULL once MHD released the response */
    int suspended;
    int ended; /* no more writes: closed by the application or by shutdown */
    struct buf data;
    struct server *srv;
    struct server_stream *prev, *next; /* server.streams, guarded by server.mu */
};

struct resp_hdr {
    char *name;
    char *value;
};

struct server_resp {
    struct server *srv;
    int status;
    struct resp_hdr *hdrs;
    size_t nhdrs, caphdrs;
    struct buf body;
    struct server_stream *stream;
    size_t stream_max;
    int close;
    int wants_stream;
    struct MHD_Connection *conn;
};

struct server_req {
    struct server *srv;
    struct req_ctx *rc;
    struct MHD_Connection *conn;
    const char *method, *path, *version;
    const struct server_match *m;
};

enum srv_state { SRV_NEW, SRV_RUNNING, SRV_DRAINING, SRV_STOPPED };

struct listener {
    int fd;
    int port;
};

struct server {
    char *name;
    int tls;
    char *cert_file, *key_file;
    char *ca_files[KG_MAX_HTTP_CLIENT_CAS];
    size_t n_ca;
    int reload_ms;
    char *priorities;
    unsigned threads, max_conns, timeout_s;
    size_t max_header, max_body, max_resp;

    struct route *routes;
    size_t nroutes;
    server_handler_fn fallback;
    void *fallback_ud;
    server_error_fn error_fn;
    void *error_ud;
    server_observer_fn observer;
    void *observer_ud;

    /* TLS: reload_mu serialises reloads and guards stamps; tls_mu guards gen and refs. */
    pthread_mutex_t reload_mu, tls_mu;
    struct tls_gen *gen;
    struct file_stamp stamps[2 + KG_MAX_HTTP_CLIENT_CAS];
    _Atomic int64_t next_check_ms;
    char *mhd_cert_pem, *mhd_key_pem; /* MHD needs a daemon-wide pair at start */

    /* mu guards listeners, streams, inflight and state transitions. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    struct listener *ls;
    size_t nls, capls;
    int epfd, wakefd;
    pthread_t accept_thr;
    int accept_started;
    atomic_int stopping;
    atomic_int state;
    struct MHD_Daemon *d;
    unsigned inflight;
    struct server_stream *streams;
};

static void gen_free(struct tls_gen *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_ca; i++)
        gnutls_x509_trust_list_deinit(g->trust[i], 1);
    if (g->cred)
        gnutls_certificate_free_credentials(g->cred);
    free(g);
}

static struct tls_gen *gen_acquire(struct server *srv)
{
    struct tls_gen *g;
    pthread_mutex_lock(&srv->tls_mu);
    g = srv->gen;
    g->refs++;
    pthread_mutex_unlock(&srv->tls_mu);
    return g;
}

static void gen_release(struct server *srv, struct tls_gen *g)
{
    int last;
    if (!g)
        return;
    pthread_mutex_lock(&srv->tls_mu);
    last = --g->refs == 0;
    pthread_mutex_unlock(&srv->tls_mu);
    if (last)
        gen_free(g);
}

/* Reads a whole file of at most KG_MAX_CONFIG_FILE bytes, NUL-terminated. */
static int read_file(const char *path, char **out, size_t *outlen, char *err, size_t errlen)
{
    struct buf b;
    int fd = -1, rc = 0;
    buf_init(&b, KG_MAX_CONFIG_FILE);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        kg_set_err(err, errlen, "open %s: %s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        int e = 0;
        char *p = buf_reserve(&b, 16384, &e);
        ssize_t n;
        if (!p) {
            rc = -E2BIG;
            kg_set_err(err, errlen, "read %s: file larger than %u bytes", path, KG_MAX_CONFIG_FILE);
            goto out;
        }
        n = read(fd, p, 16384);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            kg_set_err(err, errlen, "read %s: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        buf_commit(&b, (size_t)n);
    }
    *out = buf_take(&b, outlen);
out:
    if (fd >= 0)
        close(fd);
    buf_cleanup(&b);
    return rc;
}

static void stamp_file(const char *path, struct file_stamp *st)
{
    struct stat sb;
    memset(st, 0, sizeof *st);
    if (stat(path, &sb) != 0)
        return;
    st->ok = 1;
    st->dev = sb.st_dev;
    st->ino = sb.st_ino;
    st->size = sb.st_size;
    st->mtim = sb.st_mtim;
}

static int stamp_equal(const struct file_stamp *a, const struct file_stamp *b)
{
    return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtim.tv_sec == b->mtim.tv_sec && a->mtim.tv_nsec == b->mtim.tv_nsec;
}

/* Loads cert, key and CA files into a new generation (refs = 1). When keep_pem is set the
 * cert and key PEM are returned for MHD's daemon-wide credentials. */
static int gen_load(struct server *srv, struct tls_gen **out, char **cert_pem, char **key_pem,
                    char *err, size_t errlen)
{
    struct tls_gen *g = xcalloc(1, sizeof *g);
    char *cert = NULL, *key = NULL, *ca = NULL;
    size_t certlen = 0, keylen = 0, calen = 0;
    gnutls_datum_t dc, dk;
    int rc, r;

    g->refs = 1;
    rc = read_file(srv->cert_file, &cert, &certlen, err, errlen);
    if (rc < 0)
        goto out;
    rc = read_file(srv->key_file, &key, &keylen, err, errlen);
    if (rc < 0)
        goto out;
    if (gnutls_certificate_allocate_credentials(&g->cred) < 0) {
        rc = -ENOMEM;
        kg_set_err(err, errlen, "allocating TLS credentials failed");
        goto out;
    }
    dc.data = (unsigned char *)cert;
    dc.size = (unsigned)certlen;
    dk.data = (unsigned char *)key;
    dk.size = (unsigned)keylen;
    r = gnutls_certificate_set_x509_key_mem2(g->cred, &dc, &dk, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (r < 0) {
        rc = -EINVAL;
        kg_set_err(err, errlen, "loading serving certificate %s with key %s: %s", srv->cert_file,
                   srv->key_file, gnutls_strerror(r));
        goto out;
    }
    for (size_t i = 0; i < srv->n_ca; i++) {
        gnutls_datum_t da;
        free(ca);
        ca = NULL;
        rc = read_file(srv->ca_files[i], &ca, &calen, err, errlen);
        if (rc < 0)
            goto out;
        da.data = (unsigned char *)ca;
        da.size = (unsigned)calen;
        if (gnutls_x509_trust_list_init(&g->trust[i], 0) < 0) {
            rc = -ENOMEM;
            kg_set_err(err, errlen, "allocating a trust list failed");
            goto out;
        }
        g->n_ca = i + 1;
        r = gnutls_x509_trust_list_add_trust_mem(g->trust[i], &da, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
        if (r <= 0) {
            rc = -EINVAL;
            kg_set_err(err, errlen, "loading client CA file %s: %s", srv->ca_files[i],
                       r < 0 ? gnutls_strerror(r) : "no PEM certificates found");
            goto out;
        }
        /* The subjects go into CertificateRequest as acceptable CAs. */
        r = gnutls_certificate_set_x509_trust_mem(g->cred, &da, GNUTLS_X509_FMT_PEM);
        if (r < 0) {
            rc = -EINVAL;
            kg_set_err(err, errlen, "loading client CA file %s: %s", srv->ca_files[i],
                       gnutls_strerror(r));
            goto out;
        }
    }
    rc = 0;
    if (cert_pem) {
        *cert_pem = cert;
        cert = NULL;
    }
    if (key_pem) {
        *key_pem = key;
        key = NULL;
    }
out:
    if (key) {
        memset(key, 0, keylen);
        free(key);
    }
    free(cert);
    free(ca);
    if (rc < 0) {
        gen_free(g);
        g = NULL;
    }
    *out = g;
    return rc;
}

/* Stats the files; reloads when they changed or force. Caller holds reload_mu. */
static int tls_reload_locked(struct server *srv, int force, char *err, size_t errlen)
{
    struct file_stamp now[2 + KG_MAX_HTTP_CLIENT_CAS];
    size_t nfiles = 2 + srv->n_ca;
    int changed = force, rc;
    struct tls_gen *g = NULL, *old;

    stamp_file(srv->cert_file, &now[0]);
    stamp_file(srv->key_file, &now[1]);
    for (size_t i = 0; i < srv->n_ca; i++)
        stamp_file(srv->ca_files[i], &now[2 + i]);
    for (size_t i = 0; i < nfiles && !changed; i++)
        changed = !stamp_equal(&now[i], &srv->stamps[i]);
    if (!changed)
        return 0;
    /* Remember what we tried, so a broken set is reported once, not at every check. */
    memcpy(srv->stamps, now, sizeof(now[0]) * nfiles);
    rc = gen_load(srv, &g, NULL, NULL, err, errlen);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&srv->tls_mu);
    old = srv->gen;
    srv->gen = g;
    pthread_mutex_unlock(&srv->tls_mu);
    gen_release(srv, old);
    log_info("%s: loaded serving certificate %s", srv->name, srv->cert_file);
    return 0;
}

int server_tls_reload(struct server *srv, int force, char *err, size_t errlen)
{
    int rc;
    if (!srv->tls)
        return 0;
    pthread_mutex_lock(&srv->reload_mu);
    rc = tls_reload_locked(srv, force, err, errlen);
    pthread_mutex_unlock(&srv->reload_mu);
    return rc;
}

/* On each new TLS connection: a rate-limited, non-blocking check of the files. */
static void tls_maybe_reload(struct server *srv)
{
    char err[KG_ERRBUF];
    int64_t now;
    if (srv->reload_ms < 0)
        return;
    now = mono_ms();
    if (now < atomic_load(&srv->next_check_ms))
        return;
    if (pthread_mutex_trylock(&srv->reload_mu) != 0)
        return; /* another thread is checking; use the current files */
    if (now >= atomic_load(&srv->next_check_ms)) {
        atomic_store(&srv->next_check_ms, now + srv->reload_ms);
        if (tls_reload_locked(srv, 0, err, sizeof err) < 0)
            log_warn("%s: keeping the previous serving certificate: %s", srv->name, err);
    }
    pthread_mutex_unlock(&srv->reload_mu);
}

/* ---- client identity ---- */

static const char *verify_status_text(unsigned status, char *tmp, size_t tmplen)
{
    if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
        return "x509: certificate signed by unknown authority";
    if (status & (GNUTLS_CERT_EXPIRED | GNUTLS_CERT_NOT_ACTIVATED))
        return "x509: certificate has expired or is not yet valid";
    if (status & GNUTLS_CERT_PURPOSE_MISMATCH)
        return "x509: certificate specifies an incompatible key usage";
    if (status & GNUTLS_CERT_SIGNER_NOT_CA)
        return "x509: certificate signed by a non-CA certificate";
    if (status & GNUTLS_CERT_SIGNATURE_FAILURE)
        return "x509: certificate signature is invalid";
    snprintf(tmp, tmplen, "x509: certificate verification failed (GnuTLS status 0x%x)", status);
    return tmp;
}

/* Reads all values of one subject attribute; returns count or -E2BIG for an over-long one. */
static int subject_values(gnutls_x509_crt_t crt, const char *oid, char **vals, size_t max)
{
    size_t n = 0;
    for (unsigned idx = 0;; idx++) {
        char tmp[KG_MAX_HTTP_PEER_NAME + 1];
        size_t sz = sizeof tmp;
        int r = gnutls_x509_crt_get_dn_by_oid(crt, oid, idx, 0, tmp, &sz);
        if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (r < 0 || n >= max || sz > KG_MAX_HTTP_PEER_NAME) {
            for (size_t i = 0; i < n; i++) {
                free(vals[i]);
                vals[i] = NULL;
            }
            return -E2BIG;
        }
        vals[n++] = xstrndup(tmp, sz);
    }
    return (int)n;
}

static void peer_compute(struct conn_ctx *cc, struct MHD_Connection *conn)
{
    struct server_peer *p = &cc->peer;
    const union MHD_ConnectionInfo *ci;
    gnutls_session_t s;
    const gnutls_datum_t *certs;
    unsigned ncerts = 0;
    gnutls_x509_crt_t crts[KG_MAX_HTTP_PEER_CHAIN];
    size_t ncrts = 0;
    char *cns[8] = { 0 };
    int ncn, norg;
    char tmp[96];

    cc->peer_done = 1;
    p->ca_index = -1;
    p->cn = "";
    p->verify_error = "";
    p->orgs = NULL;
    p->n_orgs = 0;
    if (!cc->gen)
        return;
    p->tls = 1;
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!ci)
        return;
    s = (gnutls_session_t)ci->tls_session;
    certs = gnutls_certificate_get_peers(s, &ncerts);
    if (!certs || ncerts == 0)
        return;
    p->has_cert = 1;
    if (ncerts > KG_MAX_HTTP_PEER_CHAIN)
        ncerts = KG_MAX_HTTP_PEER_CHAIN;
    for (unsigned i = 0; i < ncerts; i++) {
        if (gnutls_x509_crt_init(&crts[ncrts]) < 0)
            break;
        if (gnutls_x509_crt_import(crts[ncrts], &certs[i], GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(crts[ncrts]);
            break;
        }
        ncrts++;
    }
    if (ncrts == 0) {
        snprintf(cc->verify_error, sizeof cc->verify_error, "x509: malformed certificate");
        p->verify_error = cc->verify_error;
        goto out;
    }
    /* Go's pkix.Name keeps the last CN and every O in order. */
    ncn = subject_values(crts[0], GNUTLS_OID_X520_COMMON_NAME, cns, 8);
    cc->orgs = xcalloc(KG_MAX_HTTP_PEER_ORGS + 1, sizeof(char *));
    norg =
        subject_values(crts[0], GNUTLS_OID_X520_ORGANIZATION_NAME, cc->orgs, KG_MAX_HTTP_PEER_ORGS);
    if (ncn < 0 || norg < 0) {
        snprintf(cc->verify_error, sizeof cc->verify_error,
                 "x509: certificate subject has too many or too long CN/O values");
        p->verify_error = cc->verify_error;
        goto out;
    }
    if (ncn > 0) {
        cc->cn = cns[ncn - 1];
        cns[ncn - 1] = NULL;
        p->cn = cc->cn;
    }
    p->orgs = (const char *const *)cc->orgs;
    p->n_orgs = (size_t)norg;
    if (cc->gen->n_ca == 0) {
        snprintf(cc->verify_error, sizeof cc->verify_error, "no client CA configured");
        p->verify_error = cc->verify_error;
        goto out;
    }
    /* Verified by any CA file is enough. Otherwise report the most telling failure: one
     * where the signer was found (expired, wrong usage) beats "unknown authority". */
    for (size_t i = 0, best = 0; i < cc->gen->n_ca; i++) {
        unsigned status = 0;
        size_t rank;
        gnutls_typed_vdata_st vd = { .type = GNUTLS_DT_KEY_PURPOSE_OID,
                                     .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT };
        int r = gnutls_x509_trust_list_verify_crt2(cc->gen->trust[i], crts, (unsigned)ncrts, &vd, 1,
                                                   0, &status, NULL);
        if (r == 0 && status == 0) {
            p->verified = 1;
            p->ca_index = (int)i;
            cc->verify_error[0] = '\0';
            break;
        }
        rank = r < 0 ? 2 : (status & GNUTLS_CERT_SIGNER_NOT_FOUND) ? 1 : 3;
        if (rank > best) {
            best = rank;
            if (r < 0)
                snprintf(cc->verify_error, sizeof cc->verify_error, "x509: %s", gnutls_strerror(r));
            else
                snprintf(cc->verify_error, sizeof cc->verify_error, "%s",
                         verify_status_text(status, tmp, sizeof tmp));
        }
    }
    p->verify_error = cc->verify_error;
out:
    for (size_t i = 0; i < 8; i++)
        free(cns[i]);
    for (size_t i = 0; i < ncrts; i++)
        gnutls_x509_crt_deinit(crts[i]);
}

static void conn_ctx_free(struct conn_ctx *cc)
{
    if (!cc)
        return;
    gen_release(cc->srv, cc->gen);
    free(cc->cn);
    if (cc->orgs) {
        for (size_t i = 0; cc->orgs[i]; i++)
            free(cc->orgs[i]);
        free(cc->orgs);
    }
    free(cc);
}

/* ---- routing ---- */

static int is_token_char(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int valid_token(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!is_token_char((unsigned char)*s))
            return 0;
    return 1;
}

static void route_cleanup(struct route *r)
{
    for (size_t i = 0; i < r->nsegs; i++)
        free(r->segs[i]);
    free(r->segs);
    free(r->kind);
    free(r->method);
    free(r->pattern);
}

/* Parses pattern into r (segments, kinds). */
static int route_parse(struct route *r, const char *pattern, char *err, size_t errlen)
{
    const char *p;
    size_t n = 0;
    int rc = 0;

    if (pattern[0] != '/') {
        kg_set_err(err, errlen, "route pattern %s: must start with '/'", pattern);
        return -EINVAL;
    }
    r->segs = xcalloc(KG_MAX_HTTP_PATH_SEGMENTS, sizeof(char *));
    r->kind = xcalloc(KG_MAX_HTTP_PATH_SEGMENTS, 1);
    p = pattern + 1;
    for (;;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == KG_MAX_HTTP_PATH_SEGMENTS) {
            kg_set_err(err, errlen, "route pattern %s: more than %d segments", pattern,
                       KG_MAX_HTTP_PATH_SEGMENTS);
            rc = -EINVAL;
            goto out;
        }
        if (len == 1 && p[0] == '*') {
            if (e) {
                kg_set_err(err, errlen, "route pattern %s: '*' must be the last segment", pattern);
                rc = -EINVAL;
                goto out;
            }
            r->kind[n] = SEG_WILD;
            r->segs[n++] = xstrdup("*");
            break;
        }
        if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
            if (len == 2) {
                kg_set_err(err, errlen, "route pattern %s: empty parameter name", pattern);
                rc = -EINVAL;
                goto out;
            }
            for (size_t i = 1; i + 1 < len; i++) {
                if (!isalnum((unsigned char)p[i]) && p[i] != '_') {
                    kg_set_err(err, errlen,
                               "route pattern %s: parameter names may use letters, digits and '_'",
                               pattern);
                    rc = -EINVAL;
                    goto out;
                }
            }
            r->kind[n] = SEG_PARAM;
            r->segs[n] = xstrndup(p + 1, len - 2);
            for (size_t i = 0; i < n; i++) {
                if (r->kind[i] == SEG_PARAM && strcmp(r->segs[i], r->segs[n]) == 0) {
                    kg_set_err(err, errlen, "route pattern %s: parameter {%s} appears twice",
                               pattern, r->segs[n]);
                    free(r->segs[n]);
                    r->segs[n] = NULL;
                    rc = -EINVAL;
                    goto out;
                }
            }
            n++;
            if (++r->nparams > KG_MAX_HTTP_ROUTE_PARAMS) {
                kg_set_err(err, errlen, "route pattern %s: more than %d parameters", pattern,
                           KG_MAX_HTTP_ROUTE_PARAMS);
                rc = -EINVAL;
                goto out;
            }
        } else {
            for (size_t i = 0; i < len; i++) {
                if (p[i] == '{' || p[i] == '}' || p[i] == '*' || p[i] == '?') {
                    kg_set_err(err, errlen,
                               "route pattern %s: '%c' is only allowed as a whole segment "
                               "({name} or a final *)",
                               pattern, p[i]);
                    rc = -EINVAL;
                    goto out;
                }
            }
            r->kind[n] = SEG_LIT;
            r->segs[n++] = xstrndup(p, len);
        }
        if (!e)
            break;
        p = e + 1;
    }
out:
    r->nsegs = n;
    return rc;
}

int server_route(struct server *srv, const char *method, const char *pattern, server_handler_fn fn,
                 void *ud, char *err, size_t errlen)
{
    struct route r;
    int rc;

    ASSERT(atomic_load(&srv->state) == SRV_NEW);
    ASSERT(fn != NULL);
    memset(&r, 0, sizeof r);
    if (!method || (strcmp(method, "*") != 0 && !valid_token(method))) {
        kg_set_err(err, errlen, "route %s: method %s is not an HTTP token", pattern ? pattern : "",
                   method ? method : "(null)");
        return -EINVAL;
    }
    if (!pattern) {
        kg_set_err(err, errlen, "route: NULL pattern");
        return -EINVAL;
    }
    for (size_t i = 0; i < srv->nroutes; i++) {
        if (strcmp(srv->routes[i].method, method) == 0 &&
            strcmp(srv->routes[i].pattern, pattern) == 0) {
            kg_set_err(err, errlen, "route %s %s: already registered", method, pattern);
            return -EEXIST;
        }
    }
    rc = route_parse(&r, pattern, err, errlen);
    if (rc < 0) {
        route_cleanup(&r);
        return rc;
    }
    r.method = xstrdup(method);
    r.pattern = xstrdup(pattern);
    r.fn = fn;
    r.ud = ud;
    srv->routes = xreallocarray(srv->routes, srv->nroutes + 1, sizeof *srv->routes);
    srv->routes[srv->nroutes++] = r;
    return 0;
}

struct seg {
    size_t off, len;
};

/* Splits "/a/b" into segments; returns the count or 0 for an unroutable path. */
static size_t split_path(const char *path, struct seg *segs)
{
    size_t n = 0, i = 1, start = 1;
    if (path[0] != '/')
        return 0;
    for (;; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            if (n == KG_MAX_HTTP_PATH_SEGMENTS)
                return 0;
            segs[n].off = start;
            segs[n].len = i - start;
            n++;
            if (path[i] == '\0')
                break;
            start = i + 1;
        }
    }
    return n;
}

static int route_matches(const struct route *r, const char *path, const struct seg *segs, size_t n)
{
    int wild = r->nsegs > 0 && r->kind[r->nsegs - 1] == SEG_WILD;
    if (wild ? n < r->nsegs : n != r->nsegs)
        return 0;
    for (size_t i = 0; i < r->nsegs; i++) {
        switch (r->kind[i]) {
        case SEG_LIT:
            if (strlen(r->segs[i]) != segs[i].len ||
                memcmp(r->segs[i], path + segs[i].off, segs[i].len) != 0)
                return 0;
            break;
        case SEG_PARAM:
            if (segs[i].len == 0)
                return 0;
            break;
        case SEG_WILD:
            return 1;
        }
    }
    return 1;
}

/* Is a strictly more specific than b (both matched the same path)? */
static int route_more_specific(const struct route *a, const struct route *b)
{
    size_t n = a->nsegs < b->nsegs ? a->nsegs : b->nsegs;
    for (size_t i = 0; i < n; i++)
        if (a->kind[i] != b->kind[i])
            return a->kind[i] > b->kind[i];
    return a->nsegs > b->nsegs;
}

static int method_matches(const char *rm, const char *method)
{
    return strcmp(rm, "*") == 0 || strcmp(rm, method) == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void server_match_cleanup(struct server_match *m)
{
    if (!m)
        return;
    free(m->scratch_);
    m->scratch_ = NULL;
}

void server_match_path(const struct server *srv, const char *method, const char *path,
                       struct server_match *m)
{
    struct seg segs[KG_MAX_HTTP_PATH_SEGMENTS];
    size_t n;
    const struct route *best = NULL, *best_head = NULL;
    const char *allowed[2 * KG_MAX_HTTP_PATH_SEGMENTS];
    size_t nallowed = 0;
    int path_matched = 0;

    memset(m, 0, sizeof *m);
    m->status = 404;
    n = split_path(path, segs);
    if (n == 0)
        return;
    for (size_t i = 0; i < srv->nroutes; i++) {
        const struct route *r = &srv->routes[i];
        if (!route_matches(r, path, segs, n))
            continue;
        path_matched = 1;
        if (nallowed < sizeof allowed / sizeof allowed[0] - 1 && strcmp(r->method, "*") != 0) {
            allowed[nallowed++] = r->method;
            if (strcmp(r->method, "GET") == 0)
                allowed[nallowed++] = "HEAD";
        }
        if (method_matches(r->method, method)) {
            if (!best || route_more_specific(r, best))
                best = r;
        } else if (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0) {
            if (!best_head || route_more_specific(r, best_head))
                best_head = r;
        }
    }
    if (!best)
        best = best_head;
    if (!best) {
        if (path_matched) {
            size_t len = 0;
            m->status = 405;
            qsort(allowed, nallowed, sizeof allowed[0], cmp_str);
            for (size_t i = 0; i < nallowed; i++) {
                int w;
                if (i > 0 && strcmp(allowed[i], allowed[i - 1]) == 0)
                    continue;
                w = snprintf(m->allow + len, sizeof m->allow - len, "%s%s", len ? ", " : "",
                             allowed[i]);
                if (w < 0 || (size_t)w >= sizeof m->allow - len)
                    break;
                len += (size_t)w;
            }
        }
        return;
    }
    m->status = 200;
    m->pattern = best->pattern;
    m->route_ = best;
    if (best->nparams > 0 || best->kind[best->nsegs - 1] == SEG_WILD) {
        size_t plen = strlen(path);
        char *w = xmalloc(plen + best->nparams + 2);
        m->scratch_ = w;
        for (size_t i = 0; i < best->nsegs; i++) {
            size_t vlen;
            const char *v;
            if (best->kind[i] == SEG_LIT)
                continue;
            v = path + segs[i].off;
            vlen = best->kind[i] == SEG_WILD ? plen - segs[i].off : segs[i].len;
            memcpy(w, v, vlen);
            w[vlen] = '\0';
            m->names[m->n_params] = best->segs[i];
            m->values[m->n_params++] = w;
            w += vlen + 1;
        }
    }
}

/* ---- request accessors ---- */

const char *server_req_method(const struct server_req *req)
{
    return req->method;
}

const char *server_req_path(const struct server_req *req)
{
    return req->path;
}

const char *server_req_version(const struct server_req *req)
{
    return req->version;
}

const char *server_req_pattern(const struct server_req *req)
{
    return req->m && req->m->status == 200 ? req->m->pattern : NULL;
}

const char *server_req_param(const struct server_req *req, const char *name)
{
    if (!req->m || req->m->status != 200)
        return NULL;
    for (size_t i = 0; i < req->m->n_params; i++)
        if (strcmp(req->m->names[i], name) == 0)
            return req->m->values[i];
    return NULL;
}

struct kv_find {
    const char *name;
    size_t idx;
    const char *found;
    int query;
};

static enum MHD_Result kv_find_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct kv_find *f = cls;
    (void)kind;
    if (!key)
        return MHD_YES;
    if (f->query ? strcmp(key, f->name) != 0 : strcasecmp(key, f->name) != 0)
        return MHD_YES;
    if (f->idx > 0) {
        f->idx--;
        return MHD_YES;
    }
    f->found = value ? value : "";
    return MHD_NO;
}

static const char *kv_at(const struct server_req *req, enum MHD_ValueKind kind, const char *name,
                         size_t idx)
{
    struct kv_find f = { .name = name, .idx = idx, .query = kind == MHD_GET_ARGUMENT_KIND };
    if (!name)
        return NULL;
    MHD_get_connection_values(req->conn, kind, kv_find_cb, &f);
    return f.found;
}

const char *server_req_query(const struct server_req *req, const char *name)
{
    return kv_at(req, MHD_GET_ARGUMENT_KIND, name, 0);
}

const char *server_req_query_at(const struct server_req *req, const char *name, size_t idx)
{
    return kv_at(req, MHD_GET_ARGUMENT_KIND, name, idx);
}

struct kv_each {
    int (*fn)(const char *name, const char *value, void *ud);
    void *ud;
};

static enum MHD_Result kv_each_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct kv_each *e = cls;
    (void)kind;
    if (!key)
        return MHD_YES;
    return e->fn(key, value ? value : "", e->ud) ? MHD_NO : MHD_YES;
}

void server_req_query_each(const struct server_req *req,
                           int (*fn)(const char *name, const char *value, void *ud), void *ud)
{
    struct kv_each e = { fn, ud };
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, kv_each_cb, &e);
}

const char *server_req_header(const struct server_req *req, const char *name)
{
    return kv_at(req, MHD_HEADER_KIND, name, 0);
}

const char *server_req_header_at(const struct server_req *req, const char *name, size_t idx)
{
    return kv_at(req, MHD_HEADER_KIND, name, idx);
}

const char *server_req_body(const struct server_req *req, size_t *len)
{
    if (len)
        *len = buf_len(&req->rc->body);
    return buf_str(&req->rc->body);
}

const struct server_peer *server_req_peer(const struct server_req *req)
{
    struct conn_ctx *cc = req->rc->cc;
    if (!cc->peer_done)
        peer_compute(cc, req->conn);
    return &cc->peer;
}

/* The port of a bound IPv4 or IPv6 socket address, in host order. */
static int sockaddr_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET6) {
        struct sockaddr_in6 s6;
        memcpy(&s6, ss, sizeof s6);
        return ntohs(s6.sin6_port);
    }
    struct sockaddr_in s4;
    memcpy(&s4, ss, sizeof s4);
    return ntohs(s4.sin_port);
}

static void format_addr(const struct sockaddr *sa, char *out, size_t outlen)
{
    char ip[INET6_ADDRSTRLEN];
    out[0] = '\0';
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
        snprintf(out, outlen, "%s:%u", ip, ntohs(s4->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
            inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip, sizeof ip);
            snprintf(out, outlen, "%s:%u", ip, ntohs(s6->sin6_port));
        } else {
            inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
            snprintf(out, outlen, "[%s]:%u", ip, ntohs(s6->sin6_port));
        }
    }
}

const char *server_req_remote_addr(const struct server_req *req)
{
    struct conn_ctx *cc = req->rc->cc;
    if (!cc->remote[0]) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        format_addr(ci ? ci->client_addr : NULL, cc->remote, sizeof cc->remote);
    }
    return cc->remote;
}

const char *server_req_local_addr(const struct server_req *req)
{
    struct conn_ctx *cc = req->rc->cc;
    if (!cc->local[0]) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct sockaddr_storage ss = { 0 }; /* filled by getsockname/accept */
        socklen_t sl = sizeof ss;
        if (ci && getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) == 0)
            format_addr((struct sockaddr *)&ss, cc->local, sizeof cc->local);
    }
    return cc->local;
}

/* ---- responses ---- */

void server_resp_status(struct server_resp *resp, int status)
{
    resp->status = status;
}

static int header_ok(const char *name, const char *value)
{
    if (!valid_token(name) || !value)
        return 0;
    for (const char *p = value; *p; p++)
        if (*p == '\r' || *p == '\n')
            return 0;
    /* framing headers belong to the server */
    return strcasecmp(name, "Content-Length") != 0 && strcasecmp(name, "Transfer-Encoding") != 0 &&
           strcasecmp(name, "Connection") != 0;
}

int server_resp_add_header(struct server_resp *resp, const char *name, const char *value)
{
    if (!header_ok(name, value))
        return -EINVAL;
    if (resp->nhdrs == resp->caphdrs) {
        resp->caphdrs = resp->caphdrs ? 2 * resp->caphdrs : 8;
        resp->hdrs = xreallocarray(resp->hdrs, resp->caphdrs, sizeof *resp->hdrs);
    }
    resp->hdrs[resp->nhdrs].name = xstrdup(name);
    resp->hdrs[resp->nhdrs].value = xstrdup(value);
    resp->nhdrs++;
    return 0;
}

int server_resp_header(struct server_resp *resp, const char *name, const char *value)
{
    size_t j = 0;
    if (!header_ok(name, value))
        return -EINVAL;
    for (size_t i = 0; i < resp->nhdrs; i++) {
        if (strcasecmp(resp->hdrs[i].name, name) == 0) {
            free(resp->hdrs[i].name);
            free(resp->hdrs[i].value);
            continue;
        }
        resp->hdrs[j++] = resp->hdrs[i];
    }
    resp->nhdrs = j;
    return server_resp_add_header(resp, name, value);
}

struct buf *server_resp_body(struct server_resp *resp)
{
    return &resp->body;
}

int server_resp_json(struct server_resp *resp, int status, const char *json, size_t len)
{
    resp->status = status;
    server_resp_header(resp, "Content-Type", "application/json");
    buf_reset(&resp->body);
    return buf_append(&resp->body, json, len);
}

int server_resp_text(struct server_resp *resp, int status, const char *fmt, ...)
{
    va_list ap;
    int rc;
    resp->status = status;
    server_resp_header(resp, "Content-Type", "text/plain; charset=utf-8");
    buf_reset(&resp->body);
    va_start(ap, fmt);
    rc = buf_vprintf(&resp->body, fmt, ap);
    va_end(ap);
    return rc;
}

void server_resp_close(struct server_resp *resp)
{
    resp->close = 1;
}

static void resp_cleanup(struct server_resp *resp)
{
    for (size_t i = 0; i < resp->nhdrs; i++) {
        free(resp->hdrs[i].name);
        free(resp->hdrs[i].value);
    }
    free(resp->hdrs);
    buf_cleanup(&resp->body);
}

/* ---- streams ---- */

static void stream_unref(struct server_stream *st)
{
    int last;
    pthread_mutex_lock(&st->mu);
    last = --st->refs == 0;
    pthread_mutex_unlock(&st->mu);
    if (!last)
        return;
    buf_cleanup(&st->data);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

/* Caller holds st->mu. */
static void stream_wake_locked(struct server_stream *st)
{
    if (st->suspended && st->conn) {
        st->suspended = 0;
        MHD_resume_connection(st->conn);
    }
}

struct server_stream *server_resp_stream(struct server_resp *resp, size_t max_buffered)
{
    struct server_stream *st;
    if (resp->stream)
        return NULL;
    st = xcalloc(1, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    st->refs = 2; /* the caller and the MHD response */
    st->conn = resp->conn;
    st->srv = resp->srv;
    buf_init(&st->data, max_buffered ? max_buffered : KG_HTTP_STREAM_DEFAULT_BUFFER);
    pthread_mutex_lock(&resp->srv->mu);
    if (atomic_load(&resp->srv->state) != SRV_RUNNING)
        st->ended = 1;
    st->next = resp->srv->streams;
    if (st->next)
        st->next->prev = st;
    resp->srv->streams = st;
    pthread_mutex_unlock(&resp->srv->mu);
    resp->stream = st;
    return st;
}

int server_stream_write(struct server_stream *st, const void *data, size_t len)
{
    int rc = 0;
    pthread_mutex_lock(&st->mu);
    if (!st->conn || st->ended)
        rc = -EPIPE;
    else if (len > 0 && buf_append(&st->data, data, len) < 0)
        rc = -ENOBUFS;
    else
        stream_wake_locked(st);
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int server_stream_alive(struct server_stream *st)
{
    int alive;
    pthread_mutex_lock(&st->mu);
    alive = st->conn && !st->ended;
    pthread_mutex_unlock(&st->mu);
    return alive;
}

void server_stream_close(struct server_stream *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&st->mu);
    st->ended = 1;
    stream_wake_locked(st);
    pthread_mutex_unlock(&st->mu);
    stream_unref(st);
}

/* MHD content reader: runs on the connection's worker thread. */
static ssize_t stream_read_cb(void *cls, uint64_t pos, char *out, size_t max)
{
    struct server_stream *st = cls;
    ssize_t n;
    (void)pos;
    pthread_mutex_lock(&st->mu);
    if (buf_len(&st->data) > 0) {
        size_t k = buf_len(&st->data) < max ? buf_len(&st->data) : max;
        memcpy(out, st->data.ptr, k);
        buf_consume(&st->data, k);
        n = (ssize_t)k;
    } else if (st->ended) {
        n = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        /* Nothing to send: park the connection until a write or close resumes it. */
        st->suspended = 1;
        MHD_suspend_connection(st->conn);
        n = 0;
    }
    pthread_mutex_unlock(&st->mu);
    return n;
}

/* MHD is done with the response (sent, or the connection closed). */
static void stream_free_cb(void *cls)
{
    struct server_stream *st = cls;
    struct server *srv = st->srv;
    pthread_mutex_lock(&st->mu);
    st->conn = NULL;
    st->suspended = 0;
    pthread_mutex_unlock(&st->mu);
    pthread_mutex_lock(&srv->mu);
    if (st->prev)
        st->prev->next = st->next;
    else
        srv->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    st->prev = st->next = NULL;
    pthread_mutex_unlock(&srv->mu);
    stream_unref(st);
}

/* ---- request dispatch ---- */

static void default_error(const struct server_req *req, struct server_resp *resp, int status,
                          const char *msg, void *ud)
{
    (void)req;
    (void)ud;
    /* Like Go's http.Error: text/plain, nosniff, message + newline. Go's own 431 reply has
     * no trailing newline. */
    server_resp_text(resp, status, status == 431 ? "%s" : "%s\n", msg);
    server_resp_header(resp, "X-Content-Type-Options", "nosniff");
}

static void run_error(struct server *srv, const struct server_req *req, struct server_resp *resp,
                      int status, const char *msg)
{
    resp->status = status;
    srv->error_fn(req, resp, status, msg, srv->error_ud);
    resp->status = status; /* the hook writes a body; the status is the server's */
}

static void default_fallback(const struct server_req *req, struct server_resp *resp, void *ud)
{
    struct server *srv = ud;
    run_error(srv, req, resp, 404, "404 page not found");
}

static const char *reason_for(int status)
{
    switch (status) {
    case 413:
        return "http: request body too large";
    case 431:
        return "431 Request Header Fields Too Large";
    default:
        return "error";
    }
}

/* Builds the MHD response from resp and queues it. */
static enum MHD_Result queue_resp(struct req_ctx *rc, struct MHD_Connection *conn,
                                  struct server_resp *resp)
{
    struct MHD_Response *r;
    enum MHD_Result ok;
    struct server *srv = rc->srv;

    if (resp->stream) {
        struct server_stream *st = resp->stream;
        if (buf_len(&resp->body) > 0) {
            pthread_mutex_lock(&st->mu);
            /* the body built so far goes first; it may exceed the stream bound */
            struct buf tmp;
            buf_init(&tmp, buf_len(&resp->body) + st->data.max);
            buf_append(&tmp, resp->body.ptr, buf_len(&resp->body));
            buf_append(&tmp, st->data.ptr, buf_len(&st->data));
            tmp.max = st->data.max > buf_len(&tmp) ? st->data.max : buf_len(&tmp);
            buf_cleanup(&st->data);
            st->data = tmp;
            pthread_mutex_unlock(&st->mu);
        }
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read_cb, st,
                                              stream_free_cb);
        if (!r) {
            stream_free_cb(st);
            return MHD_NO;
        }
    } else {
        size_t len = 0;
        char *body = buf_take(&resp->body, &len);
        r = MHD_create_response_from_buffer_with_free_callback(len, body, free);
        if (!r) {
            free(body);
            return MHD_NO;
        }
    }
    for (size_t i = 0; i < resp->nhdrs; i++)
        MHD_add_response_header(r, resp->hdrs[i].name, resp->hdrs[i].value);
    if (resp->close || atomic_load(&srv->state) != SRV_RUNNING)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    ok = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    rc->queued = 1;
    rc->status = resp->status;
    return ok;
}

static void resp_init(struct server_resp *resp, struct server *srv, struct MHD_Connection *conn)
{
    memset(resp, 0, sizeof *resp);
    resp->srv = srv;
    resp->conn = conn;
    resp->status = 200;
    buf_init(&resp->body, srv->max_resp);
}

/* Replies with a server-decided status before the request is complete. */
static enum MHD_Result reply_error(struct req_ctx *rc, struct MHD_Connection *conn, const char *url,
                                   const char *method, const char *version, int status)
{
    struct server_req req = { rc->srv, rc, conn, method, url, version, NULL };
    struct server_resp resp;
    enum MHD_Result ok;
    resp_init(&resp, rc->srv, conn);
    run_error(rc->srv, &req, &resp, status, reason_for(status));
    if (resp.stream) { /* not allowed here */
        /* A new stream holds two references (the handler's and the response's): close drops
         * the first, free_cb the second. The analyzer cannot follow the count. */
        server_stream_close(resp.stream);
        stream_free_cb(resp.stream); // NOLINT(clang-analyzer-unix.Malloc)
        resp.stream = NULL;
    }
    resp.close = 1; /* the unread rest of the request cannot be trusted */
    ok = queue_resp(rc, conn, &resp);
    resp_cleanup(&resp);
    return ok;
}

static enum MHD_Result dispatch(struct req_ctx *rc, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version)
{
    struct server *srv = rc->srv;
    struct server_match m;
    struct server_req req;
    struct server_resp resp;
    enum MHD_Result ok;

    server_match_path(srv, method, url, &m);
    req.srv = srv;
    req.rc = rc;
    req.conn = conn;
    req.method = method;
    req.path = url;
    req.version = version;
    req.m = &m;
    resp_init(&resp, srv, conn);
    if (m.status == 200) {
        const struct route *r = m.route_;
        rc->pattern = r->pattern;
        r->fn(&req, &resp, r->ud);
    } else if (m.status == 405) {
        server_resp_header(&resp, "Allow", m.allow);
        run_error(srv, &req, &resp, 405, "Method Not Allowed");
    } else {
        srv->fallback(&req, &resp, srv->fallback_ud);
    }
    ok = queue_resp(rc, conn, &resp);
    resp_cleanup(&resp);
    server_match_cleanup(&m);
    return ok;
}

static int parse_content_length(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct server *srv = cls;
    struct req_ctx *rc = *con_cls;

    if (!rc) {
        const union MHD_ConnectionInfo *ci;
        const char *cl;
        uint64_t clen;

        rc = xcalloc(1, sizeof *rc);
        rc->srv = srv;
        rc->start_ns = time_mono_ns();
        snprintf(rc->method, sizeof rc->method, "%s", method);
        buf_init(&rc->body, srv->max_body);
        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        rc->cc = ci ? ci->socket_context : NULL;
        ASSERT(rc->cc != NULL);
        *con_cls = rc;
        pthread_mutex_lock(&srv->mu);
        srv->inflight++;
        pthread_mutex_unlock(&srv->mu);

        ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
        if (ci && ci->header_size > srv->max_header)
            return reply_error(rc, conn, url, method, version, 431);
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && parse_content_length(cl, &clen) == 0 && clen > srv->max_body)
            return reply_error(rc, conn, url, method, version, 413);
        return MHD_YES;
    }
    if (rc->queued) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (!rc->reject && buf_append(&rc->body, upload, n) < 0) {
            rc->reject = 413;
            buf_cleanup(&rc->body);
            buf_init(&rc->body, 0);
        }
        if (rc->reject) {
            rc->discarded += n;
            if (rc->discarded > KG_HTTP_BODY_DISCARD) {
                log_v(2, "%s: closing connection: request body over %zu bytes", srv->name,
                      srv->max_body);
                return MHD_NO;
            }
        }
        return MHD_YES;
    }
    if (rc->reject)
        return reply_error(rc, conn, url, method, version, rc->reject);
    return dispatch(rc, conn, url, method, version);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct server *srv = cls;
    struct req_ctx *rc = *con_cls;
    (void)conn;
    (void)toe;
    if (!rc)
        return;
    *con_cls = NULL;
    if (srv->observer)
        srv->observer(rc->method, rc->pattern, rc->queued ? rc->status : 0,
                      time_mono_ns() - rc->start_ns, srv->observer_ud);
    buf_cleanup(&rc->body);
    free(rc);
    pthread_mutex_lock(&srv->mu);
    ASSERT(srv->inflight > 0);
    if (--srv->inflight == 0)
        pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->mu);
}

static void conn_cb(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                    enum MHD_ConnectionNotificationCode code)
{
    struct server *srv = cls;
    struct conn_ctx *cc;

    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_ctx_free(*socket_ctx);
        *socket_ctx = NULL;
        return;
    }
    cc = xcalloc(1, sizeof *cc);
    cc->srv = srv;
    if (srv->tls) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        tls_maybe_reload(srv);
        cc->gen = gen_acquire(srv);
        if (ci) {
            gnutls_session_t s = (gnutls_session_t)ci->tls_session;
            gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cc->gen->cred);
            if (cc->gen->n_ca > 0)
                gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
        }
    }
    *socket_ctx = cc;
}

static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void mhd_log_cb(void *cls, const char *fmt, va_list ap)
{
    struct server *srv = cls;
    char line[512];
    size_t n;
    vsnprintf(line, sizeof line, fmt, ap);
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    log_v(2, "%s: %s", srv->name, line);
}

/* ---- listening ---- */

static void *accept_main(void *arg)
{
    struct server *srv = arg;
    struct epoll_event evs[64];
    int64_t last_warn = 0;

    for (;;) {
        int n = epoll_wait(srv->epfd, evs, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            log_error("%s: epoll_wait: %s; no longer accepting connections", srv->name,
                      strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            int lfd = evs[i].data.fd;
            if (lfd == srv->wakefd) {
                uint64_t v;
                if (read(srv->wakefd, &v, sizeof v) < 0 && errno != EAGAIN)
                    log_v(2, "%s: eventfd read: %s", srv->name, strerror(errno));
                if (atomic_load(&srv->stopping))
                    return NULL;
                continue;
            }
            for (int k = 0; k < 64; k++) {
                struct sockaddr_storage ss = { 0 }; /* filled by getsockname/accept */
                socklen_t sl = sizeof ss;
                int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
                if (fd < 0) {
                    if (errno == EINTR || errno == ECONNABORTED)
                        continue;
                    if (errno != EAGAIN && errno != EWOULDBLOCK) {
                        int64_t now = mono_ms();
                        if (now - last_warn > 1000) {
                            log_warn("%s: accept: %s", srv->name, strerror(errno));
                            last_warn = now;
                        }
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                            errno == ENOMEM) {
                            struct timespec ts = { 0, 10 * 1000 * 1000 };
                            nanosleep(&ts, NULL);
                        }
                    }
                    break;
                }
                if (MHD_add_connection(srv->d, fd, (struct sockaddr *)&ss, sl) != MHD_YES)
                    log_v(1, "%s: connection refused: %s", srv->name, strerror(errno));
            }
        }
    }
    return NULL;
}

static int open_listener(const struct sockaddr *sa, socklen_t sl, int v6only, int *out)
{
    int fd, one = 1, rc;
    fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sa->sa_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    if (bind(fd, sa, sl) != 0 || listen(fd, 4096) != 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    *out = fd;
    return 0;
}

int server_listen(struct server *srv, const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    char portstr[16];
    int fd = -1, rc, id = -1;
    int any = !host || !*host;
    struct sockaddr_storage ss = { 0 }; /* filled by getsockname/accept */
    socklen_t sl = sizeof ss;
    struct epoll_event ev;

    if (port < 0 || port > 65535) {
        kg_set_err(err, errlen, "listen: port %d out of range", port);
        return -EINVAL;
    }
    snprintf(portstr, sizeof portstr, "%d", port);
    if (any) {
        struct sockaddr_in6 s6;
        struct sockaddr_in s4;
        memset(&s6, 0, sizeof s6);
        s6.sin6_family = AF_INET6;
        s6.sin6_addr = in6addr_any;
        s6.sin6_port = htons((uint16_t)port);
        rc = open_listener((struct sockaddr *)&s6, sizeof s6, 0, &fd);
        if (rc == -EAFNOSUPPORT) {
            memset(&s4, 0, sizeof s4);
            s4.sin_family = AF_INET;
            s4.sin_addr.s_addr = htonl(INADDR_ANY);
            s4.sin_port = htons((uint16_t)port);
            rc = open_listener((struct sockaddr *)&s4, sizeof s4, 0, &fd);
        }
    } else {
        int gr;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        gr = getaddrinfo(host, portstr, &hints, &res);
        if (gr != 0) {
            kg_set_err(err, errlen, "listen tcp %s:%d: lookup %s: %s", host, port, host,
                       gai_strerror(gr));
            return -EINVAL;
        }
        rc = -EADDRNOTAVAIL;
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            rc = open_listener(ai->ai_addr, ai->ai_addrlen, 1, &fd);
            if (rc == 0)
                break;
        }
        freeaddrinfo(res);
    }
    if (rc < 0) {
        char et[128];
        kg_set_err(err, errlen, "listen tcp %s:%d: bind: %s", any ? "" : host, port,
                   errno_text(-rc, et, sizeof et));
        return rc;
    }
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        rc = -errno;
        kg_set_err(err, errlen, "listen tcp %s:%d: getsockname: %s", any ? "" : host, port,
                   strerror(errno));
        close(fd);
        return rc;
    }
    pthread_mutex_lock(&srv->mu);
    if (atomic_load(&srv->state) >= SRV_DRAINING) {
        rc = -EINVAL;
        kg_set_err(err, errlen, "listen: server is shutting down");
    } else if (srv->nls >= KG_MAX_HTTP_LISTENERS) {
        rc = -ENOSPC;
        kg_set_err(err, errlen, "listen: more than %d listeners", KG_MAX_HTTP_LISTENERS);
    } else {
        if (srv->nls == srv->capls) {
            srv->capls = srv->capls ? 2 * srv->capls : 4;
            srv->ls = xreallocarray(srv->ls, srv->capls, sizeof *srv->ls);
        }
        id = (int)srv->nls;
        srv->ls[id].fd = fd;
        srv->ls[id].port = sockaddr_port(&ss);
        srv->nls++;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
            rc = -errno;
            kg_set_err(err, errlen, "listen: epoll_ctl: %s", strerror(errno));
            srv->nls--;
            id = -1;
        } else {
            rc = 0;
        }
    }
    pthread_mutex_unlock(&srv->mu);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return id;
}

int server_port(const struct server *srv, int id)
{
    int port = -1;
    pthread_mutex_lock((pthread_mutex_t *)&srv->mu);
    if (id >= 0 && (size_t)id < srv->nls)
        port = srv->ls[id].port;
    pthread_mutex_unlock((pthread_mutex_t *)&srv->mu);
    return port;
}

int server_add_connection(struct server *srv, int fd)
{
    struct sockaddr_storage ss = { 0 }; /* filled by getsockname/accept */
    socklen_t sl = sizeof ss;
    if (atomic_load(&srv->state) != SRV_RUNNING) {
        close(fd);
        return -EINVAL;
    }
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    if (MHD_add_connection(srv->d, fd, (struct sockaddr *)&ss, sl) != MHD_YES)
        return errno ? -errno : -ENFILE;
    return 0;
}

/* ---- lifecycle ---- */

struct server *server_new(const struct server_opts *opts, char *err, size_t errlen)
{
    static const struct server_opts defaults;
    struct server *srv = xcalloc(1, sizeof *srv);
    pthread_condattr_t ca;
    int ok = 0;

    if (!opts)
        opts = &defaults;
    srv->name = xstrdup(opts->name ? opts->name : "http");
    srv->threads = opts->threads ? opts->threads : DEFAULT_THREADS;
    srv->max_conns = opts->max_connections ? opts->max_connections : DEFAULT_MAX_CONNECTIONS;
    srv->timeout_s = opts->conn_timeout_s ? opts->conn_timeout_s : DEFAULT_CONN_TIMEOUT_S;
    srv->max_header = opts->max_header_bytes ? opts->max_header_bytes : KG_MAX_HTTP_HEADER;
    srv->max_body = opts->max_body_bytes ? opts->max_body_bytes : KG_MAX_HTTP_BODY;
    srv->max_resp = opts->max_response_bytes ? opts->max_response_bytes : KG_MAX_JSON_DOC;
    srv->reload_ms =
        opts->tls_reload_interval_ms ? opts->tls_reload_interval_ms : DEFAULT_RELOAD_MS;
    srv->priorities = xstrdup(opts->tls_priorities ? opts->tls_priorities : DEFAULT_PRIORITIES);
    srv->fallback = default_fallback;
    srv->fallback_ud = srv;
    srv->error_fn = default_error;
    srv->epfd = -1;
    srv->wakefd = -1;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_mutex_init(&srv->reload_mu, NULL);
    pthread_mutex_init(&srv->tls_mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->cond, &ca);
    pthread_condattr_destroy(&ca);
    atomic_store(&srv->state, SRV_NEW);

    if (srv->threads > 1024 || srv->max_header < 256 || srv->max_header > (64u << 20)) {
        kg_set_err(err, errlen, "%s: threads must be 1..1024 and max_header_bytes 256..64Mi",
                   srv->name);
        goto out;
    }
    if (!opts->tls_cert_file != !opts->tls_key_file) {
        kg_set_err(err, errlen, "%s: a TLS certificate needs a key and a key needs a certificate",
                   srv->name);
        goto out;
    }
    if (opts->n_client_ca_files > KG_MAX_HTTP_CLIENT_CAS) {
        kg_set_err(err, errlen, "%s: at most %d client CA files", srv->name,
                   KG_MAX_HTTP_CLIENT_CAS);
        goto out;
    }
    if (opts->n_client_ca_files > 0 && !opts->tls_cert_file) {
        kg_set_err(err, errlen, "%s: client CA files need a TLS certificate and key", srv->name);
        goto out;
    }
    if (opts->tls_cert_file) {
        srv->tls = 1;
        srv->cert_file = xstrdup(opts->tls_cert_file);
        srv->key_file = xstrdup(opts->tls_key_file);
        for (size_t i = 0; i < opts->n_client_ca_files; i++)
            srv->ca_files[srv->n_ca++] = xstrdup(opts->client_ca_files[i]);
        stamp_file(srv->cert_file, &srv->stamps[0]);
        stamp_file(srv->key_file, &srv->stamps[1]);
        for (size_t i = 0; i < srv->n_ca; i++)
            stamp_file(srv->ca_files[i], &srv->stamps[2 + i]);
        if (gen_load(srv, &srv->gen, &srv->mhd_cert_pem, &srv->mhd_key_pem, err, errlen) < 0)
            goto out;
        atomic_store(&srv->next_check_ms, mono_ms() + (srv->reload_ms > 0 ? srv->reload_ms : 0));
    }
    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    srv->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (srv->epfd < 0 || srv->wakefd < 0) {
        kg_set_err(err, errlen, "%s: epoll/eventfd: %s", srv->name, strerror(errno));
        goto out;
    }
    {
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLIN;
        ev.data.fd = srv->wakefd;
        if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->wakefd, &ev) != 0) {
            kg_set_err(err, errlen, "%s: epoll_ctl: %s", srv->name, strerror(errno));
            goto out;
        }
    }
    ok = 1;
out:
    if (!ok) {
        server_free(srv);
        srv = NULL;
    }
    return srv;
}

void server_set_fallback(struct server *srv, server_handler_fn fn, void *ud)
{
    ASSERT(atomic_load(&srv->state) == SRV_NEW);
    srv->fallback = fn ? fn : default_fallback;
    srv->fallback_ud = fn ? ud : srv;
}

void server_set_error_handler(struct server *srv, server_error_fn fn, void *ud)
{
    ASSERT(atomic_load(&srv->state) == SRV_NEW);
    srv->error_fn = fn ? fn : default_error;
    srv->error_ud = ud;
}

void server_set_observer(struct server *srv, server_observer_fn fn, void *ud)
{
    ASSERT(atomic_load(&srv->state) == SRV_NEW);
    srv->observer = fn;
    srv->observer_ud = ud;
}

int server_start(struct server *srv, char *err, size_t errlen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem extra[8];
    size_t ne = 0;
    int rc;
    /* Headers must fit MHD's per-connection pool; our own check gives the precise 431. */
    size_t pool = 2 * srv->max_header + 32 * 1024;

    if (atomic_load(&srv->state) != SRV_NEW) {
        kg_set_err(err, errlen, "%s: already started", srv->name);
        return -EALREADY;
    }
    if (srv->threads > 1)
        extra[ne++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, srv->threads, NULL };
    if (srv->tls) {
        flags |= MHD_USE_TLS;
        extra[ne++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, srv->mhd_cert_pem };
        extra[ne++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, srv->mhd_key_pem };
        extra[ne++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, srv->priorities };
    }
    extra[ne++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    srv->d = MHD_start_daemon(
        flags, 0, NULL, NULL, access_cb, srv, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, srv,
        MHD_OPTION_NOTIFY_CONNECTION, conn_cb, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log_cb, srv,
        MHD_OPTION_CONNECTION_LIMIT, srv->max_conns, MHD_OPTION_CONNECTION_TIMEOUT, srv->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool, MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
    if (!srv->d) {
        kg_set_err(err, errlen, "%s: starting libmicrohttpd failed (see log with -v=2)", srv->name);
        return -EIO;
    }
    atomic_store(&srv->state, SRV_RUNNING);
    rc = pthread_create(&srv->accept_thr, NULL, accept_main, srv);
    if (rc != 0) {
        kg_set_err(err, errlen, "%s: creating the accept thread: %s", srv->name, strerror(rc));
        MHD_stop_daemon(srv->d);
        srv->d = NULL;
        atomic_store(&srv->state, SRV_STOPPED);
        return -rc;
    }
    srv->accept_started = 1;
    return 0;
}

unsigned server_inflight(const struct server *srv)
{
    unsigned n;
    pthread_mutex_lock((pthread_mutex_t *)&srv->mu);
    n = srv->inflight;
    pthread_mutex_unlock((pthread_mutex_t *)&srv->mu);
    return n;
}

static void stop_accepting(struct server *srv)
{
    if (srv->accept_started) {
        uint64_t one = 1;
        atomic_store(&srv->stopping, 1);
        if (write(srv->wakefd, &one, sizeof one) < 0)
            log_warn("%s: eventfd write: %s", srv->name, strerror(errno));
        pthread_join(srv->accept_thr, NULL);
        srv->accept_started = 0;
    }
    pthread_mutex_lock(&srv->mu);
    for (size_t i = 0; i < srv->nls; i++) {
        if (srv->ls[i].fd >= 0) {
            close(srv->ls[i].fd);
            srv->ls[i].fd = -1;
        }
    }
    pthread_mutex_unlock(&srv->mu);
}

int server_shutdown(struct server *srv, int timeout_ms)
{
    int rc = 0;
    struct timespec deadline;
    int st = atomic_load(&srv->state);

    if (st == SRV_STOPPED)
        return 0;
    if (st == SRV_NEW) {
        atomic_store(&srv->state, SRV_STOPPED);
        stop_accepting(srv);
        return 0;
    }
    pthread_mutex_lock(&srv->mu);
    atomic_store(&srv->state, SRV_DRAINING);
    pthread_mutex_unlock(&srv->mu);
    stop_accepting(srv);

    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms > 0) {
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&srv->mu);
    /* End every stream: it sends what it has queued and then its last chunk. */
    for (struct server_stream *s = srv->streams; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        s->ended = 1;
        stream_wake_locked(s);
        pthread_mutex_unlock(&s->mu);
    }
    while (srv->inflight > 0) {
        int w = pthread_cond_timedwait(&srv->cond, &srv->mu, &deadline);
        if (w == ETIMEDOUT) {
            rc = srv->inflight > 0 ? -ETIMEDOUT : 0;
            break;
        }
    }
    if (rc < 0)
        log_warn("%s: shutdown: %u requests still running after %d ms; closing their connections",
                 srv->name, srv->inflight, timeout_ms);
    /* MHD must not be stopped with suspended connections: wake any stream that is parked
     * (streams are all ended, so each finishes or fails on the closing socket). */
    for (struct server_stream *s = srv->streams; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        s->ended = 1;
        stream_wake_locked(s);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&srv->mu);
    MHD_stop_daemon(srv->d);
    srv->d = NULL;
    atomic_store(&srv->state, SRV_STOPPED);
    return rc;
}

void server_free(struct server *srv)
{
    if (!srv)
        return;
    server_shutdown(srv, 0);
    ASSERT(srv->streams == NULL);
    for (size_t i = 0; i < srv->nroutes; i++)
        route_cleanup(&srv->routes[i]);
    free(srv->routes);
    free(srv->ls);
    if (srv->epfd >= 0)
        close(srv->epfd);
    if (srv->wakefd >= 0)
        close(srv->wakefd);
    gen_release(srv, srv->gen);
    free(srv->mhd_cert_pem);
    if (srv->mhd_key_pem) {
        memset(srv->mhd_key_pem, 0, strlen(srv->mhd_key_pem));
        free(srv->mhd_key_pem);
    }
    for (size_t i = 0; i < srv->n_ca; i++)
        free(srv->ca_files[i]);
    free(srv->cert_file);
    free(srv->key_file);
    free(srv->priorities);
    free(srv->name);
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->mu);
    pthread_mutex_destroy(&srv->reload_mu);
    pthread_mutex_destroy(&srv->tls_mu);
    free(srv);
}
