/*
 * Kubernetes REST client over http/client.
 *
 * Blocking calls borrow a "lane" (an http_client plus one reusable request) from a small pool
 * guarded by a mutex, so many threads can call at once and connections are reused per lane.
 * Lists are fetched page by page (limit + continue) and each page is parsed, walked and freed
 * before the next is requested. Watch streams go through json/watch.h's incremental decoder,
 * one event parsed at a time.
 */
#include "kube/rest.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json/watch.h"
#include "util/err.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/limits.h"

/* Pages one rest_list may walk (500 items each: far beyond any cluster). */
#define REST_MAX_PAGES 100000

struct lane {
    struct http_client *c;
    struct http_req *req;
};

struct rest_client {
    char *server; /* without a trailing '/' */
    char *user_agent;
    char *bearer;
    rest_token_cb token_cb;
    void *token_ud;
    long timeout_ms;
    struct http_tls *tls; /* NULL: system trust store */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct lane *free_lanes[KG_MAX_REST_LANES];
    int nfree;
    int nlanes;
};

struct rest_client *rest_client_new(const struct rest_config *cfg, char *err, size_t errlen)
{
    if (!cfg->server ||
        (strncmp(cfg->server, "https://", 8) != 0 && strncmp(cfg->server, "http://", 7) != 0)) {
        kg_set_err(err, errlen, "server URL \"%s\" must start with https:// or http://",
                   cfg->server ? cfg->server : "");
        return NULL;
    }
    if (strlen(cfg->server) > KG_MAX_HTTP_URL / 2) {
        kg_set_err(err, errlen, "server URL is longer than %d bytes", KG_MAX_HTTP_URL / 2);
        return NULL;
    }
    if (cfg->bearer_token && strlen(cfg->bearer_token) >= KG_MAX_REST_TOKEN) {
        kg_set_err(err, errlen, "bearer token is longer than %d bytes", KG_MAX_REST_TOKEN - 1);
        return NULL;
    }
    struct http_tls *tls = NULL;
    int want_tls = cfg->insecure || (cfg->ca_pem && cfg->ca_len) ||
                   (cfg->ca_file && *cfg->ca_file) || (cfg->cert_pem && cfg->cert_len) ||
                   (cfg->cert_file && *cfg->cert_file) || (cfg->key_pem && cfg->key_len) ||
                   (cfg->key_file && *cfg->key_file);
    if (want_tls) {
        struct http_tls_opts o = {
            .ca_pem = cfg->ca_pem,
            .ca_len = cfg->ca_len,
            .ca_file = cfg->ca_file,
            .cert_pem = cfg->cert_pem,
            .cert_len = cfg->cert_len,
            .cert_file = cfg->cert_file,
            .key_pem = cfg->key_pem,
            .key_len = cfg->key_len,
            .key_file = cfg->key_file,
            .insecure = cfg->insecure,
        };
        tls = http_tls_new(&o, err, errlen);
        if (!tls)
            return NULL;
    }
    struct rest_client *rc = xcalloc(1, sizeof(*rc));
    rc->server = xstrdup(cfg->server);
    size_t n = strlen(rc->server);
    while (n > 0 && rc->server[n - 1] == '/')
        rc->server[--n] = '\0';
    rc->user_agent = xstrdup(cfg->user_agent && *cfg->user_agent ? cfg->user_agent : "kgauge/0.1");
    rc->bearer = cfg->bearer_token && *cfg->bearer_token ? xstrdup(cfg->bearer_token) : NULL;
    rc->token_cb = cfg->token_cb;
    rc->token_ud = cfg->token_ud;
    rc->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 0;
    rc->tls = tls;
    pthread_mutex_init(&rc->mu, NULL);
    pthread_cond_init(&rc->cv, NULL);
    return rc;
}

