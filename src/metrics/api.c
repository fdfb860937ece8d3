/*
 * metrics.k8s.io request handling (see api.h): routes a decoded request, negotiates the
 * representation (JSON object, meta.k8s.io Table, or 406), selects from the store view and
 * the cluster-info callbacks, and renders with the Go-compatible JSON writer. Everything is
 * written into one buf; when rendering fails half-way (the body limit) the buf is discarded
 * and a 500 Status takes its place, so a response is always one well-formed document.
 */
#include "metrics/api.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/writer.h"
#include "kube/fields.h"
#include "kube/quantity.h"
#include "metrics/store.h"
#include "util/alloc.h"
#include "util/assert.h"
#include "util/limits.h"
#include "util/time.h"

#define GROUP "metrics.k8s.io"
#define CT_JSON "application/json"
#define CT_TEXT "text/plain; charset=utf-8"
#define MSG_NOT_FOUND "the server could not find the requested resource"

enum repr { REPR_NONE, REPR_JSON, REPR_TABLE_V1, REPR_TABLE_V1BETA1 };
enum kind { K_NODES, K_PODS };

struct ctx {
    const struct metrics_api_config *cfg;
    const struct store_view *v;
    const struct metrics_api_request *req;
    struct metrics_api_response *resp;
    struct json_writer *w;
    const char *version; /* "v1" or "v1beta1" for resource requests */
    char now[TIME_RFC3339_LEN];
};

/* ---- small helpers ---- */

/* strconv.ParseBool's true spellings (anything else, errors included, is false here). */
static bool parse_bool_true(const char *s)
{
    static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
    if (s == NULL)
        return false;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcmp(s, yes[i]) == 0)
            return true;
    return false;
}

static bool is_pretty(const struct metrics_api_request *req)
{
    if (req->pretty != NULL && req->pretty[0] != '\0')
        return parse_bool_true(req->pretty);
    if (req->user_agent == NULL)
        return false;
    return strncmp(req->user_agent, "curl", 4) == 0 || strncmp(req->user_agent, "Wget", 4) == 0;
}

static bool ieq_n(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
        (*n)--;
}

/*
 * Picks the first acceptable media range of an Accept header, in the client's order (q=0
 * ranges are skipped). application/json, application/(any) and (any)/(any) give JSON;
 * application/json with as=Table;g=meta.k8s.io;v=v1|v1beta1 gives a Table when tables are allowed
 * (resource requests); any other "as" (e.g. aggregated discovery) is not acceptable. Absent or
 * empty: JSON.
 */
static enum repr negotiate(const char *accept, bool tables)
{
    const char *p = accept;
    if (p == NULL)
        return REPR_JSON;
    bool any = false;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *e = p;
        p = end != NULL ? end + 1 : p + n;

        const char *semi = memchr(e, ';', n);
        const char *type = e;
        size_t tlen = semi != NULL ? (size_t)(semi - e) : n;
        trim(&type, &tlen);
        if (tlen == 0)
            continue;
        any = true;
        const char *as = NULL, *g = NULL, *ver = NULL;
        size_t aslen = 0, glen = 0, vlen = 0;
        bool q0 = false;
        const char *prm = semi;
        while (prm != NULL && prm < e + n) {
            const char *ps = prm + 1;
            size_t rest = (size_t)(e + n - ps);
            const char *pe = memchr(ps, ';', rest);
            size_t plen = pe != NULL ? (size_t)(pe - ps) : rest;
            const char *eq = memchr(ps, '=', plen);
            if (eq != NULL) {
                const char *k = ps, *val = eq + 1;
                size_t klen = (size_t)(eq - ps), valen = plen - klen - 1;
                trim(&k, &klen);
                trim(&val, &valen);
                if (ieq_n(k, klen, "as")) {
                    as = val;
                    aslen = valen;
                } else if (ieq_n(k, klen, "g")) {
                    g = val;
                    glen = valen;
                } else if (ieq_n(k, klen, "v")) {
                    ver = val;
                    vlen = valen;
                } else if (ieq_n(k, klen, "q")) {
                    q0 = valen > 0 && val[0] == '0' && strspn(val, "0.") >= valen;
                }
            }
            prm = pe;
        }
        if (q0)
            continue;
        bool json = ieq_n(type, tlen, "application/json");
        if (!json && !ieq_n(type, tlen, "application/*") && !ieq_n(type, tlen, "*/*"))
            continue;
        if (as == NULL)
            return REPR_JSON;
        if (!json || !tables || !ieq_n(as, aslen, "Table") || g == NULL ||
            !ieq_n(g, glen, "meta.k8s.io") || ver == NULL)
            continue;
        if (ieq_n(ver, vlen, "v1"))
            return REPR_TABLE_V1;
        if (ieq_n(ver, vlen, "v1beta1"))
            return REPR_TABLE_V1BETA1;
    }
    return any ? REPR_NONE : REPR_JSON;
}

