/*
 * The sim's API server on top of http/server: one dispatcher (the server's fallback handler)
 * that authenticates by client certificate, authorizes (system:masters or discovery only),
 * negotiates the response type and serves discovery, health, version and the store's objects.
 * Every error is a Kubernetes Status with kube-apiserver's reason, code and message.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/server.h"
#include "json/writer.h"
#include "kube/fields.h"
#include "kube/labels.h"
#include "sim/apiserver.h"
#include "sim/discovery.h"
#include "sim/model.h"
#include "sim/objects.h"
#include "sim/request.h"
#include "sim/store.h"
#include "sim/table.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/time.h"

struct apiserver {
    struct server *srv;
    struct store *st;
    int listener;
    char version[64];
    uint64_t seed;
};

/* Per-request state. */
struct ctx {
    struct apiserver *a;
    const struct server_req *req;
    struct server_resp *resp;
    bool pretty;
    bool authenticated;
    bool admin;
    const char *user;
};

/* ---- responses ---- */

static void common_headers(struct server_resp *resp)
{
    server_resp_header(resp, "Cache-Control", "no-cache, private");
}

static struct json_writer *json_begin(struct ctx *c)
{
    struct buf *b = server_resp_body(c->resp);
    buf_reset(b);
    struct json_writer *w = json_writer_new(b);
    if (c->pretty)
        json_writer_set_indent(w, "  ");
    return w;
}

static void send_status(struct ctx *c, int code, const char *reason, const char *message,
                        bool details, const char *name, const char *group, const char *kind);

/* Finishes the document written through w and sends it. */
static void json_end(struct ctx *c, struct json_writer *w, int status, const char *ctype)
{
    char err[KG_ERRBUF];
    struct buf *b = server_resp_body(c->resp);
    int rc = json_writer_finish(w, err, sizeof(err));
    json_writer_free(w);
    if (!rc && !c->pretty)
        rc = buf_putc(b, '\n'); /* json.Encoder's newline; MarshalIndent (pretty) has none */
    if (rc) {
        char msg[KG_ERRBUF + 128];
        snprintf(msg, sizeof(msg),
                 "an error on the server (\"%s\") has prevented the request from succeeding",
                 rc == -E2BIG ? "response too large" : err);
        log_warn("sim apiserver: %s %s: %s", server_req_method(c->req), server_req_path(c->req),
                 msg);
        buf_reset(b);
        if (status != 500) /* never recurse more than once */
            send_status(c, 500, "InternalError", msg, false, NULL, NULL, NULL);
        else
            server_resp_text(c->resp, 500, "%s\n", msg);
        return;
    }
    server_resp_status(c->resp, status);
    server_resp_header(c->resp, "Content-Type", ctype);
    common_headers(c->resp);
}

static void send_status(struct ctx *c, int code, const char *reason, const char *message,
                        bool details, const char *name, const char *group, const char *kind)
{
    struct json_writer *w = json_begin(c);
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "Status");
    json_writer_member_string(w, "apiVersion", "v1");
    json_writer_key(w, "metadata");
    json_writer_begin_object(w);
    json_writer_end_object(w);
    json_writer_member_string(w, "status", "Failure");
    json_writer_member_string(w, "message", message);
    json_writer_member_string(w, "reason", reason);
    if (details) {
        json_writer_key(w, "details");
        json_writer_begin_object(w);
        if (name && name[0])
            json_writer_member_string(w, "name", name);
        if (group && group[0])
            json_writer_member_string(w, "group", group);
        if (kind && kind[0])
            json_writer_member_string(w, "kind", kind);
        json_writer_end_object(w);
    }
    json_writer_member_int64(w, "code", code);
    json_writer_end_object(w);
    json_end(c, w, code, "application/json");
}

static void not_found_path(struct ctx *c)
{
    send_status(c, 404, "NotFound", "the server could not find the requested resource", true, NULL,
                NULL, NULL);
}

static void method_not_allowed(struct ctx *c)
{
    send_status(c, 405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource", true, NULL, NULL,
                NULL);
}

static void bad_request(struct ctx *c, const char *message)
{
    send_status(c, 400, "BadRequest", message, false, NULL, NULL, NULL);
}

static void not_acceptable(struct ctx *c)
{
    send_status(c, 406, "NotAcceptable",
                "only the following media types are accepted: application/json", false, NULL, NULL,
                NULL);
}

/* ---- small helpers ---- */

