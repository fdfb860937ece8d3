/*
 * /stats/summary decoder (see summary.h). The JSON reader validates and builds the document;
 * we walk node and pods once, copying the few numbers we need into the batch, and free the
 * document before returning. Each container decodes to "ok", "incomplete" or "malformed" with
 * a message; the pod is committed only when all of its containers are ok (unless
 * DECODE_KEEP_PARTIAL_PODS), by truncating the batch back to where the pod began.
 */
#include "metrics/summary.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "util/err.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/time.h"

enum { C_OK = 0, C_INCOMPLETE = 1, C_MALFORMED = 2 };

/* metav1.Time at obj.path: C_OK with *ns > 0; C_INCOMPLETE when absent, null or not after the
 * epoch (Go's zero time marshals as null); C_MALFORMED otherwise. */
static int get_time(const struct json_value *obj, const char *path, int64_t *ns, char *msg,
                    size_t mlen)
{
    const char *s;
    int rc = json_opt_string(obj, path, &s, NULL, msg, mlen);
    if (rc < 0)
        return C_MALFORMED;
    if (rc == 0) {
        kg_set_err(msg, mlen, "no %s", path);
        return C_INCOMPLETE;
    }
    /* The int64 ns range ends in 2262: check the year before time_parse_rfc3339 can overflow. */
    int year = -1;
    if (strlen(s) >= 4 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
        s[2] <= '9' && s[3] >= '0' && s[3] <= '9')
        year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    if (year >= 0 && year < 1970) {
        kg_set_err(msg, mlen, "%s is not after the Unix epoch", path); /* Go's zero time too */
        return C_INCOMPLETE;
    }
    if (year > 2261) {
        kg_set_err(msg, mlen, "%s: time \"%.40s\" is out of range", path, s);
        return C_MALFORMED;
    }
    if (time_parse_rfc3339(s, ns)) {
        kg_set_err(msg, mlen, "%s: invalid RFC 3339 time \"%.40s\"", path, s);
        return C_MALFORMED;
    }
    if (*ns <= 0) {
        kg_set_err(msg, mlen, "%s is not after the Unix epoch", path);
        return C_INCOMPLETE;
    }
    return C_OK;
}

/* A required non-zero uint64 at obj.path; C_INCOMPLETE when absent, null or zero. */
static int get_nonzero(const struct json_value *obj, const char *path, uint64_t *out, char *msg,
                       size_t mlen)
{
    int rc = json_opt_uint64(obj, path, out, msg, mlen);
    if (rc < 0)
        return C_MALFORMED;
    if (rc == 0 || *out == 0) {
        kg_set_err(msg, mlen, "%s %s", rc == 0 ? "no" : "zero", path);
        return C_INCOMPLETE;
    }
    return C_OK;
}

/* cpu, memory and swap of a node or container into pt. start_path may be NULL (node start time
 * is optional). */
static int decode_point(const struct json_value *obj, const char *start_path, bool need_start,
                        struct sample_point *pt, char *msg, size_t mlen)
{
    int rc;
    memset(pt, 0, sizeof(*pt));
    if (start_path) {
        rc = get_time(obj, start_path, &pt->start_time_ns, msg, mlen);
        if (rc == C_MALFORMED || (rc == C_INCOMPLETE && need_start))
            return rc;
        if (rc != C_OK)
            pt->start_time_ns = 0;
    }
    rc = get_time(obj, "cpu.time", &pt->timestamp_ns, msg, mlen);
    if (rc != C_OK)
        return rc;
    rc = get_nonzero(obj, "cpu.usageCoreNanoSeconds", &pt->cpu_ns, msg, mlen);
    if (rc != C_OK)
        return rc;
    rc = get_nonzero(obj, "memory.workingSetBytes", &pt->memory_bytes, msg, mlen);
    if (rc != C_OK)
        return rc;
    pt->has_cpu = 1;
    pt->has_memory = 1;
    rc = json_opt_uint64(obj, "swap.swapUsageBytes", &pt->swap_bytes, msg, mlen);
    if (rc < 0)
        return C_MALFORMED;
    pt->has_swap = rc == 1;
    return C_OK;
}

