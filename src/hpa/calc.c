/*
 * HPA replica calculator (see calc.h). Mirrors replica_calculator.go rule by rule:
 * classification of pods, requests, the fast path (ratio x ready pods) and the rebalance path
 * (missing pods assumed at the target or the request, unready pods at zero, direction checks).
 *
 * Metric samples form a "metric map" keyed by pod name like Go's PodMetricsInfo: a sorted,
 * de-duplicated array (the last sample of a pod wins) with a liveness flag per entry, so
 * lookups are O(log n) and removing ignored/unready pods is O(1). Sums use 128-bit integers
 * so totals of int64 samples never wrap; the int32 utilization percentage is clamped.
 */
#include "hpa/calc.h"

#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

typedef __int128 i128;

struct mentry {
    struct hpa_pod_metric m;
    size_t order; /* position in the input (for "last wins") */
    long pod;     /* index of the pod with this name, -1 for a superfluous sample */
    int live;
};

struct mmap {
    struct mentry *e;
    size_t n;
};

static int set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

int hpa_tolerances_within(const struct hpa_tolerances *t, double ratio)
{
    return (1.0 - t->down) <= ratio && ratio <= (1.0 + t->up);
}

int32_t hpa_ceil_i32(double x)
{
    if (isnan(x))
        return 0;
    x = ceil(x);
    if (x >= 2147483647.0)
        return INT32_MAX;
    if (x <= -2147483648.0)
        return INT32_MIN;
    return (int32_t)x;
}

static int64_t clamp_i64(i128 v)
{
    if (v > (i128)INT64_MAX)
        return INT64_MAX;
    if (v < (i128)INT64_MIN)
        return INT64_MIN;
    return (int64_t)v;
}

static int32_t clamp_i32(i128 v)
{
    if (v > (i128)INT32_MAX)
        return INT32_MAX;
    if (v < (i128)INT32_MIN)
        return INT32_MIN;
    return (int32_t)v;
}

/* Saturating instant + duration. */
static int64_t t_add(int64_t t, int64_t d)
{
    return clamp_i64((i128)t + d);
}

static int mentry_cmp(const void *a, const void *b)
{
    const struct mentry *x = a, *y = b;
    int c = strcmp(nz(x->m.pod), nz(y->m.pod));
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void mmap_build(struct mmap *mm, const struct hpa_pod_metric *v, size_t n)
{
    mm->e = xcalloc(n ? n : 1, sizeof(*mm->e));
    for (size_t i = 0; i < n; i++) {
        mm->e[i].m = v[i];
        mm->e[i].order = i;
    }
    qsort(mm->e, n, sizeof(*mm->e), mentry_cmp);
    /* keep the last sample of each pod name */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && !strcmp(nz(mm->e[i].m.pod), nz(mm->e[i + 1].m.pod)))
            continue;
        mm->e[w] = mm->e[i];
        mm->e[w].pod = -1;
        mm->e[w].live = 1;
        w++;
    }
    mm->n = w;
}

