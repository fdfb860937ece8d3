/* Usage model of the simulated kubelets (seeded constant demand, cAdvisor-like housekeeping
 * samples, exact CPU integration) and the kubelet /metrics/resource text renderer. */
#include "sim/model.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/writer.h"
#include "sim/store.h"
#include "util/alloc.h"
#include "util/assert.h"

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* FNV-1a over the seed and the strings (each followed by a 0 byte), then a splitmix finalizer. */
static uint64_t hash_keys(uint64_t seed, const char *a, const char *b, const char *c)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ mix64(seed);
    const char *parts[3] = { a, b, c };
    for (size_t i = 0; i < 3; i++) {
        const char *s = parts[i] ? parts[i] : "";
        for (; *s; s++) {
            h ^= (unsigned char)*s;
            h *= 0x100000001b3ULL;
        }
        h *= 0x100000001b3ULL;
    }
    return mix64(h);
}

/* base scaled by a factor in [0.75, 1.25) drawn from h. */
static int64_t jitter(int64_t base, uint64_t h)
{
    uint64_t permille = 750 + (h % 500);
    return (int64_t)((uint64_t)base * permille / 1000);
}

struct sim_usage sim_model_container_demand(uint64_t seed, const char *ns, const char *pod,
                                            const char *container)
{
    int64_t cpu = 5000000, mem = 32LL * 1024 * 1024;
    if (strcmp(container, "kube-proxy") == 0) {
        cpu = 2000000;
        mem = 20LL * 1024 * 1024;
    } else if (strcmp(container, "kindnet-cni") == 0) {
        cpu = 1000000;
        mem = 12LL * 1024 * 1024;
    } else if (strcmp(container, "coredns") == 0) {
        cpu = 3000000;
        mem = 18LL * 1024 * 1024;
    }
    uint64_t h = hash_keys(seed, ns, pod, container);
    struct sim_usage u = { jitter(cpu, h), jitter(mem, h >> 20) };
    /* working sets are whole 4 KiB pages, as the kernel counts them */
    u.memory_bytes -= u.memory_bytes % 4096;
    return u;
}

struct sim_usage sim_model_node_overhead(uint64_t seed, const char *node)
{
    uint64_t h = hash_keys(seed, "node", node, NULL);
    struct sim_usage u = { jitter(KG_SIM_NODE_OVERHEAD_CPU, h),
                           jitter(KG_SIM_NODE_OVERHEAD_MEM, h >> 20) };
    u.memory_bytes -= u.memory_bytes % 4096;
    return u;
}

static bool pod_counts(const struct sim_pod *p, const char *node)
{
    return p->node_name && strcmp(p->node_name, node) == 0 && strcmp(p->phase, "Running") == 0;
}

struct sim_usage sim_model_node_usage(uint64_t seed, const struct sim_node *node,
                                      const struct sim_pod *const *pods, size_t n_pods)
{
    const char *name = node->obj.meta.name;
    struct sim_usage u = sim_model_node_overhead(seed, name);
    for (size_t i = 0; i < n_pods; i++) {
        const struct sim_pod *p = pods[i];
        if (!pod_counts(p, name))
            continue;
        for (size_t j = 0; j < p->n_containers; j++) {
            const struct sim_container *c = &p->containers[j];
            if (c->state != SIM_CONTAINER_RUNNING)
                continue;
            struct sim_usage cu =
                sim_model_container_demand(seed, p->obj.meta.namespace, p->obj.meta.name, c->name);
            u.cpu_nanocores += cu.cpu_nanocores;
            u.memory_bytes += cu.memory_bytes;
        }
    }
    return u;
}

int64_t sim_model_sample_ns(uint64_t seed, const char *key, int64_t start_ns, int64_t now_ns,
                            int64_t interval_ns)
{
    ASSERT(interval_ns > 0);
    int64_t phase = (int64_t)(hash_keys(seed, "sample", key, NULL) % (uint64_t)interval_ns);
    int64_t d = now_ns - phase;
    int64_t k = d / interval_ns;
    if (d < 0 && d % interval_ns != 0)
        k--; /* floor division */
    int64_t t = phase + k * interval_ns;
    return t < start_ns ? start_ns : t;
}