struct sdec {
    struct node_batch *b;
    unsigned flags;
    char *err;
    size_t errlen;
};

/* Records a lost part; in strict mode a malformed one fails the decode (-EINVAL). */
static int lost(struct sdec *d, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int lost(struct sdec *d, int kind, const char *fmt, ...)
{
    char msg[KG_ERRBUF];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (kind == C_MALFORMED && (d->flags & DECODE_STRICT)) {
        kg_set_err(d->err, d->errlen, "%s", msg);
        return -EINVAL;
    }
    node_batch_error(d->b, "%s", msg);
    return 0;
}

static int decode_node(struct sdec *d, const struct json_value *root)
{
    char msg[KG_ERRBUF];
    const struct json_value *node;
    int rc = json_opt_object(root, "node", &node, msg, sizeof(msg));
    if (rc < 0)
        return lost(d, C_MALFORMED, "node: %s", msg);
    if (rc == 0)
        return 0;
    if (!d->b->node) {
        const char *name;
        rc = json_opt_string(node, "nodeName", &name, NULL, msg, sizeof(msg));
        if (rc < 0)
            return lost(d, C_MALFORMED, "node: %s", msg);
        if (rc == 1 && *name)
            d->b->node = arena_strdup(d->b->arena, name);
    }
    struct sample_point pt;
    rc = decode_point(node, "startTime", false, &pt, msg, sizeof(msg));
    if (rc != C_OK)
        return lost(d, rc, "node: %s, node sample dropped", msg);
    d->b->node_point = pt;
    d->b->has_node = 1;
    return 0;
}

static int decode_pod(struct sdec *d, const struct json_value *pod, size_t i)
{
    char msg[KG_ERRBUF];
    const char *ns, *name;
    const struct json_value *containers = NULL;
    size_t n = 0;
    int rc = json_get_string(pod, "podRef.namespace", &ns, NULL, msg, sizeof(msg));
    if (!rc)
        rc = json_get_string(pod, "podRef.name", &name, NULL, msg, sizeof(msg));
    if (!rc && (!*ns || !*name)) {
        kg_set_err(msg, sizeof(msg), "podRef has an empty %s", *ns ? "name" : "namespace");
        rc = -EINVAL;
    }
    if (!rc && json_opt_array(pod, "containers", &containers, &n, msg, sizeof(msg)) < 0)
        rc = -EINVAL;
    if (rc)
        return lost(d, C_MALFORMED, "pods[%zu]: %s%s", i, msg,
                    (d->flags & DECODE_STRICT) ? "" : ", pod dropped");
    if (!containers)
        return 0;
    struct node_batch *b = d->b;
    size_t start = b->ncontainers;
    int bad = 0;
    for (size_t j = 0; j < n; j++) {
        const struct json_value *c = json_array_at(containers, j);
        const char *cname = NULL;
        struct sample_point pt;
        rc = json_get_string(c, "name", &cname, NULL, msg, sizeof(msg));
        if (!rc && !*cname) {
            kg_set_err(msg, sizeof(msg), "empty name");
            rc = -EINVAL;
        }
        if (rc) {
            rc = C_MALFORMED;
        } else {
            rc = decode_point(c, "startTime", true, &pt, msg, sizeof(msg));
        }
        if (rc != C_OK) {
            bad = 1;
            const char *what = (d->flags & DECODE_STRICT) && rc == C_MALFORMED ? ""
                               : (d->flags & DECODE_KEEP_PARTIAL_PODS) ? ", container dropped"
                                                                       : ", pod dropped";
            if (lost(d, rc, "container %s/%s/%s: %s%s", ns, name, cname ? cname : "?", msg, what))
                return -EINVAL;
            continue;
        }
        if (b->ncontainers >= KG_MAX_BATCH_CONTAINERS) {
            node_batch_error(b, "more than %d containers, %s/%s/%s dropped",
                             KG_MAX_BATCH_CONTAINERS, ns, name, cname);
            continue;
        }
        node_batch_add(b, ns, name, cname, &pt);
    }
    if (bad && !(d->flags & DECODE_KEEP_PARTIAL_PODS))
        b->ncontainers = start;
    return 0;
}

/* A (namespace, pod, container) seen before loses: first one kept, as in the store. */
static void dedupe(struct node_batch *b)
{
    if (!b->ncontainers)
        return;
    struct decode__index ix;
    decode__index_init(&ix);
    unsigned char *keep = xmalloc(b->ncontainers);
    int any = 0;
    for (size_t i = 0; i < b->ncontainers; i++) {
        const struct container_sample *c = &b->containers[i];
        size_t nl = strlen(c->namespace), pl = strlen(c->pod), cl = strlen(c->container);
        uint32_t h = decode__hash(c->namespace, nl, c->pod, pl, c->container, cl);
        keep[i] = decode__index_find(&ix, b, h, c->namespace, nl, c->pod, pl, c->container, cl) < 0;
        if (keep[i]) {
            decode__index_put(&ix, h, i);
        } else {
            any = 1;
            node_batch_error(b, "container %s/%s/%s repeated, first one kept", c->namespace, c->pod,
                             c->container);
        }
    }
    if (any)
        decode__compact(b, keep);
    free(keep);
    decode__index_cleanup(&ix);
}

int decode_summary(const void *data, size_t len, const struct decode_opts *opts,
                   struct node_batch **out, char *err, size_t errlen)
{
    static const struct decode_opts zero_opts;
    const struct decode_opts *o = opts ? opts : &zero_opts;
    struct json_doc *doc = NULL;
    struct sdec d = { NULL, o->flags, err, errlen };
    char jerr[KG_ERRBUF];
    int rc;
    *out = NULL;
    if (len > KG_MAX_KUBELET_BODY) {
        kg_set_err(err, errlen, "/stats/summary payload of %zu bytes exceeds the limit of %u", len,
                   (unsigned)KG_MAX_KUBELET_BODY);
        return -E2BIG;
    }
    rc = json_parse_limits(data, len, KG_MAX_KUBELET_BODY, KG_MAX_JSON_DEPTH, &doc, jerr,
                           sizeof(jerr));
    if (rc) {
        kg_set_err(err, errlen, "/stats/summary: %s", jerr);
        rc = rc == -E2BIG ? -E2BIG : -EINVAL;
        goto out;
    }
    const struct json_value *root = json_doc_root(doc);
    if (json_kind(root) != JSON_OBJECT) {
        kg_set_err(err, errlen, "/stats/summary: expected an object, got %s",
                   json_kind_name(json_kind(root)));
        rc = -EINVAL;
        goto out;
    }
    size_t chunk = len / 32;
    d.b = node_batch_new(o->node, chunk < 4096 ? 4096 : chunk > 65536 ? 65536 : chunk);
    rc = decode_node(&d, root);
    if (rc)
        goto out;
    const struct json_value *pods;
    size_t npods = 0;
    rc = json_opt_array(root, "pods", &pods, &npods, jerr, sizeof(jerr));
    if (rc < 0) {
        rc = lost(&d, C_MALFORMED, "%s", jerr);
        if (rc)
            goto out;
        npods = 0;
    }
    for (size_t i = 0; i < npods; i++) {
        const struct json_value *pod = json_array_at(pods, i);
        if (json_kind(pod) != JSON_OBJECT) {
            rc = lost(&d, C_MALFORMED, "pods[%zu]: expected an object, got %s", i,
                      json_kind_name(json_kind(pod)));
        } else {
            rc = decode_pod(&d, pod, i);
        }
        if (rc)
            goto out;
    }
    dedupe(d.b);
    *out = d.b;
    d.b = NULL;
    rc = 0;
out:
    node_batch_free(d.b);
    json_doc_free(doc);
    return rc;
}