static long mmap_find(const struct mmap *mm, const char *pod)
{
    size_t lo = 0, hi = mm->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(nz(mm->e[mid].m.pod), nz(pod));
        if (!c)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static void mmap_free(struct mmap *mm)
{
    free(mm->e);
    mm->e = NULL;
    mm->n = 0;
}

/* The CPU readiness rule of groupPods for a pod that has a sample. */
static int cpu_unready(const struct hpa_calc_in *in, const struct hpa_pod *p,
                       const struct hpa_pod_metric *m)
{
    if (p->ready == HPA_COND_ABSENT || !p->has_start_time)
        return 1;
    if (t_add(p->start_time, in->cpu_init_period) > in->now) {
        /* still initializing: unready, or no complete window since the last transition */
        return p->ready == HPA_COND_FALSE || m->timestamp < t_add(p->ready_transition, m->window);
    }
    /* unready and never became ready after the initial readiness delay */
    return p->ready == HPA_COND_FALSE &&
           t_add(p->start_time, in->readiness_delay) > p->ready_transition;
}

static void classify(const struct hpa_calc_in *in, struct mmap *mm, const char *resource,
                     enum hpa_pod_class *class, size_t *ready_count)
{
    int is_cpu = resource && !strcmp(resource, "cpu");
    size_t ready = 0;
    for (size_t i = 0; i < in->n_pods; i++) {
        const struct hpa_pod *p = &in->pods[i];
        long j = mmap_find(mm, p->name);
        if (j >= 0)
            mm->e[j].pod = (long)i; /* requests map: the last pod of a name wins */
        if (p->deleting || p->phase == HPA_POD_FAILED) {
            class[i] = HPA_CLASS_IGNORED;
            continue;
        }
        if (p->phase == HPA_POD_PENDING) {
            class[i] = HPA_CLASS_UNREADY;
            continue;
        }
        if (j < 0) {
            class[i] = HPA_CLASS_MISSING;
            continue;
        }
        if (is_cpu && cpu_unready(in, p, &mm->e[j].m)) {
            class[i] = HPA_CLASS_UNREADY;
            continue;
        }
        class[i] = HPA_CLASS_READY;
        ready++;
    }
    /* removeMetricsForPods(ignored), removeMetricsForPods(unready) */
    for (size_t i = 0; i < in->n_pods; i++) {
        if (class[i] == HPA_CLASS_IGNORED || class[i] == HPA_CLASS_UNREADY) {
            long j = mmap_find(mm, in->pods[i].name);
            if (j >= 0)
                mm->e[j].live = 0;
        }
    }
    *ready_count = ready;
}

static size_t mmap_live(const struct mmap *mm)
{
    size_t n = 0;
    for (size_t i = 0; i < mm->n; i++)
        n += mm->e[i].live != 0;
    return n;
}

int hpa_group_pods(const struct hpa_calc_in *in, const struct hpa_pod_metric *metrics,
                   size_t n_metrics, const char *resource, enum hpa_pod_class *class,
                   size_t *ready_count, char *err, size_t errlen)
{
    struct mmap mm;
    if (in->n_pods > KG_MAX_HPA_PODS || n_metrics > KG_MAX_HPA_PODS)
        return set_err(err, errlen, "too many pods or metrics (limit %d)", KG_MAX_HPA_PODS);
    mmap_build(&mm, metrics, n_metrics);
    classify(in, &mm, resource, class, ready_count);
    mmap_free(&mm);
    return 0;
}

static const struct hpa_quantity *find_q(const struct hpa_quantity *q, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(nz(q[i].name), nz(name)))
            return &q[i];
    return NULL;
}

static int pod_level_set(const struct hpa_pod *p)
{
    if (!p->has_pod_requests)
        return 0;
    return find_q(p->pod_requests, p->n_pod_requests, "cpu") ||
           find_q(p->pod_requests, p->n_pod_requests, "memory");
}

static int container_request(const struct hpa_container *c, const char *resource, const char *pod,
                             i128 *sum, char *err, size_t errlen)
{
    const struct hpa_quantity *q = find_q(c->requests, c->n_requests, resource);
    if (!q)
        return set_err(err, errlen, "missing request for %s in container %s of Pod %s", resource,
                       nz(c->name), pod);
    *sum += q->milli;
    return 0;
}

