/*
 * One HPA reconcile pass (see reconcile.h), following horizontal.go: get scale -> seed the
 * recommendation log -> choose the branch (scaling disabled, above max, below min, or compute
 * metrics) -> normalise (legacy or behavior path) -> rescale -> status. Each metric goes
 * through hpa_compute_metric, which fetches through the callbacks, runs the calculator and
 * builds Kubernetes' error chain, metric name and metric status.
 */
#include "hpa/reconcile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/time.h"

static void fmt_into(char *dst, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fmt_into(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, len, fmt, ap);
    va_end(ap);
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

void hpa_config_default(struct hpa_config *c)
{
    memset(c, 0, sizeof(*c));
    c->tolerance.down = 0.1;
    c->tolerance.up = 0.1;
    c->downscale_window_s = 300;
    c->cpu_init_period = 300 * NS_PER_SEC;
    c->readiness_delay = 30 * NS_PER_SEC;
    c->scale_up_limit_factor = 2.0;
    c->scale_up_limit_minimum = 4.0;
    c->configurable_tolerance = 1;
}

struct hpa_tolerances hpa_tolerances_for(const struct hpa_config *cfg, const struct hpa_spec *s)
{
    struct hpa_tolerances t = cfg->tolerance;
    if (!s->behavior || !cfg->configurable_tolerance)
        return t;
    if (s->behavior->down.has_tolerance)
        t.down = s->behavior->down.tolerance;
    if (s->behavior->up.has_tolerance)
        t.up = s->behavior->up.tolerance;
    return t;
}

/* getUnableComputeReplicaCountCondition: the metric's Warning event and its condition. */
static int metric_failed(struct hpa_metric_result *res, struct hpa_events *ev, const char *reason,
                         const char *cause)
{
    hpa_event_add(ev, "Warning", reason, "%s", cause);
    fmt_into(res->fail_reason, sizeof(res->fail_reason), "%s", reason);
    fmt_into(res->fail_message, sizeof(res->fail_message),
             "the HPA was unable to compute the replica count: %s", cause);
    return -EINVAL;
}

/* computeStatusForResourceMetricGeneric: fills res or returns -EINVAL with the error in e. */
static int resource_generic(const struct hpa_metric_ctx *ctx, const struct hpa_metric_spec *spec,
                            struct hpa_metric_result *res, char *e, size_t elen)
{
    const char *rname = nz(spec->resource);
    const char *container =
        spec->type == HPA_METRIC_CONTAINER_RESOURCE ? nz(spec->container) : NULL;
    const struct hpa_pod_metrics *items = NULL;
    struct hpa_calc_out co;
    char cause[KG_HPA_MSG_LEN], sub[KG_HPA_MSG_LEN];
    size_t n = 0;
    int rc, value = spec->target.has_average_value;

    if (!value && !spec->target.has_utilization) {
        fmt_into(e, elen,
                 "invalid resource metric source: neither an average utilization "
                 "target nor an average value (usage) target was set");
        return -EINVAL;
    }
    rc = ctx->src->resource_metrics(ctx->src->ud, &items, &n, sub, sizeof(sub));
    if (rc) {
        fmt_into(cause, sizeof(cause),
                 "unable to get metrics for resource %s: unable to fetch metrics from resource "
                 "metrics API: %s",
                 rname, sub);
    } else if (value) {
        rc = hpa_calc_resource_value(&ctx->calc, ctx->spec_replicas, spec->target.average_value,
                                     rname, container, items, n, &co, cause, sizeof(cause));
    } else {
        rc = hpa_calc_resource_utilization(&ctx->calc, ctx->spec_replicas,
                                           spec->target.average_utilization, rname, container,
                                           items, n, &co, cause, sizeof(cause));
    }
    if (rc) {
        fmt_into(e, elen, "failed to get %s %s: %s", rname, value ? "usage" : "utilization", cause);
        return -EINVAL;
    }
    res->replicas = co.replicas;
    res->timestamp = co.timestamp;
    res->status.has_average_value = 1;
    res->status.average_value = co.usage;
    if (value) {
        fmt_into(res->metric_name, sizeof(res->metric_name), "%s resource", rname);
    } else {
        res->status.has_utilization = 1;
        res->status.average_utilization = co.utilization;
        fmt_into(res->metric_name, sizeof(res->metric_name),
                 "%s %sresource utilization (percentage of request)", rname,
                 spec->type == HPA_METRIC_CONTAINER_RESOURCE ? "container " : "");
    }
    return 0;
}

static int compute_resource(const struct hpa_metric_ctx *ctx, const struct hpa_metric_spec *spec,
                            struct hpa_metric_result *res, struct hpa_events *ev, char *err,
                            size_t errlen)
{
    char e[KG_HPA_MSG_LEN];
    int container = spec->type == HPA_METRIC_CONTAINER_RESOURCE;
    if (resource_generic(ctx, spec, res, e, sizeof(e))) {
        metric_failed(
            res, ev, container ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric", e);
        if (container)
            fmt_into(err, errlen, "failed to get %s container metric value: %s",
                     nz(spec->container), e);
        else
            fmt_into(err, errlen, "failed to get %s resource metric value: %s", nz(spec->resource),
                     e);
        return -EINVAL;
    }
    return 0;
}

static int compute_pods(const struct hpa_metric_ctx *ctx, const struct hpa_metric_spec *spec,
                        struct hpa_metric_result *res, struct hpa_events *ev, char *err,
                        size_t errlen)
{
    const struct hpa_pod_metric *vals = NULL;
    struct hpa_calc_out co;
    char e[KG_HPA_MSG_LEN], sub[KG_HPA_MSG_LEN];
    size_t n = 0;
    int rc;

    if (!spec->target.has_average_value) {
        fmt_into(e, sizeof(e), "invalid pods metric source: no average value target was set");
        rc = -EINVAL;
    } else {
        rc = ctx->src->pods_metric(ctx->src->ud, nz(spec->metric_name), spec->metric_selector,
                                   &vals, &n, sub, sizeof(sub));
        if (rc)
            fmt_into(e, sizeof(e),
                     "unable to get metric %s: unable to fetch metrics from custom metrics API: "
                     "%s",
                     nz(spec->metric_name), sub);
        else
            rc = hpa_calc_pods(&ctx->calc, ctx->spec_replicas, spec->target.average_value,
                               spec->metric_name, vals, n, &co, e, sizeof(e));
    }
    if (rc) {
        metric_failed(res, ev, "FailedGetPodsMetric", e);
        fmt_into(err, errlen, "failed to get pods metric value: %s", e);
        return -EINVAL;
    }
    res->replicas = co.replicas;
    res->timestamp = co.timestamp;
    res->status.has_average_value = 1;
    res->status.average_value = co.usage;
    fmt_into(res->metric_name, sizeof(res->metric_name), "pods metric %s", nz(spec->metric_name));
    return 0;
}

static void external_name(const struct hpa_metric_spec *spec, struct hpa_metric_result *res)
{
    char sel[KG_HPA_MSG_LEN];
    hpa_format_label_selector(spec->metric_selector, sel, sizeof(sel));
    fmt_into(res->metric_name, sizeof(res->metric_name), "external metric %s(%s)",
             nz(spec->metric_name), sel);
}

static int compute_object(const struct hpa_metric_ctx *ctx, const struct hpa_metric_spec *spec,
                          struct hpa_metric_result *res, struct hpa_events *ev, char *err,
                          size_t errlen)
{
    const struct hpa_metric_target *t = &spec->target;
    struct hpa_calc_out co;
    char e[KG_HPA_MSG_LEN], sub[KG_HPA_MSG_LEN];
    int64_t value = 0, ts = 0;
    int rc;
    int by_value = t->type == HPA_TARGET_VALUE && t->has_value;
    int by_avg = t->type == HPA_TARGET_AVERAGE_VALUE && t->has_average_value;

    if (!by_value && !by_avg) {
        fmt_into(e, sizeof(e),
                 "invalid object metric source: neither a value target nor an "
                 "average value target was set");
        metric_failed(res, ev, "FailedGetObjectMetric", e);
        fmt_into(err, errlen, "failed to get object metric value: %s", e);
        return -EINVAL;
    }
    rc = ctx->src->object_metric(ctx->src->ud, nz(spec->metric_name), &spec->described,
                                 spec->metric_selector, &value, &ts, sub, sizeof(sub));
    if (rc) {
        /* (sic) Kubernetes' argument order: "<name>: <Kind> on <ns> <object>/<cause>" */
        fmt_into(e, sizeof(e),
                 "unable to get metric %s: %s on %s %s/unable to fetch metrics from custom "
                 "metrics API: %s",
                 nz(spec->metric_name), nz(spec->described.kind), nz(ctx->namespace_),
                 nz(spec->described.name), sub);
    } else if (by_value) {
        rc = hpa_calc_object_value(&ctx->calc, ctx->spec_replicas, t->value, value, &co, e,
                                   sizeof(e));
    } else {
        rc =
            hpa_calc_object_average(&ctx->calc, ctx->status_replicas, t->average_value, value, &co);
    }
    if (rc) {
        metric_failed(res, ev, "FailedGetObjectMetric", e);
        if (by_value)
            fmt_into(err, errlen, "failed to get object metric value: %s", e);
        else
            fmt_into(err, errlen,
                     "failed to get object metric value: failed to get %s object "
                     "metric: %s",
                     nz(spec->metric_name), e);
        return -EINVAL;
    }
    res->replicas = co.replicas;
    if (by_value) {
        res->status.has_value = 1;
        res->status.value = co.usage;
        fmt_into(res->metric_name, sizeof(res->metric_name), "%s metric %s",
                 nz(spec->described.kind), nz(spec->metric_name));
    } else {
        res->timestamp = ts;
        res->status.has_average_value = 1;
        res->status.average_value = co.usage;
        external_name(spec, res);
    }
    return 0;
}

static int compute_external(const struct hpa_metric_ctx *ctx, const struct hpa_metric_spec *spec,
                            struct hpa_metric_result *res, struct hpa_events *ev, char *err,
                            size_t errlen)
{
    const struct hpa_metric_target *t = &spec->target;
    const int64_t *vals = NULL;
    struct hpa_calc_out co;
    char e[KG_HPA_MSG_LEN], sub[KG_HPA_MSG_LEN], sel[KG_HPA_MSG_LEN];
    size_t n = 0;
    int rc, by_avg = t->has_average_value;
    const char *name = nz(spec->metric_name);

    if (!by_avg && !t->has_value) {
        fmt_into(e, sizeof(e),
                 "invalid external metric source: neither a value target nor an "
                 "average value target was set");
        metric_failed(res, ev, "FailedGetExternalMetric", e);
        fmt_into(err, errlen, "failed to get %s external metric value: %s", name, e);
        return -EINVAL;
    }
    hpa_format_label_selector(spec->metric_selector, sel, sizeof(sel));
    rc = ctx->src->external_metric(ctx->src->ud, name, spec->metric_selector, &vals, &n, sub,
                                   sizeof(sub));
    if (rc)
        fmt_into(e, sizeof(e),
                 "unable to get external metric %s/%s/%s: unable to fetch metrics from external "
                 "metrics API: %s",
                 nz(ctx->namespace_), name, sel, sub);
    else if (n == 0)
        fmt_into(e, sizeof(e),
                 "unable to get external metric %s/%s/%s: no metrics returned from external "
                 "metrics API",
                 nz(ctx->namespace_), name, sel);
    else if (by_avg)
        rc = hpa_calc_external_average(&ctx->calc, ctx->status_replicas, t->average_value, vals, n,
                                       &co);
    else
        rc = hpa_calc_external_value(&ctx->calc, ctx->spec_replicas, t->value, vals, n, &co, e,
                                     sizeof(e));
    if (!rc && n == 0)
        rc = -EINVAL;
    if (rc) {
        metric_failed(res, ev, "FailedGetExternalMetric", e);
        if (by_avg)
            fmt_into(err, errlen,
                     "failed to get %s external metric value: failed to get %s external metric: "
                     "%s",
                     name, name, e);
        else
            fmt_into(err, errlen,
                     "failed to get %s external metric value: failed to get external metric %s: "
                     "%s",
                     name, name, e);
        return -EINVAL;
    }
    res->replicas = co.replicas;
    if (by_avg) {
        res->status.has_average_value = 1;
        res->status.average_value = co.usage;
    } else {
        res->status.has_value = 1;
        res->status.value = co.usage;
    }
    external_name(spec, res);
    return 0;
}

int hpa_compute_metric(const struct hpa_metric_ctx *ctx, const struct hpa_metric_spec *spec,
                       struct hpa_metric_result *res, struct hpa_events *ev, char *err,
                       size_t errlen)
{
    int rc;
    memset(res, 0, sizeof(*res));
    switch (spec->type) {
    case HPA_METRIC_RESOURCE:
    case HPA_METRIC_CONTAINER_RESOURCE:
        rc = compute_resource(ctx, spec, res, ev, err, errlen);
        break;
    case HPA_METRIC_PODS:
        rc = compute_pods(ctx, spec, res, ev, err, errlen);
        break;
    case HPA_METRIC_OBJECT:
        rc = compute_object(ctx, spec, res, ev, err, errlen);
        break;
    case HPA_METRIC_EXTERNAL:
        rc = compute_external(ctx, spec, res, ev, err, errlen);
        break;
    default: {
        char e[KG_HPA_MSG_LEN];
        fmt_into(e, sizeof(e), "unknown metric source type \"%s\"", nz(spec->type_name));
        metric_failed(res, ev, "InvalidMetricSourceType", e);
        fmt_into(err, errlen, "%s", e);
        rc = -EINVAL;
        break;
    }
    }
    if (!rc) {
        res->status.present = 1;
        res->status.type = spec->type;
    }
    return rc;
}

static void set_cond(struct hpa_reconcile_out *out, int64_t now, const char *type,
                     const char *status, const char *reason, const char *msg)
{
    /* a full list of foreign conditions leaves ours out rather than corrupting the list */
    (void)hpa_condition_set(&out->status.conditions, type, status, reason, now, "%s", msg);
}

/* computeReplicasForMetrics. Returns the proposal, or -1 on a hard failure (err set). A
 * partial failure returns the proposal with err set too. */
static int32_t compute_metrics(const struct hpa_reconcile_in *in, const struct hpa_sources *src,
                               struct hpa_reconcile_out *out, char *metric_name, size_t mlen,
                               char *err, size_t errlen)
{
    const struct hpa_spec *spec = in->spec;
    const struct hpa_scale *scale = in->scale;
    struct hpa_selection sel = { 0 };
    struct hpa_metric_result res;
    char msg[KG_HPA_MSG_LEN], e[KG_HPA_MSG_LEN], first_err[KG_HPA_MSG_LEN] = "";
    char first_reason[KG_HPA_WORD_LEN] = "", first_msg[KG_HPA_MSG_LEN] = "";
    size_t invalid = 0;
    int32_t replicas = 0;
    int rc;

    if (!scale->selector || !*scale->selector) {
        hpa_event_add(&out->events, "Warning", "SelectorRequired", "selector is required");
        set_cond(out, in->now, "ScalingActive", "False", "InvalidSelector",
                 "the HPA target's scale is missing a selector");
        fmt_into(err, errlen, "selector is required");
        return -1;
    }
    rc = src->select_pods(src->ud, scale->selector, &sel, e, sizeof(e));
    if (rc == -EINVAL) {
        fmt_into(msg, sizeof(msg),
                 "couldn't convert selector into a corresponding internal selector object: %s", e);
        hpa_event_add(&out->events, "Warning", "InvalidSelector", "%s", msg);
        set_cond(out, in->now, "ScalingActive", "False", "InvalidSelector", msg);
        fmt_into(err, errlen, "%s", msg);
        return -1;
    }
    if (rc) {
        fmt_into(err, errlen, "%s", e);
        return -1;
    }
    if (sel.n_controlling_hpas > 1) {
        fmt_into(msg, sizeof(msg), "pods by selector %s are controlled by multiple HPAs: %s",
                 scale->selector, nz(sel.controlling_hpas));
        hpa_event_add(&out->events, "Warning", "AmbiguousSelector", "%s", msg);
        set_cond(out, in->now, "ScalingActive", "False", "AmbiguousSelector", msg);
        fmt_into(err, errlen, "%s", msg);
        return -1;
    }

    if (spec->n_metrics == 0 || spec->n_metrics > KG_MAX_HPA_METRICS) {
        fmt_into(err, errlen, "the HPA has %zu metrics (1 to %d are supported)", spec->n_metrics,
                 KG_MAX_HPA_METRICS);
        return -1;
    }
    struct hpa_metric_ctx ctx = {
        .namespace_ = spec->namespace_,
        .spec_replicas = scale->spec_replicas,
        .status_replicas = scale->status_replicas,
        .calc = { sel.pods, sel.n_pods, hpa_tolerances_for(in->cfg, spec), in->cfg->cpu_init_period,
                  in->cfg->readiness_delay, in->now },
        .src = src,
    };
    out->status.n_metrics = spec->n_metrics;
    memset(out->status.metrics, 0, sizeof(out->status.metrics));
    for (size_t i = 0; i < spec->n_metrics; i++) {
        rc = hpa_compute_metric(&ctx, &spec->metrics[i], &res, &out->events, e, sizeof(e));
        if (rc) {
            if (invalid == 0) {
                fmt_into(first_err, sizeof(first_err), "%s", e);
                fmt_into(first_reason, sizeof(first_reason), "%s", res.fail_reason);
                fmt_into(first_msg, sizeof(first_msg), "%s", res.fail_message);
            }
            invalid++;
            continue;
        }
        out->status.metrics[i] = res.status;
        if (replicas == 0 || res.replicas > replicas) {
            replicas = res.replicas;
            fmt_into(metric_name, mlen, "%s", res.metric_name);
        }
    }
    if (invalid)
        fmt_into(err, errlen, "invalid metrics (%zu invalid out of %zu), first error is: %s",
                 invalid, spec->n_metrics, first_err);
    if (invalid >= spec->n_metrics || (invalid > 0 && replicas < scale->spec_replicas)) {
        set_cond(out, in->now, "ScalingActive", "False", first_reason, first_msg);
        return -1;
    }
    fmt_into(msg, sizeof(msg), "the HPA was able to successfully calculate a replica count from %s",
             metric_name);
    set_cond(out, in->now, "ScalingActive", "True", "ValidMetricFound", msg);
    return replicas;
}

static int32_t normalize_legacy(const struct hpa_reconcile_in *in, struct hpa_history *h,
                                struct hpa_reconcile_out *out, int32_t cur, int32_t desired,
                                int32_t min, const char **reason)
{
    int32_t stab = hpa_stabilize_legacy(h, desired, in->cfg->downscale_window_s, in->now);
    if (stab != desired)
        set_cond(out, in->now, "AbleToScale", "True", "ScaleDownStabilized",
                 "recent recommendations were higher than current one, applying the highest "
                 "recent recommendation");
    else
        set_cond(out, in->now, "AbleToScale", "True", "ReadyForNewScale",
                 "recommended size matches current size");
    int32_t r = hpa_convert_with_rules(cur, stab, min, in->spec->max_replicas,
                                       in->cfg->scale_up_limit_factor,
                                       in->cfg->scale_up_limit_minimum, reason);
    out->stabilized = stab;
    return r;
}

static int32_t normalize_behavior(const struct hpa_reconcile_in *in, struct hpa_history *h,
                                  struct hpa_reconcile_out *out, int32_t cur, int32_t desired,
                                  int32_t min, const char **reason)
{
    const struct hpa_behavior *b = in->spec->behavior;
    const char *why;
    int32_t up_w = b->up.has_window ? b->up.window_s : 0;
    int32_t down_w = b->down.has_window ? b->down.window_s : in->cfg->downscale_window_s;
    int32_t stab = hpa_stabilize_behavior(h, cur, desired, up_w, down_w, in->now, &why);
    if (stab != desired)
        set_cond(out, in->now, "AbleToScale", "True", why,
                 !strcmp(why, "ScaleUpStabilized")
                     ? "recent recommendations were lower than current one, applying the lowest "
                       "recent recommendation"
                     : "recent recommendations were higher than current one, applying the "
                       "highest recent recommendation");
    else
        set_cond(out, in->now, "AbleToScale", "True", "ReadyForNewScale",
                 "recommended size matches current size");
    out->stabilized = stab;
    return hpa_convert_with_behavior_rate(h, cur, stab, min, in->spec->max_replicas, b, in->now,
                                          reason);
}

static const char *limit_message(const char *reason)
{
    if (!strcmp(reason, "TooManyReplicas"))
        return "the desired replica count is more than the maximum replica count";
    if (!strcmp(reason, "TooFewReplicas"))
        return "the desired replica count is less than the minimum replica count";
    if (!strcmp(reason, "ScaleUpLimit"))
        return "the desired replica count is increasing faster than the maximum scale rate";
    if (!strcmp(reason, "ScaleDownLimit"))
        return "the desired replica count is decreasing faster than the maximum scale rate";
    return "the desired count is within the acceptable range";
}

static void set_status(struct hpa_reconcile_out *out, int32_t cur, int32_t desired, int rescaled,
                       int64_t now)
{
    out->status.current_replicas = cur;
    out->status.desired_replicas = desired;
    if (rescaled) {
        out->status.has_last_scale_time = 1;
        out->status.last_scale_time = now;
    }
}

static int finish(const struct hpa_reconcile_in *in, struct hpa_reconcile_out *out)
{
    out->status_changed = !hpa_status_equal(in->status, &out->status);
    return out->error[0] ? -EIO : 0;
}

int hpa_reconcile(const struct hpa_reconcile_in *in, const struct hpa_sources *src,
                  struct hpa_history *history, struct hpa_reconcile_out *out)
{
    const struct hpa_spec *spec = in->spec;
    char reference[KG_HPA_MSG_LEN], metric_name[KG_HPA_MSG_LEN] = "", e[KG_HPA_MSG_LEN] = "";
    int32_t cur, min, desired = 0;
    int rescale = 1;

    memset(out, 0, sizeof(*out));
    out->status = *in->status;
    out->status.n_metrics = 0; /* currentMetrics is rebuilt by every pass */
    fmt_into(reference, sizeof(reference), "%s/%s/%s", nz(spec->target_kind), nz(spec->namespace_),
             nz(spec->target_name));

    if (!in->scale) {
        hpa_event_add(&out->events, "Warning", "FailedGetScale", "%s", nz(in->scale_error));
        fmt_into(e, sizeof(e),
                 "the HPA controller was unable to get the target's current scale: %s",
                 nz(in->scale_error));
        set_cond(out, in->now, "AbleToScale", "False", "FailedGetScale", e);
        /* the status is written with only the condition changed */
        out->status.n_metrics = in->status->n_metrics;
        fmt_into(out->error, sizeof(out->error), "failed to query scale subresource for %s: %s",
                 reference, nz(in->scale_error));
        out->desired = in->status->desired_replicas;
        return finish(in, out);
    }
    set_cond(out, in->now, "AbleToScale", "True", "SucceededGetScale",
             "the HPA controller was able to get the target's current scale");
    cur = in->scale->spec_replicas;
    hpa_history_seed(history, cur, in->now);
    min = spec->has_min_replicas ? spec->min_replicas : 1;

    if (cur == 0 && min != 0) {
        desired = 0;
        rescale = 0;
        set_cond(out, in->now, "ScalingActive", "False", "ScalingDisabled",
                 "scaling is disabled since the replica count of the target is zero");
    } else if (cur > spec->max_replicas) {
        fmt_into(out->rescale_reason, sizeof(out->rescale_reason),
                 "Current number of replicas above Spec.MaxReplicas");
        desired = spec->max_replicas;
    } else if (cur < min) {
        fmt_into(out->rescale_reason, sizeof(out->rescale_reason),
                 "Current number of replicas below Spec.MinReplicas");
        desired = min;
    } else {
        int32_t md = compute_metrics(in, src, out, metric_name, sizeof(metric_name), e, sizeof(e));
        out->metrics_evaluated = 1;
        out->metric_desired = md;
        if (md == -1 && e[0]) {
            set_status(out, cur, in->status->desired_replicas, 0, in->now);
            hpa_event_add(&out->events, "Warning", "FailedComputeMetricsReplicas", "%s", e);
            fmt_into(out->error, sizeof(out->error),
                     "failed to compute desired number of replicas based on listed metrics for "
                     "%s: %s",
                     reference, e);
            out->desired = in->status->desired_replicas;
            return finish(in, out);
        }
        if (e[0]) /* partial failure: scale anyway, report the error at the end */
            fmt_into(out->error, sizeof(out->error), "%s", e);
        const char *rescale_metric = "";
        if (md > desired) {
            desired = md;
            rescale_metric = metric_name;
        }
        if (desired > cur)
            fmt_into(out->rescale_reason, sizeof(out->rescale_reason), "%s above target",
                     rescale_metric);
        if (desired < cur)
            fmt_into(out->rescale_reason, sizeof(out->rescale_reason), "All metrics below target");
        const char *reason;
        int32_t stab;
        if (!spec->behavior) {
            desired = normalize_legacy(in, history, out, cur, desired, min, &reason);
        } else {
            desired = normalize_behavior(in, history, out, cur, desired, min, &reason);
        }
        stab = out->stabilized;
        set_cond(out, in->now, "ScalingLimited", desired == stab ? "False" : "True", reason,
                 limit_message(reason));
        fmt_into(out->limit_reason, sizeof(out->limit_reason), "%s", reason);
        rescale = desired != cur;
    }
    out->desired = desired;

    if (rescale) {
        out->rescale = 1;
        if (src->update_scale(src->ud, desired, e, sizeof(e))) {
            hpa_event_add(&out->events, "Warning", "FailedRescale",
                          "New size: %d; reason: %s; error: %s", desired, out->rescale_reason, e);
            char m[KG_HPA_MSG_LEN];
            fmt_into(m, sizeof(m), "the HPA controller was unable to update the target scale: %s",
                     e);
            set_cond(out, in->now, "AbleToScale", "False", "FailedUpdateScale", m);
            set_status(out, cur, in->status->desired_replicas, 0, in->now);
            fmt_into(out->error, sizeof(out->error), "failed to rescale %s: %s", reference, e);
            return finish(in, out);
        }
        out->scale_updated = 1;
        char m[KG_HPA_MSG_LEN];
        fmt_into(m, sizeof(m), "the HPA controller was able to update the target scale to %d",
                 desired);
        set_cond(out, in->now, "AbleToScale", "True", "SucceededRescale", m);
        hpa_event_add(&out->events, "Normal", "SuccessfulRescale", "New size: %d; reason: %s",
                      desired, out->rescale_reason);
        hpa_store_scale_event(history, spec->behavior, cur, desired, in->now);
    } else {
        desired = cur;
    }
    set_status(out, cur, desired, rescale, in->now);
    return finish(in, out);
}

static int metric_status_equal(const struct hpa_metric_status *a, const struct hpa_metric_status *b)
{
    if (a->present != b->present)
        return 0;
    if (!a->present)
        return 1;
    return a->type == b->type && a->has_utilization == b->has_utilization &&
           (!a->has_utilization || a->average_utilization == b->average_utilization) &&
           a->has_average_value == b->has_average_value &&
           (!a->has_average_value || a->average_value == b->average_value) &&
           a->has_value == b->has_value && (!a->has_value || a->value == b->value);
}

int hpa_status_equal(const struct hpa_status *a, const struct hpa_status *b)
{
    if (a->current_replicas != b->current_replicas || a->desired_replicas != b->desired_replicas ||
        a->has_last_scale_time != b->has_last_scale_time ||
        (a->has_last_scale_time && a->last_scale_time != b->last_scale_time) ||
        a->conditions.n != b->conditions.n || a->n_metrics != b->n_metrics)
        return 0;
    for (size_t i = 0; i < a->conditions.n; i++) {
        const struct hpa_condition *x = &a->conditions.c[i], *y = &b->conditions.c[i];
        if (strcmp(x->type, y->type) != 0 || strcmp(x->status, y->status) != 0 ||
            strcmp(x->reason, y->reason) != 0 || strcmp(x->message, y->message) != 0 ||
            x->last_transition != y->last_transition)
            return 0;
    }
    for (size_t i = 0; i < a->n_metrics; i++)
        if (!metric_status_equal(&a->metrics[i], &b->metrics[i]))
            return 0;
    return 1;
}