void rest_client_free(struct rest_client *rc)
{
    if (!rc)
        return;
    ASSERT(rc->nfree == rc->nlanes); /* no blocking call in flight */
    for (int i = 0; i < rc->nfree; i++) {
        http_req_free(rc->free_lanes[i]->req);
        http_client_free(rc->free_lanes[i]->c);
        free(rc->free_lanes[i]);
    }
    pthread_cond_destroy(&rc->cv);
    pthread_mutex_destroy(&rc->mu);
    http_tls_free(rc->tls);
    free(rc->server);
    free(rc->user_agent);
    if (rc->bearer)
        explicit_bzero(rc->bearer, strlen(rc->bearer));
    free(rc->bearer);
    free(rc);
}

static struct lane *lane_get(struct rest_client *rc)
{
    struct lane *l = NULL;
    pthread_mutex_lock(&rc->mu);
    while (rc->nfree == 0 && rc->nlanes >= KG_MAX_REST_LANES)
        pthread_cond_wait(&rc->cv, &rc->mu);
    if (rc->nfree > 0) {
        l = rc->free_lanes[--rc->nfree];
    } else {
        rc->nlanes++;
        l = xcalloc(1, sizeof(*l));
        struct http_client_opts o = { .user_agent = rc->user_agent };
        l->c = http_client_new(&o);
        l->req = http_req_new(l->c);
    }
    pthread_mutex_unlock(&rc->mu);
    return l;
}

static void lane_put(struct rest_client *rc, struct lane *l)
{
    http_req_drop_body(l->req);
    pthread_mutex_lock(&rc->mu);
    rc->free_lanes[rc->nfree++] = l;
    pthread_cond_signal(&rc->cv);
    pthread_mutex_unlock(&rc->mu);
}

/* ---- URL building ---- */

/* client-go's IsValidPathSegmentName: not "." or "..", no '/' or '%'. */
static int bad_segment(const char *s)
{
    return !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strchr(s, '/') || strchr(s, '%') ||
           strchr(s, '?') || strchr(s, '#');
}

static int check_segment(const char *what, const char *s, char *err, size_t errlen)
{
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
            kg_set_err(err, errlen, "%s \"%s\" may not contain control characters or spaces", what,
                       s);
            return -EINVAL;
        }
    }
    if (bad_segment(s)) {
        kg_set_err(err, errlen, "%s \"%s\" is not a valid path segment name", what, s);
        return -EINVAL;
    }
    return 0;
}