/* Go's strconv.ParseBool; -1 when s is not a boolean. */
static int parse_bool(const char *s)
{
    static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
    static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
    for (size_t i = 0; i < 6; i++) {
        if (!strcmp(s, t[i]))
            return 1;
        if (!strcmp(s, f[i]))
            return 0;
    }
    return -1;
}

/* kube-apiserver's isPrettyPrint: ?pretty=<bool> decides; else curl, Wget and browsers get
 * indented JSON. */
static bool want_pretty(const struct server_req *req)
{
    const char *pp = server_req_query(req, "pretty");
    if (pp && pp[0])
        return parse_bool(pp) == 1;
    const char *ua = server_req_header(req, "User-Agent");
    if (!ua)
        return false;
    return !strncmp(ua, "curl", 4) || !strncmp(ua, "Wget", 4) || !strncmp(ua, "Mozilla/5.0", 11);
}

static bool is_get(const struct server_req *req)
{
    const char *m = server_req_method(req);
    return !strcmp(m, "GET") || !strcmp(m, "HEAD");
}

static bool path_is(const char *path, const char *base)
{
    size_t n = strlen(base);
    return !strncmp(path, base, n) && (path[n] == '\0' || path[n] == '/');
}

static bool public_path(const char *path)
{
    return !strcmp(path, "/version") || !strcmp(path, "/version/") || path_is(path, "/healthz") ||
           path_is(path, "/livez") || path_is(path, "/readyz");
}

/* Non-resource paths every authenticated user may read (system:discovery, system:basic-user,
 * system:public-info-viewer). */
static bool discovery_path(const char *path, const struct request_info *ri)
{
    if (public_path(path) || !strcmp(path, "/api") || !strcmp(path, "/api/") ||
        !strcmp(path, "/apis") || !strcmp(path, "/apis/") || path_is(path, "/openapi"))
        return true;
    return ri->is_api && !ri->resource[0];
}

/* ---- non-resource endpoints ---- */

static void serve_version(struct ctx *c)
{
    /* always indented, without a trailing newline (kube-apiserver's writeRawJSON) */
    c->pretty = true;
    char minor[16] = "", major[16] = "";
    /* "v1.32.5" -> "1", "32" */
    const char *v = c->a->version + (c->a->version[0] == 'v');
    char *end;
    unsigned long ma = strtoul(v, &end, 10);
    if (end != v && *end == '.') {
        const char *m = end + 1;
        unsigned long mi = strtoul(m, &end, 10);
        if (end != m) {
            snprintf(major, sizeof(major), "%lu", ma);
            snprintf(minor, sizeof(minor), "%lu", mi);
        }
    }
    struct json_writer *w = json_begin(c);
    json_writer_begin_object(w);
    json_writer_member_string(w, "major", major);
    json_writer_member_string(w, "minor", minor);
    json_writer_member_string(w, "gitVersion", c->a->version);
    json_writer_member_string(w, "gitCommit", "0000000000000000000000000000000000000000");
    json_writer_member_string(w, "gitTreeState", "clean");
    json_writer_member_string(w, "buildDate", "1970-01-01T00:00:00Z");
    json_writer_member_string(w, "goVersion", "kgauge-sim");
    json_writer_member_string(w, "compiler", "gc");
    json_writer_member_string(w, "platform", "linux/amd64");
    json_writer_end_object(w);
    json_end(c, w, 200, "application/json");
}

static void serve_health(struct ctx *c, const char *path)
{
    const char *which = path_is(path, "/livez")    ? "livez"
                        : path_is(path, "/readyz") ? "readyz"
                                                   : "healthz";
    server_resp_header(c->resp, "X-Content-Type-Options", "nosniff");
    common_headers(c->resp);
    if (server_req_query(c->req, "verbose"))
        server_resp_text(c->resp, 200, "[+]ping ok\n%s check passed\n", which);
    else
        server_resp_text(c->resp, 200, "ok");
}

static void serve_openapi_v2(struct ctx *c)
{
    server_resp_status(c->resp, 200);
    server_resp_header(c->resp, "Content-Type", "application/octet-stream");
    common_headers(c->resp);
}