/* ---- response plumbing ---- */

static void begin_json(struct ctx *c, int status)
{
    buf_reset(&c->resp->body);
    c->resp->status = status;
    c->resp->content_type = CT_JSON;
    c->w = json_writer_new(&c->resp->body);
    if (is_pretty(c->req))
        json_writer_set_indent(c->w, "  ");
}

static void plain(struct ctx *c, int status, const char *text)
{
    buf_reset(&c->resp->body);
    c->resp->status = status;
    c->resp->content_type = CT_TEXT;
    (void)buf_appends(&c->resp->body, text); /* short constant: fits */
}

struct details {
    const char *name, *group, *kind; /* NULL: omitted */
};

/* "details":{} (apimachinery's NewGenericServerResponse always sets details) */
static const struct details no_details = { NULL, NULL, NULL };

/* metav1.Status in Go's field order; details NULL omits the member, all-NULL gives {}. */
static void write_status(struct ctx *c, int code, const char *reason, const char *message,
                         const struct details *d)
{
    struct json_writer *w = c->w;
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "Status");
    json_writer_member_string(w, "apiVersion", "v1");
    json_writer_key(w, "metadata");
    json_writer_begin_object(w);
    json_writer_end_object(w);
    json_writer_member_string(w, "status", "Failure");
    json_writer_member_string(w, "message", message);
    json_writer_member_string(w, "reason", reason);
    if (d != NULL) {
        json_writer_key(w, "details");
        json_writer_begin_object(w);
        if (d->name != NULL)
            json_writer_member_string(w, "name", d->name);
        if (d->group != NULL)
            json_writer_member_string(w, "group", d->group);
        if (d->kind != NULL)
            json_writer_member_string(w, "kind", d->kind);
        json_writer_end_object(w);
    }
    json_writer_member_int64(w, "code", code);
    json_writer_end_object(w);
}

/* Ends the document; on failure replaces it with a compact 500 Status. */
static void finish_json(struct ctx *c)
{
    char err[256];
    int rc = json_writer_finish(c->w, err, sizeof err);
    json_writer_free(c->w);
    c->w = NULL;
    if (rc == 0)
        rc = buf_putc(&c->resp->body, '\n');
    if (rc == 0)
        return;
    buf_reset(&c->resp->body);
    c->resp->status = 500;
    c->resp->content_type = CT_JSON;
    c->w = json_writer_new(&c->resp->body);
    write_status(c, 500, "InternalError",
                 rc == -E2BIG ? "response too large" : "failed encoding response", NULL);
    rc = json_writer_finish(c->w, err, sizeof err);
    json_writer_free(c->w);
    c->w = NULL;
    ASSERT(rc == 0);
    (void)buf_putc(&c->resp->body, '\n');
}

static void status_response(struct ctx *c, int code, const char *reason, const char *message,
                            const struct details *d)
{
    begin_json(c, code);
    write_status(c, code, reason, message, d);
    finish_json(c);
}

/* 404 NotFound for "<resource> \"<name>\" not found". */
static void not_found(struct ctx *c, const char *resource, const char *group, const char *name)
{
    struct buf msg;
    buf_init(&msg, 2 * KG_MAX_HTTP_URL);
    if (group != NULL)
        (void)buf_printf(&msg, "%s.%s \"%s\" not found", resource, group, name);
    else
        (void)buf_printf(&msg, "%s \"%s\" not found", resource, name);
    struct details d = { name, group, resource };
    status_response(c, 404, "NotFound", buf_str(&msg), &d);
    buf_cleanup(&msg);
}