/* Go's url.QueryEscape: unreserved bytes kept, space as '+', the rest %XX (upper case). */
static int query_escape(struct buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int rc;
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            rc = buf_putc(out, (char)*p);
        } else if (*p == ' ') {
            rc = buf_putc(out, '+');
        } else {
            char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
            rc = buf_append(out, e, 3);
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int add_param(struct buf *out, int *first, const char *key, const char *val)
{
    int rc = buf_putc(out, *first ? '?' : '&');
    if (!rc)
        rc = buf_appends(out, key);
    if (!rc)
        rc = buf_putc(out, '=');
    if (!rc)
        rc = query_escape(out, val);
    *first = 0;
    return rc;
}

int rest_build_path(const struct rest_resource *res, const struct rest_query *q, struct buf *out,
                    char *err, size_t errlen)
{
    int rc = -EINVAL;
    size_t start = buf_len(out);
    const char *group = res->group && *res->group ? res->group : NULL;
    const char *ns = res->namespace && *res->namespace ? res->namespace : NULL;
    const char *name = res->name && *res->name ? res->name : NULL;
    const char *sub = res->subresource && *res->subresource ? res->subresource : NULL;

    if (!res->version || !*res->version || !res->resource || !*res->resource) {
        kg_set_err(err, errlen, "a resource needs a version and a resource name");
        goto out;
    }
    if (sub && !name) {
        kg_set_err(err, errlen, "subresource \"%s\" needs an object name", sub);
        goto out;
    }
    if ((group && check_segment("group", group, err, errlen)) ||
        check_segment("version", res->version, err, errlen) ||
        check_segment("resource", res->resource, err, errlen) ||
        (ns && check_segment("namespace", ns, err, errlen)) ||
        (name && check_segment("name", name, err, errlen)) ||
        (sub && check_segment("subresource", sub, err, errlen)))
        goto out;

    if (group)
        rc = buf_printf(out, "/apis/%s/%s", group, res->version);
    else
        rc = buf_printf(out, "/api/%s", res->version);
    if (!rc && ns)
        rc = buf_printf(out, "/namespaces/%s", ns);
    if (!rc)
        rc = buf_printf(out, "/%s", res->resource);
    if (!rc && name)
        rc = buf_printf(out, "/%s", name);
    if (!rc && sub)
        rc = buf_printf(out, "/%s", sub);

    /* Keys in sorted order, as Go's url.Values.Encode writes them. */
    int first = 1;
    char num[32];
    if (!rc && q) {
        if (!rc && q->allow_watch_bookmarks)
            rc = add_param(out, &first, "allowWatchBookmarks", "true");
        if (!rc && q->continue_token && *q->continue_token)
            rc = add_param(out, &first, "continue", q->continue_token);
        if (!rc && q->field_manager && *q->field_manager)
            rc = add_param(out, &first, "fieldManager", q->field_manager);
        if (!rc && q->field_selector && *q->field_selector)
            rc = add_param(out, &first, "fieldSelector", q->field_selector);
        if (!rc && q->label_selector && *q->label_selector)
            rc = add_param(out, &first, "labelSelector", q->label_selector);
        if (!rc && q->limit > 0) {
            snprintf(num, sizeof(num), "%ld", q->limit);
            rc = add_param(out, &first, "limit", num);
        }
        if (!rc && q->resource_version && *q->resource_version)
            rc = add_param(out, &first, "resourceVersion", q->resource_version);
        if (!rc && q->resource_version_match && *q->resource_version_match)
            rc = add_param(out, &first, "resourceVersionMatch", q->resource_version_match);
        if (!rc && q->timeout_seconds > 0) {
            snprintf(num, sizeof(num), "%ld", q->timeout_seconds);
            rc = add_param(out, &first, "timeoutSeconds", num);
        }
        if (!rc && q->watch)
            rc = add_param(out, &first, "watch", "true");
    }
    if (!rc && buf_len(out) - start > KG_MAX_REST_PATH)
        rc = -E2BIG;
    if (rc == -E2BIG)
        kg_set_err(err, errlen, "request path is longer than %d bytes", KG_MAX_REST_PATH);
out:
    if (rc) {
        out->len = start;
        if (out->ptr)
            out->ptr[start] = '\0';
    }
    return rc;
}

const char *rest_accept_header(enum rest_accept a, int list)
{
    switch (a) {
    case REST_ACCEPT_TABLE:
        return "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
    case REST_ACCEPT_METADATA:
        return list ? "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,"
                      "application/json"
                    : "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io,"
                      "application/json";
    case REST_ACCEPT_JSON:
        break;
    }
    return "application/json";
}

/* ---- Status decoding ---- */

static void copy_trunc(char *dst, size_t dstlen, const char *src, size_t n)
{
    if (n >= dstlen)
        n = dstlen - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int rest_status_from_json(const struct json_value *obj, struct rest_status *st)
{
    const char *status = NULL, *s = NULL;
    size_t n = 0;
    int32_t code = 0, retry = 0;
    memset(st, 0, sizeof(*st));
    if (!obj || json_kind(obj) != JSON_OBJECT)
        return -EINVAL;
    if (json_opt_string(obj, "status", &status, NULL, NULL, 0) != 1 || !*status)
        return -EINVAL;
    if (json_opt_int32(obj, "code", &code, NULL, 0) == 1)
        st->code = code;
    if (json_opt_string(obj, "reason", &s, &n, NULL, 0) == 1)
        copy_trunc(st->reason, sizeof(st->reason), s, n);
    if (json_opt_string(obj, "message", &s, &n, NULL, 0) == 1)
        copy_trunc(st->message, sizeof(st->message), s, n);
    if (json_opt_int32(obj, "details.retryAfterSeconds", &retry, NULL, 0) == 1 && retry > 0)
        st->retry_after_seconds = retry;
    st->from_body = 1;
    return 0;
}

/* Content-Type absent or text/... : the body is shown as the message (client-go). */
static int is_text(const char *ct)
{
    while (ct && (*ct == ' ' || *ct == '\t'))
        ct++;
    if (!ct || !*ct)
        return 1;
    return strncasecmp(ct, "text/", 5) == 0;
}

/* Go's %q for a string: quotes, backslash escapes for quote, backslash and control bytes. */
static void go_quote(struct buf *b, const char *s, size_t n)
{
    buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            buf_appends(b, "\\\"");
            break;
        case '\\':
            buf_appends(b, "\\\\");
            break;
        case '\a':
            buf_appends(b, "\\a");
            break;
        case '\b':
            buf_appends(b, "\\b");
            break;
        case '\f':
            buf_appends(b, "\\f");
            break;
        case '\n':
            buf_appends(b, "\\n");
            break;
        case '\r':
            buf_appends(b, "\\r");
            break;
        case '\t':
            buf_appends(b, "\\t");
            break;
        case '\v':
            buf_appends(b, "\\v");
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                buf_printf(b, "\\x%02x", c);
            else
                buf_putc(b, (char)c);
        }
    }
    buf_putc(b, '"');
}

