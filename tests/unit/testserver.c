/*
 * Test HTTP/1.1 server: accept thread + thread per connection, requests recorded under a
 * mutex, responses written by the test's handler. Minimal parsing (request line, headers,
 * Content-Length bodies) because its only peer is our own client.
 */
#include "testserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/alloc.h"

struct ts_conn {
    struct ts_server *s;
    int fd;
    int id;
    int responded; /* a complete response was written */
    int close_after;
    pthread_t thread;
    struct ts_conn *next;
};

struct ts_server {
    int lfd;
    int port;
    atomic_int stopping;
    ts_handler_fn handler;
    void *ud;
    pthread_t accept_thread;
    pthread_mutex_t mu;
    struct ts_conn *conns; /* every connection ever accepted (joined at stop) */
    int nconns;
    struct ts_request *reqs[TS_MAX_RECORDED];
    int nreqs;
};

static char *memdup0(const char *p, size_t n)
{
    char *s = xmalloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

int ts_header(const struct ts_request *r, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    const char *line = r->headers;
    while (*line) {
        const char *eol = strstr(line, "\r\n");
        if (!eol)
            break;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t m = (size_t)(eol - v);
            if (m >= outlen)
                m = outlen - 1;
            memcpy(out, v, m);
            out[m] = '\0';
            return 0;
        }
        line = eol + 2;
    }
    if (outlen)
        out[0] = '\0';
    return -1;
}

void ts_request_free(struct ts_request *r)
{
    if (!r)
        return;
    free(r->target);
    free(r->path);
    free(r->query);
    free(r->headers);
    free(r->body);
    free(r);
}

static struct ts_request *req_copy(const struct ts_request *r)
{
    struct ts_request *c = xcalloc(1, sizeof(*c));
    memcpy(c->method, r->method, sizeof(c->method));
    c->target = xstrdup(r->target);
    c->path = xstrdup(r->path);
    c->query = xstrdup(r->query);
    c->headers = xstrdup(r->headers);
    c->body = memdup0(r->body, r->body_len);
    c->body_len = r->body_len;
    c->conn_id = r->conn_id;
    return c;
}

static int send_all(struct ts_conn *c, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ts_send_raw(struct ts_conn *c, const void *data, size_t len)
{
    c->responded = 1;
    return send_all(c, data, len);
}

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

int ts_respond(struct ts_conn *c, int status, const char *ctype, const char *body, size_t len)
{
    char head[512];
    int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%s%s%sContent-Length: %zu\r\n%s\r\n",
                     status, reason(status), ctype ? "Content-Type: " : "", ctype ? ctype : "",
                     ctype ? "\r\n" : "", len, c->close_after ? "Connection: close\r\n" : "");
    c->responded = 1;
    if (send_all(c, head, (size_t)n) != 0)
        return -1;
    return len ? send_all(c, body, len) : 0;
}

int ts_chunked_begin(struct ts_conn *c, int status, const char *ctype)
{
    char head[512];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n",
                     status, reason(status), ctype ? ctype : "application/json");
    c->responded = 0; /* incomplete until ts_chunked_end */
    return send_all(c, head, (size_t)n);
}

int ts_chunk(struct ts_conn *c, const void *data, size_t len)
{
    char hdr[32];
    if (len == 0)
        return 0;
    int n = snprintf(hdr, sizeof(hdr), "%zx\r\n", len);
    if (send_all(c, hdr, (size_t)n) || send_all(c, data, len) || send_all(c, "\r\n", 2))
        return -1;
    return 0;
}

int ts_chunked_end(struct ts_conn *c)
{
    c->responded = 1;
    return send_all(c, "0\r\n\r\n", 5);
}

void ts_close_after(struct ts_conn *c)
{
    c->close_after = 1;
}

int ts_wait(struct ts_conn *c, int ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (atomic_load(&c->s->stopping))
            return 1;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long el = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (el >= ms)
            return 0;
        long slice = ms - el < 20 ? ms - el : 20;
        struct pollfd p = { .fd = c->fd, .events = POLLIN | POLLRDHUP };
        int rc = poll(&p, 1, (int)slice);
        if (rc > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
            return 1;
        if (rc > 0 && (p.revents & POLLIN)) {
            char b;
            ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
            if (n == 0)
                return 1;
            /* pipelined bytes: not a close; avoid spinning */
            struct timespec ts = { 0, 5 * 1000000 };
            nanosleep(&ts, NULL);
        }
    }
}

/* Reads one request into *out from the connection, using and refilling buf. Returns 1 on a
 * request, 0 on clean EOF or error. */