static void serve_root_discovery(struct ctx *c, bool core)
{
    unsigned m = request_negotiate(server_req_header(c->req, "Accept"),
                                   MEDIA_JSON | MEDIA_DISCOVERY_V2 | MEDIA_DISCOVERY_V2BETA1);
    if (!m) {
        not_acceptable(c);
        return;
    }
    struct json_writer *w = json_begin(c);
    if (m == MEDIA_DISCOVERY_V2 || m == MEDIA_DISCOVERY_V2BETA1) {
        bool v2 = m == MEDIA_DISCOVERY_V2;
        discovery_write_aggregated(w, core, v2 ? "v2" : "v2beta1");
        json_end(c, w, 200, v2 ? SIM_DISCOVERY_V2_TYPE : SIM_DISCOVERY_V2BETA1_TYPE);
        return;
    }
    if (core) {
        const char *local = server_req_local_addr(c->req);
        discovery_write_api_versions(w, local ? local : "127.0.0.1:443");
    } else {
        discovery_write_group_list(w);
    }
    json_end(c, w, 200, "application/json");
}

/* ---- resources ---- */

struct list_params {
    struct labels_selector *ls;
    struct fields_selector *fs;
    size_t limit;
    char *start; /* continue start key, or NULL */
    size_t start_len;
    uint64_t continue_rv;
};

static void list_params_cleanup(struct list_params *p)
{
    labels_selector_free(p->ls);
    fields_selector_free(p->fs);
    free(p->start);
}

/* Reads the list query parameters; on a bad one sends the 400 and returns -EINVAL. */
static int list_params_parse(struct ctx *c, enum sim_kind kind, struct list_params *p)
{
    int rc = 0;
    char *err = xmalloc(KG_SELECTOR_ERRBUF);
    memset(p, 0, sizeof(*p));
    const char *v = server_req_query(c->req, "labelSelector");
    if (v && v[0]) {
        rc = labels_selector_parse(&p->ls, v, strlen(v), err, KG_SELECTOR_ERRBUF);
        if (rc) {
            bad_request(c, err);
            goto out;
        }
    }
    v = server_req_query(c->req, "fieldSelector");
    if (v && v[0]) {
        rc = fields_selector_parse(&p->fs, v, strlen(v), err, KG_SELECTOR_ERRBUF);
        if (!rc) {
            size_t n;
            const struct fields_allowed *allowed = obj_field_labels(kind, &n);
            rc = fields_selector_check(p->fs, allowed, n, FIELDS_REJECT_NOT_SUPPORTED, err,
                                       KG_SELECTOR_ERRBUF);
        }
        if (rc) {
            bad_request(c, err);
            goto out;
        }
    }
    v = server_req_query(c->req, "limit");
    if (v && v[0]) {
        char *end;
        errno = 0;
        long long l = strtoll(v, &end, 10);
        if (*end || errno || end == v || v[0] == ' ' || v[0] == '+') {
            snprintf(err, KG_SELECTOR_ERRBUF, "strconv.ParseInt: parsing \"%.256s\": %s", v,
                     errno == ERANGE ? "value out of range" : "invalid syntax");
            bad_request(c, err);
            rc = -EINVAL;
            goto out;
        }
        p->limit = l > 0 ? (size_t)l : 0;
    }
    v = server_req_query(c->req, "continue");
    if (v && v[0]) {
        char msg[KG_ERRBUF];
        size_t keylen = KG_SIM_MAX_CONTINUE + 1;
        p->start = xmalloc(keylen);
        rc = request_continue_decode(v, &p->continue_rv, p->start, keylen, &p->start_len, msg,
                                     sizeof(msg));
        if (rc) {
            snprintf(err, KG_SELECTOR_ERRBUF, "invalid continue token: %s", msg);
            bad_request(c, err);
            goto out;
        }
        const char *rv = server_req_query(c->req, "resourceVersion");
        if (rv && rv[0] && strcmp(rv, "0") != 0) {
            bad_request(c, "specifying resource version is not allowed when using continue");
            rc = -EINVAL;
            goto out;
        }
    }
out:
    free(err);
    return rc;
}

static enum table_include table_include(const struct server_req *req)
{
    const char *v = server_req_query(req, "includeObject");
    if (v && !strcmp(v, "None"))
        return TABLE_INCLUDE_NONE;
    if (v && !strcmp(v, "Object"))
        return TABLE_INCLUDE_OBJECT;
    return TABLE_INCLUDE_METADATA;
}