static void generic_status(long code, const char *ct, const char *body, size_t len,
                           const char *method, const struct rest_resource *res,
                           struct rest_status *st)
{
    struct buf msg;
    buf_init(&msg, KG_REST_STATUS_MESSAGE * 2);
    /* serverMessage: the trimmed body (first 2 KiB) for text, else "unknown" */
    const char *sm = "unknown";
    size_t smlen = 7;
    if (is_text(ct)) {
        size_t n = len < KG_REST_MAX_ERROR_TEXT ? len : KG_REST_MAX_ERROR_TEXT;
        const char *p = body;
        while (n > 0 && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        while (n > 0 && isspace((unsigned char)p[n - 1]))
            n--;
        sm = p;
        smlen = n;
    }
    const char *reason = "";
    const char *fixed = NULL;
    switch (code) {
    case 409:
        reason = method && strcmp(method, "POST") == 0 ? "AlreadyExists" : "Conflict";
        fixed = "the server reported a conflict";
        break;
    case 404:
        reason = "NotFound";
        fixed = "the server could not find the requested resource";
        break;
    case 400:
        reason = "BadRequest";
        fixed = "the server rejected our request for an unknown reason";
        break;
    case 401:
        reason = "Unauthorized";
        fixed = "the server has asked for the client to provide credentials";
        break;
    case 403:
        reason = "Forbidden";
        break;
    case 406:
        reason = "NotAcceptable";
        break;
    case 415:
        reason = "UnsupportedMediaType";
        break;
    case 405:
        reason = "MethodNotAllowed";
        fixed = "the server does not allow this method on the requested resource";
        break;
    case 422:
        reason = "Invalid";
        fixed = "the server rejected our request due to an error in our request";
        break;
    case 503:
        reason = "ServiceUnavailable";
        fixed = "the server is currently unable to handle the request";
        break;
    case 504:
        reason = "Timeout";
        fixed = "the server was unable to return a response in the time allotted, but may "
                "still be processing the request";
        break;
    case 429:
        reason = "TooManyRequests";
        fixed = "the server has received too many requests and has asked us to try again later";
        break;
    default:
        break;
    }
    if (fixed) {
        buf_appends(&msg, fixed);
    } else if (code == 403 || code == 406 || code == 415) {
        buf_append(&msg, sm, smlen);
    } else if (code >= 500) {
        reason = "InternalError";
        buf_appends(&msg, "an error on the server (");
        go_quote(&msg, sm, smlen);
        buf_appends(&msg, ") has prevented the request from succeeding");
    } else {
        buf_printf(&msg,
                   "the server responded with the status code %ld but did not return more "
                   "information",
                   code);
    }
    if (res && res->resource && *res->resource) {
        char verb[16];
        size_t i = 0;
        for (; method && method[i] && i + 1 < sizeof(verb); i++)
            verb[i] = (char)tolower((unsigned char)method[i]);
        verb[i] = '\0';
        const char *g = res->group && *res->group ? res->group : NULL;
        buf_printf(&msg, " (%s %s%s%s", verb, res->resource, g ? "." : "", g ? g : "");
        if (res->name && *res->name)
            buf_printf(&msg, " %s", res->name);
        buf_putc(&msg, ')');
    }
    st->code = (int)code;
    snprintf(st->reason, sizeof(st->reason), "%s", reason);
    copy_trunc(st->message, sizeof(st->message), buf_str(&msg), buf_len(&msg));
    buf_cleanup(&msg);
}

int rest_status_decode(long http_status, const char *content_type, const char *body, size_t len,
                       const char *method, const struct rest_resource *res, struct rest_status *st)
{
    memset(st, 0, sizeof(*st));
    if (http_status >= 200 && http_status <= 206)
        return 0;
    struct json_doc *doc = NULL;
    if (len > 0 && json_parse(body, len, &doc, NULL, 0) == 0 &&
        rest_status_from_json(json_doc_root(doc), st) == 0) {
        if (st->code == 0)
            st->code = (int)http_status;
    } else {
        generic_status(http_status, content_type, body ? body : "", len, method, res, st);
    }
    json_doc_free(doc);
    return -EREMOTEIO;
}

/* ---- request preparation ---- */

int rest_prepare(struct rest_client *rc, struct http_req *req, const char *method,
                 const struct rest_resource *res, const struct rest_query *q,
                 enum rest_accept accept, const char *content_type, const void *body, size_t len,
                 char *err, size_t errlen)
{
    struct buf url;
    char *token = NULL;
    int rc_ = 0;
    buf_init(&url, KG_MAX_HTTP_URL);
    if (buf_appends(&url, rc->server) != 0) {
        rc_ = -E2BIG;
        goto out;
    }
    rc_ = rest_build_path(res, q, &url, err, errlen);
    if (rc_)
        goto out;
    rc_ = http_req_set_url(req, buf_str(&url));
    if (rc_ == 0)
        rc_ = http_req_set_method(req, method);
    if (rc_) {
        kg_set_err(err, errlen, "invalid request %s %s", method, buf_str(&url));
        goto out;
    }
    http_req_clear_headers(req);
    /* lists get the List variant; objects and watch events the single-object one */
    int list = !(res->name && *res->name) && !(q && q->watch);
    http_req_add_header(req, "Accept", rest_accept_header(accept, list));
    http_req_add_header(req, "User-Agent", rc->user_agent);
    if (body && len) {
        http_req_set_body(req, body, len);
        rc_ = http_req_add_header(req, "Content-Type",
                                  content_type ? content_type : "application/json");
        if (rc_) {
            kg_set_err(err, errlen, "invalid content type");
            goto out;
        }
    } else {
        http_req_set_body(req, NULL, 0);
    }
    if (rc->token_cb) {
        token = xmalloc(KG_MAX_REST_TOKEN);
        token[0] = '\0';
        rc_ = rc->token_cb(rc->token_ud, token, KG_MAX_REST_TOKEN);
        if (rc_) {
            kg_set_err(err, errlen, "cannot get a bearer token: %s", strerror(-rc_));
            goto out;
        }
        token[KG_MAX_REST_TOKEN - 1] = '\0';
    }
    rc_ = http_req_set_bearer_token(req, token ? token : rc->bearer);
    if (rc_) {
        kg_set_err(err, errlen, "the bearer token contains a line break");
        goto out;
    }
    http_req_set_tls(req, rc->tls);
    http_req_set_timeout_ms(req, q && q->watch ? 0 : rc->timeout_ms);
    http_req_set_max_body(req, KG_MAX_JSON_DOC);
out:
    if (token) {
        explicit_bzero(token, KG_MAX_REST_TOKEN);
        free(token);
    }
    buf_cleanup(&url);
    return rc_;
}

/* ---- blocking calls ---- */

void rest_response_cleanup(struct rest_response *r)
{
    if (!r)
        return;
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* Runs one prepared call on a lane. On return the lane's request holds the result. */
static int lane_call(struct rest_client *rc, struct lane *l, const char *method,
                     const struct rest_resource *res, const struct rest_query *q,
                     enum rest_accept accept, const char *ctype, const void *body, size_t len,
                     struct rest_status *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof(*st));
    int rc_ = rest_prepare(rc, l->req, method, res, q, accept, ctype, body, len, err, errlen);
    if (rc_)
        return rc_;
    http_req_set_callbacks(l->req, NULL, NULL, NULL);
    rc_ = http_client_do(l->c, l->req);
    const struct http_result *hr = http_req_result(l->req);
    if (rc_) {
        kg_set_err(err, errlen, "%s", hr->errmsg);
        return rc_;
    }
    rc_ = rest_status_decode(hr->status, hr->content_type, hr->body, hr->body_len, method, res, st);
    if (rc_)
        kg_set_err(err, errlen, "%s", st->message);
    return rc_;
}

int rest_do(struct rest_client *rc, const char *method, const struct rest_resource *res,
            const struct rest_query *q, enum rest_accept accept, const char *content_type,
            const void *body, size_t len, struct rest_response *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct lane *l = lane_get(rc);
    int rc_ = lane_call(rc, l, method, res, q, accept, content_type, body, len, &out->status, err,
                        errlen);
    const struct http_result *hr = http_req_result(l->req);
    out->http_status = hr->status;
    out->body = xmemdup(hr->body, hr->body_len + 1);
    out->len = hr->body_len;
    lane_put(rc, l);
    return rc_;
}

int rest_get(struct rest_client *rc, const struct rest_resource *res, enum rest_accept accept,
             struct rest_response *out, char *err, size_t errlen)
{
    return rest_do(rc, "GET", res, NULL, accept, NULL, NULL, 0, out, err, errlen);
}

int rest_patch(struct rest_client *rc, const struct rest_resource *res, const char *patch_type,
               const void *body, size_t len, struct rest_response *out, char *err, size_t errlen)
{
    return rest_do(rc, "PATCH", res, NULL, REST_ACCEPT_JSON, patch_type, body, len, out, err,
                   errlen);
}

int rest_list_page_decode(const char *body, size_t len, enum rest_accept accept, rest_item_cb cb,
                          void *ud, char *rv, size_t rvlen, char **cont, size_t *nitems, char *err,
                          size_t errlen)
{
    struct json_doc *doc = NULL;
    char jerr[256];
    const char *items_key = accept == REST_ACCEPT_TABLE ? "rows" : "items";
    const struct json_value *root, *items = NULL;
    const char *s = NULL;
    size_t n = 0, slen = 0;
    int rc = json_parse(body, len, &doc, jerr, sizeof(jerr));
    *cont = NULL;
    *nitems = 0;
    if (rc) {
        kg_set_err(err, errlen, "decoding a list: %s", jerr);
        rc = -EBADMSG;
        goto out;
    }
    root = json_doc_root(doc);
    if (json_kind(root) != JSON_OBJECT ||
        json_opt_array(root, items_key, &items, &n, jerr, sizeof(jerr)) < 0) {
        kg_set_err(err, errlen, "decoding a list: the response is not a list (no %s array)",
                   items_key);
        rc = -EBADMSG;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rc = cb(json_array_at(items, i), ud);
        if (rc) {
            kg_set_err(err, errlen, "list item handler failed: %s", strerror(-rc));
            goto out;
        }
        (*nitems)++;
    }
    if (rv && rvlen) {
        rv[0] = '\0';
        if (json_opt_string(root, "metadata.resourceVersion", &s, &slen, NULL, 0) == 1)
            copy_trunc(rv, rvlen, s, slen);
    }
    if (json_opt_string(root, "metadata.continue", &s, &slen, NULL, 0) == 1 && slen > 0)
        *cont = xstrndup(s, slen);
out:
    json_doc_free(doc);
    return rc;
}

int rest_list(struct rest_client *rc, const struct rest_resource *res, const struct rest_query *q,
              enum rest_accept accept, rest_item_cb cb, void *ud, struct rest_list_info *info,
              struct rest_status *st, char *err, size_t errlen)
{
    struct rest_query pq = { 0 };
    struct rest_status st_local;
    struct rest_list_info info_local;
    char *cont = NULL;
    struct lane *l = NULL;
    int rc_ = 0;
    if (!st)
        st = &st_local;
    if (!info)
        info = &info_local;
    memset(info, 0, sizeof(*info));
    memset(st, 0, sizeof(*st));
    if (q)
        pq = *q;
    if (pq.watch || (pq.continue_token && *pq.continue_token) || (res->name && *res->name)) {
        kg_set_err(err, errlen, "rest_list: a list takes no watch, continue token or object name");
        return -EINVAL;
    }
    if (pq.limit <= 0)
        pq.limit = KG_REST_PAGE_LIMIT;
    l = lane_get(rc);
    for (int page = 0;; page++) {
        if (page >= REST_MAX_PAGES) {
            kg_set_err(err, errlen, "list of %s did not end after %d pages", res->resource, page);
            rc_ = -E2BIG;
            goto out;
        }
        pq.continue_token = cont;
        rc_ = lane_call(rc, l, "GET", res, &pq, accept, NULL, NULL, 0, st, err, errlen);
        if (rc_)
            goto out;
        const struct http_result *hr = http_req_result(l->req);
        size_t n = 0;
        free(cont);
        cont = NULL;
        rc_ = rest_list_page_decode(hr->body, hr->body_len, accept, cb, ud, info->resource_version,
                                    sizeof(info->resource_version), &cont, &n, err, errlen);
        http_req_drop_body(l->req);
        info->items += n;
        if (rc_)
            goto out;
        info->pages++;
        if (!cont)
            break;
    }
out:
    free(cont);
    if (l)
        lane_put(rc, l);
    return rc_;
}

/* ---- watch ---- */

struct rest_watch {
    struct rest_client *rc;
    struct http_req *req;
    rest_event_cb on_event;
    rest_watch_done_cb on_done;
    void *ud;
    char resource[64];
    struct watch_decoder *dec;
    char failmsg[256]; /* why the data callback stopped the stream */
};

static int watch_deliver(void *ud, const struct watch_event *ev)
{
    struct rest_watch *w = ud;
    enum rest_event_type t = REST_EVENT_ERROR;
    switch (ev->type) {
    case WATCH_ADDED:
        t = REST_EVENT_ADDED;
        break;
    case WATCH_MODIFIED:
        t = REST_EVENT_MODIFIED;
        break;
    case WATCH_DELETED:
        t = REST_EVENT_DELETED;
        break;
    case WATCH_BOOKMARK:
        t = REST_EVENT_BOOKMARK;
        break;
    case WATCH_ERROR:
        t = REST_EVENT_ERROR;
        break;
    }
    int rc = w->on_event(t, ev->object, w->ud);
    if (rc)
        snprintf(w->failmsg, sizeof(w->failmsg), "watch stopped by its event handler: %s",
                 strerror(-rc));
    return rc;
}

/* Decoder errors become -EBADMSG (malformed) or stay -E2BIG; handler errors pass through. */
static int watch_feed(struct rest_watch *w, const char *data, size_t len)
{
    char derr[200];
    w->failmsg[0] = '\0';
    int rc = watch_decoder_feed(w->dec, data, len, watch_deliver, w, derr, sizeof(derr));
    if (rc && !w->failmsg[0]) {
        snprintf(w->failmsg, sizeof(w->failmsg), "decoding the watch stream: %s", derr);
        if (rc == -EPROTO)
            rc = -EBADMSG;
    }
    return rc;
}

static int watch_data_cb(struct http_req *req, const char *data, size_t len, void *ud)
{
    (void)req;
    return watch_feed(ud, data, len);
}

static void watch_done_cb(struct http_req *req, const struct http_result *hr, void *ud)
{
    (void)req;
    struct rest_watch *w = ud;
    struct rest_status st;
    struct rest_resource res = { .resource = w->resource };
    int error = hr->error;
    const char *msg = "";
    char buf[KG_REST_STATUS_MESSAGE];
    memset(&st, 0, sizeof(st));
    if (error) {
        msg = w->failmsg[0] ? w->failmsg : hr->errmsg;
    } else if (rest_status_decode(hr->status, hr->content_type, hr->body, hr->body_len, "GET", &res,
                                  &st) != 0) {
        error = -EREMOTEIO;
        msg = st.message;
    } else if (watch_decoder_finish(w->dec, NULL, 0) != 0) {
        error = -EBADMSG;
        msg = "the watch stream ended inside an event";
    } else {
        msg = "the server closed the watch";
    }
    snprintf(buf, sizeof(buf), "%s", msg);
    watch_decoder_reset(w->dec);
    http_req_drop_body(w->req);
    if (w->on_done)
        w->on_done(error, &st, buf, w->ud); /* may free or restart w */
}

struct rest_watch *rest_watch_new(struct rest_client *rc, struct http_client *c,
                                  rest_event_cb on_event, rest_watch_done_cb on_done, void *ud)
{
    struct rest_watch *w = xcalloc(1, sizeof(*w));
    w->rc = rc;
    w->req = http_req_new(c);
    w->on_event = on_event;
    w->on_done = on_done;
    w->ud = ud;
    w->dec = watch_decoder_new(KG_MAX_WATCH_EVENT);
    http_req_set_callbacks(w->req, watch_done_cb, watch_data_cb, w);
    return w;
}

void rest_watch_free(struct rest_watch *w)
{
    if (!w)
        return;
    http_req_free(w->req);
    watch_decoder_free(w->dec);
    free(w);
}

int rest_watch_start(struct rest_watch *w, const struct rest_resource *res,
                     const struct rest_query *q, enum rest_accept accept, char *err, size_t errlen)
{
    if (http_req_running(w->req))
        return -EBUSY;
    struct rest_query wq = { 0 };
    if (q)
        wq = *q;
    wq.watch = 1;
    wq.limit = 0;
    wq.continue_token = NULL;
    int rc = rest_prepare(w->rc, w->req, "GET", res, &wq, accept, NULL, NULL, 0, err, errlen);
    if (rc)
        return rc;
    /* error bodies are small Status objects */
    http_req_set_max_body(w->req, KG_MAX_JSON_DOC);
    snprintf(w->resource, sizeof(w->resource), "%s", res->resource);
    watch_decoder_reset(w->dec);
    w->failmsg[0] = '\0';
    return http_req_start(w->req);
}

void rest_watch_cancel(struct rest_watch *w)
{
    http_req_cancel(w->req);
}

int rest_watch_running(const struct rest_watch *w)
{
    return http_req_running(w->req);
}

int rest__watch_decode(const char *data, size_t len, size_t chunk, rest_event_cb cb, void *ud,
                       char *err, size_t errlen)
{
    struct rest_watch w;
    int rc = 0;
    memset(&w, 0, sizeof(w));
    w.on_event = cb;
    w.ud = ud;
    w.dec = watch_decoder_new(KG_MAX_WATCH_EVENT);
    if (chunk == 0)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len && rc == 0; off += chunk)
        rc = watch_feed(&w, data + off, len - off < chunk ? len - off : chunk);
    if (rc == 0 && watch_decoder_finish(w.dec, NULL, 0) != 0) {
        snprintf(w.failmsg, sizeof(w.failmsg), "the watch stream ended inside an event");
        rc = -EBADMSG;
    }
    if (rc)
        kg_set_err(err, errlen, "%s", w.failmsg);
    watch_decoder_free(w.dec);
    return rc;
}