int hpa_pod_request(const struct hpa_pod *pod, const char *container, const char *resource,
                    int pod_level_enabled, int64_t *milli, char *err, size_t errlen)
{
    const char *pname = nz(pod->name);
    int whole = !container || !*container;
    i128 sum = 0;
    int rc;

    resource = nz(resource);
    if (pod_level_enabled && whole && pod_level_set(pod)) {
        const struct hpa_quantity *q = find_q(pod->pod_requests, pod->n_pod_requests, resource);
        if (!q)
            return set_err(err, errlen, "missing pod-level request for %s in Pod %s", resource,
                           pname);
        *milli = q->milli;
        return 0;
    }
    /* regular containers, then restartable init containers (sidecars), in that order */
    for (size_t pass = 0; pass < 2; pass++) {
        const struct hpa_container *cs = pass ? pod->init_containers : pod->containers;
        size_t n = pass ? pod->n_init_containers : pod->n_containers;
        for (size_t i = 0; i < n; i++) {
            const struct hpa_container *c = &cs[i];
            if (pass && !c->restart_always)
                continue;
            if (whole || !strcmp(container, nz(c->name))) {
                rc = container_request(c, resource, pname, &sum, err, errlen);
                if (rc)
                    return rc;
            }
            if (!whole && !strcmp(container, nz(c->name))) {
                *milli = clamp_i64(sum);
                return 0;
            }
        }
    }
    if (!whole)
        return set_err(err, errlen, "container %s not found in Pod %s", container, pname);
    *milli = clamp_i64(sum);
    return 0;
}

size_t hpa_resource_values(const struct hpa_pod_metrics *items, size_t n_items,
                           const char *resource, const char *container, struct hpa_pod_metric *out)
{
    size_t n = 0;
    resource = nz(resource);
    for (size_t i = 0; i < n_items; i++) {
        const struct hpa_pod_metrics *pm = &items[i];
        i128 sum = 0;
        int have = 0;
        if (container && *container) {
            for (size_t c = 0; c < pm->n_containers; c++) {
                if (strcmp(nz(pm->containers[c].name), container) != 0)
                    continue;
                const struct hpa_quantity *q =
                    find_q(pm->containers[c].usage, pm->containers[c].n_usage, resource);
                if (q) {
                    sum = q->milli;
                    have = 1;
                }
                break;
            }
        } else {
            have = pm->n_containers > 0;
            for (size_t c = 0; c < pm->n_containers && have; c++) {
                const struct hpa_quantity *q =
                    find_q(pm->containers[c].usage, pm->containers[c].n_usage, resource);
                if (!q)
                    have = 0;
                else
                    sum += q->milli;
            }
        }
        if (!have)
            continue;
        out[n].pod = pm->pod;
        out[n].value = clamp_i64(sum);
        out[n].timestamp = pm->timestamp;
        out[n].window = pm->window;
        n++;
    }
    return n;
}

/* Extra samples added by the rebalance path (missing pods, zeroed unready pods). */
struct extra {
    long pod;
    int64_t value;
};

struct ratio_in {
    const struct mmap *mm;
    const int64_t *req; /* per pod, NULL for plain metrics */
    const struct extra *x;
    size_t nx;
};

/* GetResourceUtilizationRatio over the live map plus extras. */
static int util_ratio(const struct ratio_in *r, int32_t target, double *ratio, int32_t *util,
                      int64_t *raw, char *err, size_t errlen)
{
    i128 mt = 0, rt = 0;
    i128 entries = 0;
    for (size_t i = 0; i < r->mm->n; i++) {
        const struct mentry *e = &r->mm->e[i];
        if (!e->live || e->pod < 0)
            continue;
        mt += e->m.value;
        rt += r->req[e->pod];
        entries++;
    }
    for (size_t i = 0; i < r->nx; i++) {
        mt += r->x[i].value;
        rt += r->req[r->x[i].pod];
        entries++;
    }
    if (rt == 0)
        return set_err(err, errlen, "no metrics returned matched known pods");
    *util = clamp_i32(mt * 100 / rt);
    *raw = clamp_i64(mt / entries);
    *ratio = (double)*util / (double)target;
    return 0;
}