uint64_t sim_model_cpu_ns(int64_t nanocores, int64_t start_ns, int64_t at_ns)
{
    if (at_ns <= start_ns || nanocores <= 0)
        return 0;
    unsigned __int128 v = (unsigned __int128)(uint64_t)nanocores * (uint64_t)(at_ns - start_ns);
    v /= 1000000000u;
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

void sim_go_float(double v, char *out, size_t outlen)
{
    if (isnan(v)) {
        snprintf(out, outlen, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, outlen, "%s", v > 0 ? "+Inf" : "-Inf");
        return;
    }
    if (v == 0) {
        snprintf(out, outlen, "%s", signbit(v) ? "-0" : "0");
        return;
    }
    char e[40];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, v);
        if (strtod(e, NULL) == v)
            break;
    }
    /* e is "[-]d[.ddd]e[+-]XX": collect the digits and the exponent */
    char digits[24];
    size_t nd = 0;
    const char *s = e;
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && nd < sizeof digits - 1)
            digits[nd++] = *s;
    int exp = (int)strtol(s + 1, NULL, 10);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';

    char r[48];
    size_t n = 0;
    if (neg)
        r[n++] = '-';
    if (exp < -4 || exp >= 6) {
        r[n++] = digits[0];
        if (nd > 1) {
            r[n++] = '.';
            memcpy(r + n, digits + 1, nd - 1);
            n += nd - 1;
        }
        snprintf(r + n, sizeof r - n, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    } else {
        int dp = exp + 1; /* digits before the decimal point */
        if (dp <= 0) {
            r[n++] = '0';
            r[n++] = '.';
            for (int i = 0; i < -dp; i++)
                r[n++] = '0';
            memcpy(r + n, digits, nd);
            n += nd;
        } else if ((size_t)dp >= nd) {
            memcpy(r + n, digits, nd);
            n += nd;
            for (size_t i = nd; i < (size_t)dp; i++)
                r[n++] = '0';
        } else {
            memcpy(r + n, digits, (size_t)dp);
            n += (size_t)dp;
            r[n++] = '.';
            memcpy(r + n, digits + dp, nd - (size_t)dp);
            n += nd - (size_t)dp;
        }
        r[n] = '\0';
    }
    snprintf(out, outlen, "%s", r);
}

int sim_kubelet_minor(const char *version, int *minor)
{
    if (!version || version[0] != 'v' || version[1] != '1' || version[2] != '.')
        return -EINVAL;
    const char *s = version + 3;
    if (*s < '0' || *s > '9')
        return -EINVAL;
    int m = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        m = m * 10 + (*s - '0');
        if (m > 1000)
            return -EINVAL;
    }
    if (*s != '.' && *s != '\0' && *s != '-' && *s != '+')
        return -EINVAL;
    *minor = m;
    return 0;
}

/* One running container (or pod) of the node, with its sample. */
struct series {
    const char *ns, *pod, *container; /* container NULL for a pod series */
    double cpu_s;
    int64_t mem;
    int64_t sample_ms;
    int64_t start_ns;
};

static int series_cmp(const void *pa, const void *pb)
{
    const struct series *a = pa, *b = pb;
    int c = 0;
    if (a->container && b->container)
        c = strcmp(a->container, b->container);
    if (c == 0)
        c = strcmp(a->ns, b->ns);
    if (c == 0)
        c = strcmp(a->pod, b->pod);
    return c;
}

static int64_t cstart(const struct sim_pod *p, const struct sim_container *c)
{
    return c->started_ns ? c->started_ns : p->start_ns;
}

/* Appends to out; the first failure is remembered in *e (later appends are skipped, so a full
 * buffer never yields a payload with a line missing in the middle). */