static int read_request(struct ts_conn *c, char *buf, size_t *have, struct ts_request *out)
{
    char *end;
    for (;;) {
        buf[*have] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end)
            break;
        if (*have >= TS_MAX_HEAD)
            return 0;
        ssize_t n = recv(c->fd, buf + *have, TS_MAX_HEAD - *have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        *have += (size_t)n;
    }
    size_t headlen = (size_t)(end - buf) + 4;
    char *sp1 = strchr(buf, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    char *eol = strstr(buf, "\r\n");
    if (!sp1 || !sp2 || sp2 > eol || (size_t)(sp1 - buf) >= sizeof(out->method))
        return 0;
    memset(out, 0, sizeof(*out));
    memcpy(out->method, buf, (size_t)(sp1 - buf));
    out->target = memdup0(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    char *q = strchr(out->target, '?');
    out->path = q ? memdup0(out->target, (size_t)(q - out->target)) : xstrdup(out->target);
    out->query = xstrdup(q ? q + 1 : "");
    out->headers = memdup0(eol + 2, (size_t)(end + 2 - (eol + 2)));
    out->conn_id = c->id;
    char cl[32];
    size_t blen = 0;
    if (ts_header(out, "Content-Length", cl, sizeof(cl)) == 0)
        blen = strtoul(cl, NULL, 10);
    if (blen > TS_MAX_BODY)
        return 0;
    out->body = xmalloc(blen + 1);
    size_t got = *have - headlen < blen ? *have - headlen : blen;
    memcpy(out->body, buf + headlen, got);
    while (got < blen) {
        ssize_t n = recv(c->fd, out->body + got, blen - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        got += (size_t)n;
    }
    out->body[blen] = '\0';
    out->body_len = blen;
    /* keep pipelined bytes after the body */
    size_t used = headlen + (*have - headlen < blen ? *have - headlen : blen);
    memmove(buf, buf + used, *have - used);
    *have -= used;
    return 1;
}

static void req_fields_free(struct ts_request *r)
{
    free(r->target);
    free(r->path);
    free(r->query);
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static void *conn_main(void *arg)
{
    struct ts_conn *c = arg;
    struct ts_server *s = c->s;
    char *buf = xmalloc(TS_MAX_HEAD + 1);
    size_t have = 0;
    while (!atomic_load(&s->stopping)) {
        struct ts_request r;
        memset(&r, 0, sizeof(r));
        if (!read_request(c, buf, &have, &r)) {
            req_fields_free(&r);
            break;
        }
        pthread_mutex_lock(&s->mu);
        if (s->nreqs < TS_MAX_RECORDED)
            s->reqs[s->nreqs++] = req_copy(&r);
        pthread_mutex_unlock(&s->mu);
        char conn_hdr[32];
        if (ts_header(&r, "Connection", conn_hdr, sizeof(conn_hdr)) == 0 &&
            strcasecmp(conn_hdr, "close") == 0)
            c->close_after = 1;
        c->responded = 0;
        s->handler(c, &r, s->ud);
        req_fields_free(&r);
        if (!c->responded || c->close_after)
            break;
    }
    free(buf);
    shutdown(c->fd, SHUT_RDWR);
    return NULL;
}

static void *accept_main(void *arg)
{
    struct ts_server *s = arg;
    while (!atomic_load(&s->stopping)) {
        struct pollfd p = { .fd = s->lfd, .events = POLLIN };
        if (poll(&p, 1, 20) <= 0)
            continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        struct ts_conn *c = xcalloc(1, sizeof(*c));
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->mu);
        c->id = ++s->nconns;
        c->next = s->conns;
        s->conns = c;
        pthread_mutex_unlock(&s->mu);
        if (pthread_create(&c->thread, NULL, conn_main, c) != 0)
            abort();
    }
    return NULL;
}

struct ts_server *ts_start(ts_handler_fn handler, void *ud)
{
    struct ts_server *s = xcalloc(1, sizeof(*s));
    s->handler = handler;
    s->ud = ud;
    pthread_mutex_init(&s->mu, NULL);
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(s->lfd, 512) != 0 || getsockname(s->lfd, (struct sockaddr *)&a, &alen) != 0) {
        if (s->lfd >= 0)
            close(s->lfd);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->accept_thread, NULL, accept_main, s) != 0)
        abort();
    return s;
}

void ts_stop(struct ts_server *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    pthread_join(s->accept_thread, NULL);
    close(s->lfd);
    pthread_mutex_lock(&s->mu);
    for (struct ts_conn *c = s->conns; c; c = c->next)
        shutdown(c->fd, SHUT_RDWR);
    pthread_mutex_unlock(&s->mu);
    struct ts_conn *c = s->conns;
    while (c) {
        struct ts_conn *next = c->next;
        pthread_join(c->thread, NULL);
        close(c->fd);
        free(c);
        c = next;
    }
    for (int i = 0; i < s->nreqs; i++)
        ts_request_free(s->reqs[i]);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int ts_port(const struct ts_server *s)
{
    return s->port;
}

char *ts_url(const struct ts_server *s, const char *path)
{
    return xasprintf("http://127.0.0.1:%d%s", s->port, path);
}

int ts_connections(struct ts_server *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->nconns;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int ts_request_count(struct ts_server *s)
{
    pthread_mutex_lock(&s->mu);
    int n = s->nreqs;
    pthread_mutex_unlock(&s->mu);
    return n;
}

struct ts_request *ts_request_get(struct ts_server *s, int i)
{
    struct ts_request *r = NULL;
    pthread_mutex_lock(&s->mu);
    if (i >= 0 && i < s->nreqs)
        r = req_copy(s->reqs[i]);
    pthread_mutex_unlock(&s->mu);
    return r;
}