static void write_listmeta(struct json_writer *w, uint64_t rv, const char *cont, int64_t remaining)
{
    char s[32];
    json_writer_key(w, "metadata");
    json_writer_begin_object(w);
    snprintf(s, sizeof(s), "%" PRIu64, rv);
    json_writer_member_string(w, "resourceVersion", s);
    if (cont && cont[0])
        json_writer_member_string(w, "continue", cont);
    if (remaining >= 0)
        json_writer_member_int64(w, "remainingItemCount", remaining);
    json_writer_end_object(w);
}

static void serve_list(struct ctx *c, const struct sim_resource *r, const struct request_info *ri)
{
    enum sim_kind kind = (enum sim_kind)r->store_kind;
    unsigned m =
        request_negotiate(server_req_header(c->req, "Accept"),
                          MEDIA_JSON | MEDIA_TABLE_V1 | MEDIA_TABLE_V1BETA1 | MEDIA_PARTIAL_LIST);
    if (!m) {
        not_acceptable(c);
        return;
    }
    struct list_params lp;
    if (list_params_parse(c, kind, &lp)) {
        list_params_cleanup(&lp);
        return;
    }
    struct store_query q = {
        .ns = r->namespaced && ri->ns[0] ? ri->ns : NULL,
        .labels = lp.ls,
        .fields = lp.fs,
        .limit = lp.limit,
        .start = lp.start,
        .start_len = lp.start_len,
    };
    struct store_page page;
    struct buf cont;
    buf_init(&cont, KG_SIM_MAX_CONTINUE);
    int64_t now = time_wall_ns();

    store_rdlock(c->a->st);
    store_query(c->a->st, kind, &q, &page);
    uint64_t rv = lp.start && lp.continue_rv ? lp.continue_rv : page.rv;
    if (page.more)
        request_continue_encode(rv, page.last_key, &cont);
    struct json_writer *w = json_begin(c);
    if (m == MEDIA_TABLE_V1 || m == MEDIA_TABLE_V1BETA1) {
        struct table_listmeta lm = { .rv = rv,
                                     .cont = buf_str(&cont),
                                     .remaining = page.remaining };
        table_write(w, m == MEDIA_TABLE_V1 ? "v1" : "v1beta1", kind, page.items, page.n, &lm,
                    table_include(c->req), now);
    } else {
        bool partial = m == MEDIA_PARTIAL_LIST;
        json_writer_begin_object(w);
        json_writer_member_string(w, "kind",
                                  partial ? "PartialObjectMetadataList" : obj_list_kind_name(kind));
        json_writer_member_string(w, "apiVersion", partial ? "meta.k8s.io/v1" : "v1");
        write_listmeta(w, rv, buf_str(&cont), page.remaining);
        json_writer_key(w, "items");
        json_writer_begin_array(w);
        for (size_t i = 0; i < page.n; i++) {
            if (partial)
                obj_write_partial(w, page.items[i]);
            else
                obj_write_json(w, page.items[i], false);
        }
        json_writer_end_array(w);
        json_writer_end_object(w);
    }
    store_unlock(c->a->st);
    json_end(c, w, 200, "application/json");
    store_page_cleanup(&page);
    buf_cleanup(&cont);
    list_params_cleanup(&lp);
}

static void serve_get(struct ctx *c, const struct sim_resource *r, const struct request_info *ri)
{
    enum sim_kind kind = (enum sim_kind)r->store_kind;
    unsigned m =
        request_negotiate(server_req_header(c->req, "Accept"),
                          MEDIA_JSON | MEDIA_TABLE_V1 | MEDIA_TABLE_V1BETA1 | MEDIA_PARTIAL);
    if (!m) {
        not_acceptable(c);
        return;
    }
    int64_t now = time_wall_ns();
    store_rdlock(c->a->st);
    const struct sim_obj *o = store_get(c->a->st, kind, r->namespaced ? ri->ns : NULL, ri->name);
    if (!o) {
        store_unlock(c->a->st);
        char msg[600];
        snprintf(msg, sizeof(msg), "%s \"%.256s\" not found", r->resource, ri->name);
        send_status(c, 404, "NotFound", msg, true, ri->name, r->group, r->resource);
        return;
    }
    struct json_writer *w = json_begin(c);
    if (m == MEDIA_TABLE_V1 || m == MEDIA_TABLE_V1BETA1) {
        struct table_listmeta lm = { .rv = o->meta.rv, .cont = NULL, .remaining = -1 };
        table_write(w, m == MEDIA_TABLE_V1 ? "v1" : "v1beta1", kind, &o, 1, &lm,
                    table_include(c->req), now);
    } else if (m == MEDIA_PARTIAL) {
        obj_write_partial(w, o);
    } else {
        obj_write_json(w, o, true);
    }
    store_unlock(c->a->st);
    json_end(c, w, 200, "application/json");
}