__attribute__((format(printf, 3, 4))) static void emit(struct buf *out, int *e, const char *fmt,
                                                       ...)
{
    if (*e)
        return;
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(out, fmt, ap);
    va_end(ap);
    if (rc < 0)
        *e = -ENOSPC;
}

static void put_float(struct buf *out, int *e, double v)
{
    char f[32];
    sim_go_float(v, f, sizeof f);
    emit(out, e, "%s", f);
}

static void put_family(struct buf *out, int *e, const char *name, const char *stab,
                       const char *help, const char *type)
{
    emit(out, e, "# HELP %s [%s] %s\n# TYPE %s %s\n", name, stab, help, name, type);
}

int sim_model_render_resource(struct buf *out, uint64_t seed, const struct sim_node *node,
                              const struct sim_pod *const *pods, size_t n_pods, int64_t now_ns,
                              int64_t interval_ns)
{
    int minor = 0;
    int rc = sim_kubelet_minor(node->kubelet_version, &minor);
    struct series *cs = NULL, *ps = NULL;
    size_t ncs = 0, nps = 0;
    int e = 0;
    if (rc < 0)
        goto out;
    if (minor < 18) {
        rc = -ENOENT;
        goto out;
    }
    const char *name = node->obj.meta.name;
    const char *stab = minor >= 29 ? "STABLE" : "ALPHA";
    size_t maxc = 0;
    for (size_t i = 0; i < n_pods; i++)
        if (pod_counts(pods[i], name))
            maxc += pods[i]->n_containers;
    cs = xcalloc(maxc ? maxc : 1, sizeof *cs);
    ps = xcalloc(n_pods ? n_pods : 1, sizeof *ps);

    for (size_t i = 0; i < n_pods; i++) {
        const struct sim_pod *p = pods[i];
        if (!pod_counts(p, name))
            continue;
        const char *pns = p->obj.meta.namespace, *pname = p->obj.meta.name;
        char key[512];
        snprintf(key, sizeof key, "%s/%s", pns, pname);
        int64_t pt = sim_model_sample_ns(seed, key, p->start_ns, now_ns, interval_ns);
        uint64_t pcpu = 0;
        int64_t pmem = 0;
        bool any = false;
        for (size_t j = 0; j < p->n_containers; j++) {
            const struct sim_container *c = &p->containers[j];
            if (c->state != SIM_CONTAINER_RUNNING)
                continue;
            any = true;
            struct sim_usage d = sim_model_container_demand(seed, pns, pname, c->name);
            snprintf(key, sizeof key, "%s/%s/%s", pns, pname, c->name);
            int64_t st = cstart(p, c);
            int64_t t = sim_model_sample_ns(seed, key, st, now_ns, interval_ns);
            struct series *s = &cs[ncs++];
            s->ns = pns;
            s->pod = pname;
            s->container = c->name;
            s->cpu_s = (double)sim_model_cpu_ns(d.cpu_nanocores, st, t) / 1e9;
            s->mem = d.memory_bytes;
            s->sample_ms = t / 1000000;
            s->start_ns = st;
            pcpu += sim_model_cpu_ns(d.cpu_nanocores, st, pt);
            pmem += d.memory_bytes;
        }
        if (!any)
            continue;
        struct series *s = &ps[nps++];
        s->ns = pns;
        s->pod = pname;
        s->cpu_s = (double)pcpu / 1e9;
        s->mem = pmem;
        s->sample_ms = pt / 1000000;
    }
    qsort(cs, ncs, sizeof *cs, series_cmp);
    qsort(ps, nps, sizeof *ps, series_cmp);

    put_family(out, &e, "container_cpu_usage_seconds_total", stab,
               "Cumulative cpu time consumed by the container in core-seconds", "counter");
    for (size_t i = 0; i < ncs; i++) {
        emit(out, &e,
             "container_cpu_usage_seconds_total{container=\"%s\",namespace=\"%s\",pod=\"%s\"} ",
             cs[i].container, cs[i].ns, cs[i].pod);
        put_float(out, &e, cs[i].cpu_s);
        emit(out, &e, " %lld\n", (long long)cs[i].sample_ms);
    }
    put_family(out, &e, "container_memory_working_set_bytes", stab,
               "Current working set of the container in bytes", "gauge");
    for (size_t i = 0; i < ncs; i++) {
        emit(out, &e,
             "container_memory_working_set_bytes{container=\"%s\",namespace=\"%s\",pod=\"%s\"} ",
             cs[i].container, cs[i].ns, cs[i].pod);
        put_float(out, &e, (double)cs[i].mem);
        emit(out, &e, " %lld\n", (long long)cs[i].sample_ms);
    }
    if (minor >= 22) {
        put_family(out, &e, "container_start_time_seconds", stab,
                   "Start time of the container since unix epoch in seconds", "gauge");
        for (size_t i = 0; i < ncs; i++) {
            emit(out, &e,
                 "container_start_time_seconds{container=\"%s\",namespace=\"%s\",pod=\"%s\"} ",
                 cs[i].container, cs[i].ns, cs[i].pod);
            put_float(out, &e, (double)cs[i].start_ns / 1e9);
            if (minor < 29)
                emit(out, &e, " %lld", (long long)(cs[i].start_ns / 1000000));
            emit(out, &e, "\n");
        }
    }
    {
        struct sim_usage nu = sim_model_node_usage(seed, node, pods, n_pods);
        struct sim_usage ov = sim_model_node_overhead(seed, name);
        int64_t nt =
            sim_model_sample_ns(seed, name, node->obj.meta.created_ns, now_ns, interval_ns);
        uint64_t ncpu = sim_model_cpu_ns(ov.cpu_nanocores, node->obj.meta.created_ns, nt);
        for (size_t i = 0; i < ncs; i++) {
            struct sim_usage d =
                sim_model_container_demand(seed, cs[i].ns, cs[i].pod, cs[i].container);
            ncpu += sim_model_cpu_ns(d.cpu_nanocores, cs[i].start_ns, nt);
        }
        put_family(out, &e, "node_cpu_usage_seconds_total", stab,
                   "Cumulative cpu time consumed by the node in core-seconds", "counter");
        emit(out, &e, "node_cpu_usage_seconds_total ");
        put_float(out, &e, (double)ncpu / 1e9);
        emit(out, &e, " %lld\n", (long long)(nt / 1000000));
        put_family(out, &e, "node_memory_working_set_bytes", stab,
                   "Current working set of the node in bytes", "gauge");
        emit(out, &e, "node_memory_working_set_bytes ");
        put_float(out, &e, (double)nu.memory_bytes);
        emit(out, &e, " %lld\n", (long long)(nt / 1000000));
    }
    put_family(out, &e, "pod_cpu_usage_seconds_total", stab,
               "Cumulative cpu time consumed by the pod in core-seconds", "counter");
    for (size_t i = 0; i < nps; i++) {
        emit(out, &e, "pod_cpu_usage_seconds_total{namespace=\"%s\",pod=\"%s\"} ", ps[i].ns,
             ps[i].pod);
        put_float(out, &e, ps[i].cpu_s);
        emit(out, &e, " %lld\n", (long long)ps[i].sample_ms);
    }
    put_family(out, &e, "pod_memory_working_set_bytes", stab,
               "Current working set of the pod in bytes", "gauge");
    for (size_t i = 0; i < nps; i++) {
        emit(out, &e, "pod_memory_working_set_bytes{namespace=\"%s\",pod=\"%s\"} ", ps[i].ns,
             ps[i].pod);
        put_float(out, &e, (double)ps[i].mem);
        emit(out, &e, " %lld\n", (long long)ps[i].sample_ms);
    }
    const char *se = minor >= 29 ? "resource_scrape_error" : "scrape_error";
    put_family(out, &e, se, stab,
               "1 if there was an error while getting container metrics, 0 otherwise", "gauge");
    emit(out, &e, "%s 0\n", se);
    rc = e;
out:
    free(cs);
    free(ps);
    return rc;
}