/* ---- discovery ---- */

static void write_gv(struct json_writer *w, const char *version)
{
    char gv[64];
    snprintf(gv, sizeof gv, GROUP "/%s", version);
    json_writer_begin_object(w);
    json_writer_member_string(w, "groupVersion", gv);
    json_writer_member_string(w, "version", version);
    json_writer_end_object(w);
}

/* APIGroup body members after kind/apiVersion. */
static void write_group(struct ctx *c, bool with_addr)
{
    struct json_writer *w = c->w;
    json_writer_member_string(w, "name", GROUP);
    json_writer_key(w, "versions");
    json_writer_begin_array(w);
    if (!c->cfg->no_v1)
        write_gv(w, "v1");
    write_gv(w, "v1beta1");
    json_writer_end_array(w);
    json_writer_key(w, "preferredVersion");
    write_gv(w, c->cfg->no_v1 ? "v1beta1" : "v1");
    if (with_addr && c->cfg->server_address != NULL) {
        json_writer_key(w, "serverAddressByClientCIDRs");
        json_writer_begin_array(w);
        json_writer_begin_object(w);
        json_writer_member_string(w, "clientCIDR", "0.0.0.0/0");
        json_writer_member_string(w, "serverAddress", c->cfg->server_address);
        json_writer_end_object(w);
        json_writer_end_array(w);
    }
}

static void write_resource(struct json_writer *w, const char *name, bool namespaced,
                           const char *kind)
{
    json_writer_begin_object(w);
    json_writer_member_string(w, "name", name);
    json_writer_member_string(w, "singularName", "");
    json_writer_key(w, "namespaced");
    json_writer_bool(w, namespaced);
    json_writer_member_string(w, "kind", kind);
    json_writer_key(w, "verbs");
    json_writer_begin_array(w);
    json_writer_string(w, "get");
    json_writer_string(w, "list");
    json_writer_end_array(w);
    json_writer_end_object(w);
}

static void discovery(struct ctx *c, int level, const char *version)
{
    struct json_writer *w;
    begin_json(c, 200);
    w = c->w;
    json_writer_begin_object(w);
    if (level == 0) { /* /apis: APIGroupList, apiVersion stripped like the Go server does */
        json_writer_member_string(w, "kind", "APIGroupList");
        json_writer_key(w, "groups");
        json_writer_begin_array(w);
        json_writer_begin_object(w);
        write_group(c, true);
        json_writer_end_object(w);
        json_writer_end_array(w);
    } else if (level == 1) {
        json_writer_member_string(w, "kind", "APIGroup");
        json_writer_member_string(w, "apiVersion", "v1");
        write_group(c, false);
    } else {
        char gv[64];
        snprintf(gv, sizeof gv, GROUP "/%s", version);
        json_writer_member_string(w, "kind", "APIResourceList");
        json_writer_member_string(w, "apiVersion", "v1");
        json_writer_member_string(w, "groupVersion", gv);
        json_writer_key(w, "resources");
        json_writer_begin_array(w);
        write_resource(w, "nodes", false, "NodeMetrics");
        write_resource(w, "pods", true, "PodMetrics");
        json_writer_end_array(w);
    }
    json_writer_end_object(w);
    finish_json(c);
}

/* ---- objects ---- */

struct sorted_label {
    const struct label *l;
    size_t idx;
};