static void forbidden(struct ctx *c, const char *verb, const struct request_info *ri)
{
    char msg[2048];
    if (!ri || !ri->is_api || !ri->resource[0]) {
        snprintf(msg, sizeof(msg), "forbidden: User \"%.256s\" cannot %s path \"%.256s\"", c->user,
                 verb, server_req_path(c->req));
        send_status(c, 403, "Forbidden", msg, true, NULL, NULL, NULL);
        return;
    }
    char what[600], scope[400];
    if (ri->name[0])
        snprintf(what, sizeof(what), "%.128s \"%.256s\"", ri->resource, ri->name);
    else
        snprintf(what, sizeof(what), "%.128s", ri->resource);
    if (ri->ns[0] && strcmp(ri->resource, "namespaces") != 0)
        snprintf(scope, sizeof(scope), "in the namespace \"%.128s\"", ri->ns);
    else
        snprintf(scope, sizeof(scope), "at the cluster scope");
    snprintf(msg, sizeof(msg),
             "%s is forbidden: User \"%.256s\" cannot %s resource \"%.128s\" in API group "
             "\"%.128s\" %s",
             what, c->user, verb, ri->resource, ri->group, scope);
    send_status(c, 403, "Forbidden", msg, true, ri->name, ri->group, ri->resource);
}

/* RequestInfo's verb: lowercase HTTP method for non-resource paths, else the API verb. */
static const char *request_verb(const struct server_req *req, const struct request_info *ri)
{
    const char *m = server_req_method(req);
    if (!ri->is_api || !ri->resource[0]) {
        static const char *const methods[] = { "GET",   "HEAD",   "POST",   "PUT",
                                               "PATCH", "DELETE", "OPTIONS" };
        static const char *const lower[] = { "get",   "head",   "post",   "put",
                                             "patch", "delete", "options" };
        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
            if (!strcmp(m, methods[i]))
                return lower[i];
        return "get";
    }
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
        const char *w = server_req_query(req, "watch");
        if (w && parse_bool(w) == 1)
            return "watch";
        return ri->name[0] ? "get" : "list";
    }
    if (!strcmp(m, "POST"))
        return "create";
    if (!strcmp(m, "PUT"))
        return "update";
    if (!strcmp(m, "PATCH"))
        return "patch";
    if (!strcmp(m, "DELETE"))
        return ri->name[0] ? "delete" : "deletecollection";
    return "get";
}

static void serve_resource(struct ctx *c, const struct request_info *ri)
{
    if (!discovery_has_group_version(ri->group, ri->version)) {
        not_found_path(c);
        return;
    }
    if (!ri->resource[0]) {
        if (!is_get(c->req)) {
            method_not_allowed(c);
            return;
        }
        struct json_writer *w = json_begin(c);
        discovery_write_resource_list(w, ri->group, ri->version);
        json_end(c, w, 200, "application/json");
        return;
    }
    const struct sim_resource *r = discovery_find(ri->group, ri->version, ri->resource);
    if (!r || ri->subresource[0] || ri->n_extra) {
        not_found_path(c);
        return;
    }
    /* a cluster-scoped resource under /namespaces/<ns>/ does not exist (the namespace object
     * itself is /api/v1/namespaces/<name>) */
    if (!r->namespaced && ri->ns[0] &&
        !(!strcmp(r->resource, "namespaces") && !strcmp(ri->ns, ri->name))) {
        not_found_path(c);
        return;
    }
    if (!is_get(c->req)) {
        method_not_allowed(c);
        return;
    }
    const char *w = server_req_query(c->req, "watch");
    if (w && parse_bool(w) == 1) {
        method_not_allowed(c); /* watch comes with a later slice */
        return;
    }
    if (ri->name[0])
        serve_get(c, r, ri);
    else
        serve_list(c, r, ri);
}

/* ---- dispatch ---- */

/* GET /sim/v1/truth: the usage model's current values (admin only, checked by the caller). */
static void serve_truth(struct ctx *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    struct json_writer *w = json_begin(c);
    store_rdlock(c->a->st);
    sim_model_truth_json(w, c->a->seed, c->a->st, now); /* errors surface in json_end */
    store_unlock(c->a->st);
    json_end(c, w, 200, "application/json");
}