static int node_index_cmp(const void *key, const void *elem)
{
    const struct sim_obj *const *o = elem;
    return strcmp(key, (*o)->meta.name);
}

int sim_model_truth_json(struct json_writer *w, uint64_t seed, const struct store *st,
                         int64_t now_ns)
{
    struct store_page nodes = { 0 }, pods = { 0 };
    struct store_query all = { 0 };
    struct sim_usage *nu = NULL;
    int rc = store_query(st, SIM_KIND_NODE, &all, &nodes);
    if (rc == 0)
        rc = store_query(st, SIM_KIND_POD, &all, &pods);
    if (rc < 0)
        goto out;
    nu = xcalloc(nodes.n ? nodes.n : 1, sizeof *nu);
    for (size_t i = 0; i < nodes.n; i++)
        nu[i] = sim_model_node_overhead(seed, nodes.items[i]->meta.name);

    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "SimTruth");
    json_writer_member_string(w, "apiVersion", "sim.kgauge.io/v1");
    json_writer_member_int64(w, "timeUnixNano", now_ns);
    json_writer_key(w, "pods");
    json_writer_begin_array(w);
    for (size_t i = 0; i < pods.n; i++) {
        const struct sim_pod *p = sim_as_pod(pods.items[i]);
        if (!p->node_name || strcmp(p->phase, "Running") != 0)
            continue;
        const struct sim_obj **np = bsearch(p->node_name, nodes.items, nodes.n,
                                            sizeof(const struct sim_obj *), node_index_cmp);
        if (!np)
            continue; /* bound to a node that does not exist: no kubelet reports it */
        struct sim_usage *n = &nu[np - nodes.items];
        struct sim_usage sum = { 0, 0 };
        json_writer_begin_object(w);
        json_writer_member_string(w, "namespace", p->obj.meta.namespace);
        json_writer_member_string(w, "name", p->obj.meta.name);
        json_writer_member_string(w, "nodeName", p->node_name);
        json_writer_key(w, "containers");
        json_writer_begin_array(w);
        for (size_t j = 0; j < p->n_containers; j++) {
            const struct sim_container *c = &p->containers[j];
            if (c->state != SIM_CONTAINER_RUNNING)
                continue;
            struct sim_usage d =
                sim_model_container_demand(seed, p->obj.meta.namespace, p->obj.meta.name, c->name);
            sum.cpu_nanocores += d.cpu_nanocores;
            sum.memory_bytes += d.memory_bytes;
            json_writer_begin_object(w);
            json_writer_member_string(w, "name", c->name);
            json_writer_member_int64(w, "cpuNanocores", d.cpu_nanocores);
            json_writer_member_int64(w, "memoryBytes", d.memory_bytes);
            json_writer_end_object(w);
        }
        json_writer_end_array(w);
        json_writer_member_int64(w, "cpuNanocores", sum.cpu_nanocores);
        json_writer_member_int64(w, "memoryBytes", sum.memory_bytes);
        json_writer_end_object(w);
        n->cpu_nanocores += sum.cpu_nanocores;
        n->memory_bytes += sum.memory_bytes;
    }
    json_writer_end_array(w);
    json_writer_key(w, "nodes");
    json_writer_begin_array(w);
    for (size_t i = 0; i < nodes.n; i++) {
        json_writer_begin_object(w);
        json_writer_member_string(w, "name", nodes.items[i]->meta.name);
        json_writer_member_int64(w, "cpuNanocores", nu[i].cpu_nanocores);
        json_writer_member_int64(w, "memoryBytes", nu[i].memory_bytes);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    rc = json_writer_end_object(w);
    if (rc == 0)
        rc = json_writer_error(w);
out:
    free(nu);
    store_page_cleanup(&nodes);
    store_page_cleanup(&pods);
    return rc;
}