static int cmp_label(const void *a, const void *b)
{
    const struct sorted_label *x = a, *y = b;
    int r = strcmp(x->l->key, y->l->key);
    if (r != 0)
        return r;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* "labels" member: keys sorted byte-wise (Go map order), first of duplicate keys wins,
 * omitted when there are none. */
static void write_labels(struct json_writer *w, const struct metrics_api_object *o)
{
    size_t n = 0;
    struct sorted_label *s;
    if (o->nlabels == 0 || o->labels == NULL)
        return;
    s = xcalloc(o->nlabels, sizeof *s);
    for (size_t i = 0; i < o->nlabels && n < KG_MAX_METRICS_API_LABELS; i++) {
        if (o->labels[i].key == NULL || o->labels[i].value == NULL)
            continue;
        s[n].l = &o->labels[i];
        s[n].idx = i;
        n++;
    }
    qsort(s, n, sizeof *s, cmp_label);
    if (n > 0) {
        json_writer_key(w, "labels");
        json_writer_begin_object(w);
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && strcmp(s[i].l->key, s[i - 1].l->key) == 0)
                continue;
            json_writer_member_string(w, s[i].l->key, s[i].l->value);
        }
        json_writer_end_object(w);
    }
    free(s);
}

static void write_metadata(struct ctx *c, const char *ns, const char *name,
                           const struct metrics_api_object *o)
{
    struct json_writer *w = c->w;
    json_writer_key(w, "metadata");
    json_writer_begin_object(w);
    json_writer_member_string(w, "name", name);
    if (ns != NULL)
        json_writer_member_string(w, "namespace", ns);
    json_writer_member_string(w, "creationTimestamp", c->now);
    write_labels(w, o);
    json_writer_end_object(w);
}

static void write_usage(struct json_writer *w, uint64_t cpu, uint64_t mem)
{
    char q[KG_MAX_QUANTITY_LEN];
    json_writer_key(w, "usage");
    json_writer_begin_object(w);
    quantity_format_nanocores_u64(cpu, q);
    json_writer_member_string(w, "cpu", q);
    quantity_format_bytes_u64(mem, q);
    json_writer_member_string(w, "memory", q);
    json_writer_end_object(w);
}

static void write_time_window(struct json_writer *w, int64_t ts_ns, int64_t window_ns)
{
    char t[TIME_RFC3339_LEN], d[TIME_DURATION_LEN];
    json_writer_key(w, "timestamp");
    if (ts_ns == 0) {
        json_writer_null(w); /* metav1.Time zero value */
    } else {
        time_format_rfc3339(ts_ns, t, sizeof t);
        json_writer_string(w, t);
    }
    time_format_duration(window_ns, d, sizeof d);
    json_writer_member_string(w, "window", d);
}

static void write_api_version(struct ctx *c)
{
    char av[64];
    snprintf(av, sizeof av, GROUP "/%s", c->version);
    json_writer_member_string(c->w, "apiVersion", av);
}

/* A NodeMetrics object; kind NULL inside lists (items carry no kind/apiVersion). */
static void write_node(struct ctx *c, const char *kind, const struct store_node_metrics *m,
                       const struct metrics_api_object *o)
{
    struct json_writer *w = c->w;
    json_writer_begin_object(w);
    if (kind != NULL) {
        json_writer_member_string(w, "kind", kind);
        write_api_version(c);
    }
    write_metadata(c, NULL, m->name, o);
    write_time_window(w, m->timestamp_ns, m->window_ns);
    write_usage(w, m->usage.cpu_nanocores, m->usage.memory_bytes);
    json_writer_end_object(w);
}