static void dispatch(const struct server_req *req, struct server_resp *resp, void *ud)
{
    struct ctx c = { .a = ud, .req = req, .resp = resp, .pretty = want_pretty(req) };
    const char *path = server_req_path(req);
    struct request_info *ri = xmalloc(sizeof(*ri));
    request_parse_path(path, ri);

    const struct server_peer *peer = server_req_peer(req);
    if (peer && peer->verified) {
        c.authenticated = true;
        c.user = peer->cn;
        for (size_t i = 0; i < peer->n_orgs; i++)
            if (!strcmp(peer->orgs[i], "system:masters"))
                c.admin = true;
    }
    log_v(4, "sim apiserver: %s %s user=%s", server_req_method(req), path,
          c.authenticated ? c.user : "(anonymous)");

    if (!c.authenticated && !public_path(path)) {
        send_status(&c, 401, "Unauthorized", "Unauthorized", false, NULL, NULL, NULL);
        goto out;
    }
    if (c.authenticated && !c.admin && !discovery_path(path, ri)) {
        forbidden(&c, request_verb(req, ri), ri);
        goto out;
    }

    if (!strcmp(path, "/version") || !strcmp(path, "/version/")) {
        if (is_get(req))
            serve_version(&c);
        else
            method_not_allowed(&c);
    } else if (path_is(path, "/healthz") || path_is(path, "/livez") || path_is(path, "/readyz")) {
        serve_health(&c, path);
    } else if (!strcmp(path, "/openapi/v2")) {
        serve_openapi_v2(&c);
    } else if (!strcmp(path, "/api") || !strcmp(path, "/api/")) {
        if (is_get(req))
            serve_root_discovery(&c, true);
        else
            method_not_allowed(&c);
    } else if (!strcmp(path, "/apis") || !strcmp(path, "/apis/")) {
        if (is_get(req))
            serve_root_discovery(&c, false);
        else
            method_not_allowed(&c);
    } else if (!strcmp(path, "/sim/v1/truth")) {
        if (is_get(req))
            serve_truth(&c);
        else
            method_not_allowed(&c);
    } else if (ri->is_api) {
        serve_resource(&c, ri);
    } else {
        not_found_path(&c);
    }
out:
    free(ri);
}

static void on_error(const struct server_req *req, struct server_resp *resp, int status,
                     const char *msg, void *ud)
{
    struct ctx c = { .a = ud, .req = req, .resp = resp, .pretty = want_pretty(req) };
    const char *reason = status == 413   ? "RequestEntityTooLarge"
                         : status == 404 ? "NotFound"
                         : status == 405 ? "MethodNotAllowed"
                                         : "";
    send_status(&c, status, reason, msg, false, NULL, NULL, NULL);
}

struct apiserver *apiserver_new(struct store *st, const struct apiserver_opts *o, char *err,
                                size_t errlen)
{
    struct apiserver *a = xcalloc(1, sizeof(*a));
    a->st = st;
    a->seed = o->seed;
    snprintf(a->version, sizeof(a->version), "%s",
             o->server_version ? o->server_version : KG_SIM_DEFAULT_SERVER_VERSION);
    const char *cas[1] = { o->client_ca_file };
    struct server_opts so = {
        .tls_cert_file = o->cert_file,
        .tls_key_file = o->key_file,
        .client_ca_files = cas,
        .n_client_ca_files = 1,
        .threads = o->threads ? o->threads : 4,
        .name = "sim-apiserver",
    };
    a->srv = server_new(&so, err, errlen);
    if (!a->srv)
        goto fail;
    server_set_fallback(a->srv, dispatch, a);
    server_set_error_handler(a->srv, on_error, a);
    a->listener = server_listen(a->srv, o->host ? o->host : "127.0.0.1", o->port, err, errlen);
    if (a->listener < 0)
        goto fail;
    return a;
fail:
    apiserver_free(a);
    return NULL;
}

int apiserver_start(struct apiserver *a, char *err, size_t errlen)
{
    return server_start(a->srv, err, errlen);
}

int apiserver_port(const struct apiserver *a)
{
    return server_port(a->srv, a->listener);
}

void apiserver_free(struct apiserver *a)
{
    if (!a)
        return;
    if (a->srv) {
        server_shutdown(a->srv, 5000);
        server_free(a->srv);
    }
    free(a);
}