/* GetMetricUsageRatio over the live map plus extras (superfluous samples included). */
static void usage_ratio(const struct ratio_in *r, int64_t target, double *ratio, int64_t *usage,
                        size_t *len)
{
    i128 mt = 0;
    size_t n = 0;
    for (size_t i = 0; i < r->mm->n; i++) {
        if (!r->mm->e[i].live)
            continue;
        mt += r->mm->e[i].m.value;
        n++;
    }
    for (size_t i = 0; i < r->nx; i++) {
        mt += r->x[i].value;
        n++;
    }
    *usage = n ? clamp_i64(mt / (i128)n) : 0;
    *ratio = (double)*usage / (double)target;
    *len = n;
}

/*
 * Shared body of GetResourceReplicas (util != 0) and calcPlainMetricReplicas (util == 0).
 * For utilization, target is the percent; for plain metrics the average value.
 */
static int calc_pods_common(const struct hpa_calc_in *in, int32_t current, int64_t target, int util,
                            const char *resource, const char *container,
                            const struct hpa_pod_metric *values, size_t n_values,
                            struct hpa_calc_out *out, char *err, size_t errlen)
{
    struct mmap mm = { 0 };
    enum hpa_pod_class *class = NULL;
    int64_t *req = NULL;
    struct extra *x = NULL;
    size_t ready = 0, nx = 0, n_unready = 0, n_missing = 0, len;
    double ratio, nratio;
    int32_t pct = 0;
    int64_t usage = 0;
    int rc = 0;

    if (in->n_pods > KG_MAX_HPA_PODS || n_values > KG_MAX_HPA_PODS) {
        rc = set_err(err, errlen, "too many pods or metrics (limit %d)", KG_MAX_HPA_PODS);
        goto out;
    }
    if (in->n_pods == 0) {
        rc = set_err(err, errlen, "no pods returned by selector while calculating replica count");
        goto out;
    }
    mmap_build(&mm, values, n_values);
    class = xcalloc(in->n_pods, sizeof(*class));
    classify(in, &mm, resource, class, &ready);
    if (mmap_live(&mm) == 0) {
        rc = set_err(err, errlen,
                     "did not receive metrics for targeted pods (pods might be unready)");
        goto out;
    }
    if (util) {
        req = xcalloc(in->n_pods, sizeof(*req));
        for (size_t i = 0; i < in->n_pods; i++) {
            rc = hpa_pod_request(&in->pods[i], container, resource, 0, &req[i], err, errlen);
            if (rc)
                goto out;
        }
    }
    struct ratio_in r = { &mm, req, NULL, 0 };
    if (util) {
        rc = util_ratio(&r, (int32_t)target, &ratio, &pct, &usage, err, errlen);
        if (rc)
            goto out;
    } else {
        usage_ratio(&r, target, &ratio, &usage, &len);
    }
    out->has_utilization = util;
    out->utilization = pct;
    out->usage = usage;

    for (size_t i = 0; i < in->n_pods; i++) {
        n_unready += class[i] == HPA_CLASS_UNREADY;
        n_missing += class[i] == HPA_CLASS_MISSING;
    }
    int up_with_unready = n_unready > 0 && ratio > 1.0;
    if (!up_with_unready && n_missing == 0) {
        if (hpa_tolerances_within(&in->tol, ratio))
            out->replicas = current;
        else
            out->replicas = hpa_ceil_i32(ratio * (double)ready);
        goto out;
    }