static void write_pod(struct ctx *c, const char *kind, const struct store_pod_metrics *m,
                      const struct metrics_api_object *o)
{
    struct json_writer *w = c->w;
    json_writer_begin_object(w);
    if (kind != NULL) {
        json_writer_member_string(w, "kind", kind);
        write_api_version(c);
    }
    write_metadata(c, m->namespace, m->name, o);
    write_time_window(w, m->timestamp_ns, m->window_ns);
    json_writer_key(w, "containers");
    json_writer_begin_array(w);
    for (size_t i = 0; i < m->ncontainers; i++) {
        json_writer_begin_object(w);
        json_writer_member_string(w, "name", m->containers[i].name);
        write_usage(w, m->containers[i].usage.cpu_nanocores, m->containers[i].usage.memory_bytes);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    json_writer_end_object(w);
}

/* ---- selection ---- */

struct item {
    enum kind kind;
    const struct store_node_metrics *node;
    const struct store_pod_metrics *pod;
    const struct metrics_api_object *obj;
};

static bool field_get(void *ud, const char *field, size_t flen, const char **value, size_t *vlen)
{
    const struct item *it = ud;
    const char *v = NULL;
    if (flen == 13 && memcmp(field, "metadata.name", 13) == 0)
        v = it->kind == K_NODES ? it->node->name : it->pod->name;
    else if (flen == 18 && memcmp(field, "metadata.namespace", 18) == 0)
        v = it->kind == K_NODES ? "" : it->pod->namespace;
    else if (it->kind == K_PODS && flen == 13 && memcmp(field, "spec.nodeName", 13) == 0)
        v = it->obj->node_name != NULL ? it->obj->node_name : "";
    else if (it->kind == K_PODS && flen == 12 && memcmp(field, "status.phase", 12) == 0)
        v = it->obj->phase != NULL ? it->obj->phase : "Running";
    if (v == NULL)
        return false;
    *value = v;
    *vlen = strlen(v);
    return true;
}

static bool pod_running(const struct metrics_api_object *o)
{
    return o->phase == NULL || strcmp(o->phase, "Running") == 0;
}

/* Table cells for one item, and its columns before the first row. */
static void write_table_row(struct ctx *c, const struct item *it, enum repr repr)
{
    struct json_writer *w = c->w;
    char q[KG_MAX_QUANTITY_LEN], d[TIME_DURATION_LEN];
    uint64_t cpu = 0, mem = 0;
    int64_t window;
    const char *name;
    if (it->kind == K_NODES) {
        cpu = it->node->usage.cpu_nanocores;
        mem = it->node->usage.memory_bytes;
        window = it->node->window_ns;
        name = it->node->name;
    } else {
        for (size_t i = 0; i < it->pod->ncontainers; i++) {
            uint64_t a = it->pod->containers[i].usage.cpu_nanocores;
            uint64_t b = it->pod->containers[i].usage.memory_bytes;
            cpu = cpu > UINT64_MAX - a ? UINT64_MAX : cpu + a;
            mem = mem > UINT64_MAX - b ? UINT64_MAX : mem + b;
        }
        window = it->pod->window_ns;
        name = it->pod->name;
    }
    json_writer_begin_object(w);
    json_writer_key(w, "cells");
    json_writer_begin_array(w);
    json_writer_string(w, name);
    quantity_format_nanocores_u64(cpu, q);
    json_writer_string(w, q);
    quantity_format_bytes_u64(mem, q);
    json_writer_string(w, q);
    time_format_duration(window, d, sizeof d);
    json_writer_string(w, d);
    json_writer_end_array(w);
    json_writer_key(w, "object");
    const char *inc = c->req->include_object;
    if (inc != NULL && strcmp(inc, "None") == 0) {
        json_writer_null(w);
    } else if (inc != NULL && strcmp(inc, "Object") == 0) {
        if (it->kind == K_NODES)
            write_node(c, "NodeMetrics", it->node, it->obj);
        else
            write_pod(c, "PodMetrics", it->pod, it->obj);
    } else {
        json_writer_begin_object(w);
        json_writer_member_string(w, "kind", "PartialObjectMetadata");
        json_writer_member_string(w, "apiVersion",
                                  repr == REPR_TABLE_V1 ? "meta.k8s.io/v1" : "meta.k8s.io/v1beta1");
        write_metadata(c, it->kind == K_PODS ? it->pod->namespace : NULL, name, it->obj);
        json_writer_end_object(w);
    }
    json_writer_end_object(w);
}

static void write_column(struct json_writer *w, const char *name, const char *format,
                         const char *desc)
{
    json_writer_begin_object(w);
    json_writer_member_string(w, "name", name);
    json_writer_member_string(w, "type", "string");
    json_writer_member_string(w, "format", format);
    json_writer_member_string(w, "description", desc);
    json_writer_member_int64(w, "priority", 0);
    json_writer_end_object(w);
}

/* Opens the document for a list (or a single-object Table). */
static void begin_doc(struct ctx *c, enum kind kind, enum repr repr)
{
    struct json_writer *w = c->w;
    json_writer_begin_object(w);
    if (repr == REPR_JSON) {
        json_writer_member_string(w, "kind",
                                  kind == K_NODES ? "NodeMetricsList" : "PodMetricsList");
        write_api_version(c);
    } else {
        json_writer_member_string(w, "kind", "Table");
        json_writer_member_string(w, "apiVersion",
                                  repr == REPR_TABLE_V1 ? "meta.k8s.io/v1" : "meta.k8s.io/v1beta1");
    }
    json_writer_key(w, "metadata");
    json_writer_begin_object(w);
    json_writer_end_object(w);
}

/* Emits one selected item; *count is how many were emitted before. */
static void emit(struct ctx *c, const struct item *it, enum repr repr, size_t *count)
{
    struct json_writer *w = c->w;
    if (*count == 0) {
        if (repr != REPR_JSON) {
            json_writer_key(w, "columnDefinitions");
            json_writer_begin_array(w);
            write_column(w, "Name", "name", "Name of the resource");
            write_column(w, "cpu", "quantity", "");
            write_column(w, "memory", "quantity", "");
            write_column(w, "Window", "duration", "");
            json_writer_end_array(w);
            json_writer_key(w, "rows");
        } else {
            json_writer_key(w, "items");
        }
        json_writer_begin_array(w);
    }
    if (repr != REPR_JSON)
        write_table_row(c, it, repr);
    else if (it->kind == K_NODES)
        write_node(c, NULL, it->node, it->obj);
    else
        write_pod(c, NULL, it->pod, it->obj);
    (*count)++;
}

static void end_doc(struct ctx *c, enum repr repr, size_t count)
{
    struct json_writer *w = c->w;
    if (count > 0) {
        json_writer_end_array(w);
    } else if (repr == REPR_JSON) {
        json_writer_key(w, "items");
        json_writer_begin_array(w);
        json_writer_end_array(w);
    } else {
        json_writer_key(w, "columnDefinitions");
        json_writer_null(w);
        json_writer_key(w, "rows");
        json_writer_null(w);
    }
    json_writer_end_object(w);
}

/* Parses the list selectors; on error the 400 response is already written and -EINVAL returned. */
static int parse_selectors(struct ctx *c, enum kind kind, struct labels_selector **ls,
                           struct fields_selector **fs)
{
    static const struct fields_allowed node_fields[] = { { "metadata.name", NULL },
                                                         { "metadata.namespace", NULL } };
    static const struct fields_allowed pod_fields[] = { { "metadata.name", NULL },
                                                        { "metadata.namespace", NULL },
                                                        { "spec.nodeName", NULL },
                                                        { "status.phase", NULL } };
    char err[2 * KG_MAX_SELECTOR_LEN + 128];
    int rc = 0;
    *ls = NULL;
    *fs = NULL;
    if (c->req->label_selector != NULL) {
        rc = labels_selector_parse(ls, c->req->label_selector, strlen(c->req->label_selector), err,
                                   sizeof err);
        if (rc < 0)
            goto out;
    }
    if (c->req->field_selector != NULL) {
        rc = fields_selector_parse(fs, c->req->field_selector, strlen(c->req->field_selector), err,
                                   sizeof err);
        if (rc < 0)
            goto out;
        if (kind == K_NODES)
            rc = fields_selector_check(*fs, node_fields, 2, FIELDS_REJECT_NOT_KNOWN, err,
                                       sizeof err);
        else
            rc =
                fields_selector_check(*fs, pod_fields, 4, FIELDS_REJECT_NOT_KNOWN, err, sizeof err);
    }
out:
    if (rc < 0) {
        labels_selector_free(*ls);
        fields_selector_free(*fs);
        *ls = NULL;
        *fs = NULL;
        status_response(c, 400, "BadRequest", err, NULL);
        return -EINVAL;
    }
    return 0;
}

static void list(struct ctx *c, enum kind kind, const char *ns, enum repr repr)
{
    const struct metrics_api_cluster *cl = c->cfg->cluster;
    struct labels_selector *ls = NULL;
    struct fields_selector *fs = NULL;
    struct store_iter iter;
    size_t count = 0;
    struct store_pod_metrics *pm = NULL;

    if (parse_selectors(c, kind, &ls, &fs) < 0)
        return;
    begin_json(c, 200);
    begin_doc(c, kind, repr);
    if (kind == K_NODES) {
        struct store_node_metrics nm;
        store_iter_nodes(c->v, &iter);
        while (store_next_node(&iter, &nm) == 1) {
            struct metrics_api_object o = { 0 };
            struct item it = { K_NODES, &nm, NULL, &o };
            if (cl->node(cl->ud, nm.name, &o) != 1)
                continue;
            if (!labels_selector_matches(ls, o.labels, o.nlabels) ||
                !labels_selector_matches(c->cfg->node_selector, o.labels, o.nlabels) ||
                !fields_selector_matches(fs, field_get, &it))
                continue;
            emit(c, &it, repr, &count);
        }
    } else {
        pm = xmalloc(sizeof *pm); /* large: KG_STORE_MAX_CONTAINERS entries */
        store_iter_pods(c->v, ns, &iter);
        while (store_next_pod(&iter, pm) == 1) {
            struct metrics_api_object o = { 0 };
            struct item it = { K_PODS, NULL, pm, &o };
            if (cl->pod(cl->ud, pm->namespace, pm->name, &o) != 1 || !pod_running(&o))
                continue;
            if (!labels_selector_matches(ls, o.labels, o.nlabels) ||
                !fields_selector_matches(fs, field_get, &it))
                continue;
            emit(c, &it, repr, &count);
        }
    }
    end_doc(c, repr, count);
    finish_json(c);
    free(pm);
    labels_selector_free(ls);
    fields_selector_free(fs);
}

static void get(struct ctx *c, enum kind kind, const char *ns, const char *name, enum repr repr)
{
    const struct metrics_api_cluster *cl = c->cfg->cluster;
    struct metrics_api_object o = { 0 };
    struct store_node_metrics nm;
    struct store_pod_metrics *pm = NULL;
    struct item it = { kind, NULL, NULL, &o };

    if (kind == K_NODES) {
        if (cl->node(cl->ud, name, &o) != 1) {
            not_found(c, "node", NULL, name);
            goto out;
        }
        if (store_node_metrics(c->v, name, &nm) != 0) {
            not_found(c, "nodemetrics", GROUP, name);
            goto out;
        }
        it.node = &nm;
    } else {
        if (cl->pod(cl->ud, ns, name, &o) != 1 || !pod_running(&o)) {
            not_found(c, "pods", NULL, name);
            goto out;
        }
        pm = xmalloc(sizeof *pm);
        if (store_pod_metrics(c->v, ns, name, pm) != 0) {
            struct buf nn;
            buf_init(&nn, 2 * KG_MAX_HTTP_URL);
            (void)buf_printf(&nn, "%s/%s", ns, name);
            not_found(c, "podmetrics", GROUP, buf_str(&nn));
            buf_cleanup(&nn);
            goto out;
        }
        it.pod = pm;
    }
    begin_json(c, 200);
    if (repr == REPR_JSON) {
        if (kind == K_NODES)
            write_node(c, "NodeMetrics", it.node, &o);
        else
            write_pod(c, "PodMetrics", it.pod, &o);
    } else {
        size_t count = 0;
        begin_doc(c, kind, repr);
        emit(c, &it, repr, &count);
        end_doc(c, repr, count);
    }
    finish_json(c);
out:
    free(pm);
}

/* ---- routing ---- */

#define MAX_SEGS 8

/* Splits path (after the leading '/') at '/'; returns the count, or -1 when there are more
 * than MAX_SEGS segments. Segments are copied into store (NUL-separated). */
static int split(const char *path, char *store, size_t storelen, const char **segs)
{
    size_t n = strlen(path);
    int ns = 0;
    if (n == 0 || path[0] != '/' || n >= storelen)
        return -1;
    memcpy(store, path + 1, n - 1);
    store[n - 1] = '\0';
    char *p = store;
    for (;;) {
        if (ns == MAX_SEGS)
            return -1;
        segs[ns++] = p;
        char *slash = strchr(p, '/');
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    return ns;
}

static void resource_request(struct ctx *c, const char **segs, int nseg)
{
    enum kind kind;
    const char *ns = NULL, *name = NULL;
    bool ok = true;
    /* segs[0..nseg) after "apis/metrics.k8s.io/<version>" */
    if (nseg == 1 || nseg == 2) {
        if (strcmp(segs[0], "nodes") == 0)
            kind = K_NODES;
        else if (strcmp(segs[0], "pods") == 0 && nseg == 1)
            kind = K_PODS;
        else
            ok = false;
        if (nseg == 2)
            name = segs[1];
    } else if ((nseg == 3 || nseg == 4) && strcmp(segs[0], "namespaces") == 0 &&
               strcmp(segs[2], "pods") == 0) {
        kind = K_PODS;
        ns = segs[1];
        if (nseg == 4)
            name = segs[3];
    } else {
        ok = false;
    }
    if (ok && ((name != NULL && name[0] == '\0') || (ns != NULL && ns[0] == '\0')))
        ok = false;
    if (!ok) {
        struct details d = { NULL, NULL, NULL };
        status_response(c, 404, "NotFound", MSG_NOT_FOUND, &d);
        return;
    }
    const char *method = c->req->method != NULL ? c->req->method : "GET";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        status_response(c, 405, "MethodNotAllowed",
                        "the server does not allow this method on the requested resource",
                        &no_details);
        return;
    }
    if (name == NULL && parse_bool_true(c->req->watch)) {
        struct details d = { NULL, GROUP, kind == K_NODES ? "nodes" : "pods" };
        status_response(c, 405, "MethodNotAllowed",
                        kind == K_NODES
                            ? "watch is not supported on resources of kind \"nodes." GROUP "\""
                            : "watch is not supported on resources of kind \"pods." GROUP "\"",
                        &d);
        return;
    }
    enum repr repr = negotiate(c->req->accept, true);
    if (repr == REPR_NONE) {
        status_response(c, 406, "NotAcceptable",
                        "only the following media types are accepted: application/json", NULL);
        return;
    }
    if (name == NULL)
        list(c, kind, ns, repr);
    else
        get(c, kind, ns, name, repr);
}

int metrics_api_handle(const struct metrics_api_config *cfg, const struct store_view *v,
                       const struct metrics_api_request *req, struct metrics_api_response *resp)
{
    char store[KG_MAX_HTTP_URL + 1];
    const char *segs[MAX_SEGS];
    struct ctx c;
    int nseg;

    if (cfg == NULL || cfg->cluster == NULL || cfg->cluster->node == NULL ||
        cfg->cluster->pod == NULL || v == NULL || req == NULL || req->path == NULL || resp == NULL)
        return -EINVAL;
    memset(resp, 0, sizeof *resp);
    buf_init(&resp->body, KG_MAX_METRICS_API_BODY);
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.v = v;
    c.req = req;
    c.resp = resp;
    time_format_rfc3339(req->now_ns, c.now, sizeof c.now);

    nseg = split(req->path, store, sizeof store, segs);
    if (nseg < 1 || strcmp(segs[0], "apis") != 0)
        goto page_not_found;
    if (nseg >= 2 && strcmp(segs[1], GROUP) != 0)
        goto page_not_found;
    if (nseg >= 3) {
        if (strcmp(segs[2], "v1beta1") == 0 || (!cfg->no_v1 && strcmp(segs[2], "v1") == 0))
            c.version = segs[2];
        else
            goto page_not_found;
    }
    if (nseg >= 4) {
        resource_request(&c, segs + 3, nseg - 3);
        return 0;
    }
    /* discovery */
    const char *method = req->method != NULL ? req->method : "GET";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        status_response(&c, 405, "MethodNotAllowed",
                        "the server does not allow this method on the requested resource",
                        &no_details);
        return 0;
    }
    if (negotiate(req->accept, false) == REPR_NONE) {
        status_response(&c, 406, "NotAcceptable",
                        "only the following media types are accepted: application/json", NULL);
        return 0;
    }
    discovery(&c, nseg - 1, c.version);
    return 0;

page_not_found:
    plain(&c, 404, "404 page not found\n");
    return 0;
}

void metrics_api_response_cleanup(struct metrics_api_response *resp)
{
    if (resp == NULL)
        return;
    buf_cleanup(&resp->body);
    resp->content_type = NULL;
}