    x = xcalloc(in->n_pods, sizeof(*x));
    for (size_t i = 0; i < in->n_pods && n_missing; i++) {
        if (class[i] != HPA_CLASS_MISSING)
            continue;
        if (ratio < 1.0) {
            /* scale-down: assume the target (plain) or 100% of the request, or the target
             * percentage when that is above 100% */
            int64_t fill = target;
            if (util) {
                int64_t pctf = target > 100 ? target : 100;
                fill = clamp_i64((i128)req[i] * pctf / 100);
            }
            x[nx++] = (struct extra){ (long)i, fill };
        } else if (ratio > 1.0) {
            x[nx++] = (struct extra){ (long)i, 0 };
        }
    }
    if (up_with_unready) {
        for (size_t i = 0; i < in->n_pods; i++)
            if (class[i] == HPA_CLASS_UNREADY)
                x[nx++] = (struct extra){ (long)i, 0 };
    }
    r.x = x;
    r.nx = nx;
    if (util) {
        int32_t p2;
        int64_t raw2;
        rc = util_ratio(&r, (int32_t)target, &nratio, &p2, &raw2, err, errlen);
        if (rc)
            goto out;
        len = mmap_live(&mm) + nx;
    } else {
        int64_t u2;
        usage_ratio(&r, target, &nratio, &u2, &len);
    }
    if (hpa_tolerances_within(&in->tol, nratio) || (ratio < 1.0 && nratio > 1.0) ||
        (ratio > 1.0 && nratio < 1.0)) {
        out->replicas = current;
        goto out;
    }
    int32_t n = hpa_ceil_i32(nratio * (double)len);
    if ((nratio < 1.0 && n > current) || (nratio > 1.0 && n < current))
        out->replicas = current;
    else
        out->replicas = n;
out:
    free(x);
    free(req);
    free(class);
    mmap_free(&mm);
    return rc;
}

static int64_t first_timestamp_items(const struct hpa_pod_metrics *items, size_t n)
{
    return n ? items[0].timestamp : 0;
}

static int calc_resource(const struct hpa_calc_in *in, int32_t current, int64_t target, int util,
                         const char *resource, const char *container,
                         const struct hpa_pod_metrics *items, size_t n_items,
                         struct hpa_calc_out *out, char *err, size_t errlen)
{
    struct hpa_pod_metric *vals = NULL;
    char sub[384];
    int rc;

    memset(out, 0, sizeof(*out));
    resource = nz(resource);
    if (n_items == 0)
        return set_err(err, errlen,
                       "unable to get metrics for resource %s: no metrics returned from resource "
                       "metrics API",
                       resource);
    if (n_items > KG_MAX_HPA_PODS)
        return set_err(err, errlen, "too many pods or metrics (limit %d)", KG_MAX_HPA_PODS);
    vals = xcalloc(n_items, sizeof(*vals));
    size_t n = hpa_resource_values(items, n_items, resource, container, vals);
    rc = calc_pods_common(in, current, target, util, resource, container, vals, n, out, sub,
                          sizeof(sub));
    if (rc)
        set_err(err, errlen, "%s", sub);
    else
        out->timestamp = first_timestamp_items(items, n_items);
    free(vals);
    return rc;
}

int hpa_calc_resource_utilization(const struct hpa_calc_in *in, int32_t current,
                                  int32_t target_percent, const char *resource,
                                  const char *container, const struct hpa_pod_metrics *items,
                                  size_t n_items, struct hpa_calc_out *out, char *err,
                                  size_t errlen)
{
    return calc_resource(in, current, target_percent, 1, resource, container, items, n_items, out,
                         err, errlen);
}

int hpa_calc_resource_value(const struct hpa_calc_in *in, int32_t current, int64_t target_avg,
                            const char *resource, const char *container,
                            const struct hpa_pod_metrics *items, size_t n_items,
                            struct hpa_calc_out *out, char *err, size_t errlen)
{
    return calc_resource(in, current, target_avg, 0, resource, container, items, n_items, out, err,
                         errlen);
}

int hpa_calc_pods(const struct hpa_calc_in *in, int32_t current, int64_t target_avg,
                  const char *metric_name, const struct hpa_pod_metric *values, size_t n_values,
                  struct hpa_calc_out *out, char *err, size_t errlen)
{
    int rc;
    memset(out, 0, sizeof(*out));
    if (n_values == 0)
        return set_err(err, errlen,
                       "unable to get metric %s: no metrics returned from custom metrics API",
                       nz(metric_name));
    rc = calc_pods_common(in, current, target_avg, 0, "", NULL, values, n_values, out, err, errlen);
    if (!rc)
        out->timestamp = values[0].timestamp;
    return rc;
}

/* getUsageRatioReplicaCount: Object and External metrics with a Value target. */
static int usage_ratio_replicas(const struct hpa_calc_in *in, int32_t current, double ratio,
                                int32_t *replicas, char *err, size_t errlen)
{
    if (current == 0) {
        /* scaling from zero: no tolerance, no pod count */
        *replicas = hpa_ceil_i32(ratio);
        return 0;
    }
    if (hpa_tolerances_within(&in->tol, ratio)) {
        *replicas = current;
        return 0;
    }
    if (in->n_pods == 0)
        return set_err(err, errlen,
                       "unable to calculate ready pods: no pods returned by selector while "
                       "calculating replica count");
    int64_t ready = 0;
    for (size_t i = 0; i < in->n_pods; i++)
        ready += in->pods[i].phase == HPA_POD_RUNNING && in->pods[i].ready == HPA_COND_TRUE;
    double f = ratio * (double)ready;
    *replicas = f > 2147483647.0 ? INT32_MAX : hpa_ceil_i32(f);
    return 0;
}

int hpa_calc_object_value(const struct hpa_calc_in *in, int32_t current, int64_t target,
                          int64_t value, struct hpa_calc_out *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->usage = value;
    return usage_ratio_replicas(in, current, (double)value / (double)target, &out->replicas, err,
                                errlen);
}

/* getPerPodUsage */
static int64_t per_pod_usage(int64_t usage, int32_t status_replicas)
{
    if ((double)usage >= 9223372036854775807.0)
        return INT64_MAX;
    if (status_replicas == 0)
        return 0;
    double v = ceil((double)usage / (double)status_replicas);
    if (v >= 9223372036854775807.0)
        return INT64_MAX;
    if (v <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)v;
}

int hpa_calc_object_average(const struct hpa_calc_in *in, int32_t status_replicas,
                            int64_t target_avg, int64_t value, struct hpa_calc_out *out)
{
    memset(out, 0, sizeof(*out));
    out->replicas = status_replicas;
    double ratio = (double)value / ((double)target_avg * (double)status_replicas);
    if (!hpa_tolerances_within(&in->tol, ratio))
        out->replicas = hpa_ceil_i32((double)value / (double)target_avg);
    out->usage = per_pod_usage(value, status_replicas);
    return 0;
}

/* Go's wrapping int64 addition, without C's undefined behaviour. */
static int64_t wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

int hpa_calc_external_value(const struct hpa_calc_in *in, int32_t current, int64_t target,
                            const int64_t *values, size_t n_values, struct hpa_calc_out *out,
                            char *err, size_t errlen)
{
    int64_t usage = 0;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n_values; i++) {
        /* cap at MaxInt64 on positive overflow */
        if (values[i] > 0 && usage > INT64_MAX - values[i]) {
            usage = INT64_MAX;
            break;
        }
        usage = wrap_add(usage, values[i]);
    }
    out->usage = usage;
    return usage_ratio_replicas(in, current, (double)usage / (double)target, &out->replicas, err,
                                errlen);
}

int hpa_calc_external_average(const struct hpa_calc_in *in, int32_t status_replicas,
                              int64_t target_avg, const int64_t *values, size_t n_values,
                              struct hpa_calc_out *out)
{
    int64_t usage = 0;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n_values; i++) {
        usage = wrap_add(usage, values[i]);
        if (usage < 0) {
            /* Kubernetes reads a negative total as an int64 overflow */
            usage = INT64_MAX;
            break;
        }
    }
    out->replicas = status_replicas;
    double ratio = (double)usage / ((double)target_avg * (double)status_replicas);
    if (!hpa_tolerances_within(&in->tol, ratio)) {
        double r = ceil((double)usage / (double)target_avg);
        out->replicas = r > 2147483647.0 ? INT32_MAX : hpa_ceil_i32(r);
    }
    out->usage = per_pod_usage(usage, status_replicas);
    return 0;
}
