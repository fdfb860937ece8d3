/*
 * One HPA reconcile pass as a pure function (horizontal.go reconcileAutoscaler): given the
 * HPA's spec and status, its target's scale, the controller configuration and the per-HPA
 * history, decide the new replica count, the new status (conditions, current metrics), the
 * events to emit and the error the pass returns.
 *
 * The module performs no I/O. Whatever needs the cluster (pods under the scale selector,
 * the three metrics APIs, the scale update) is asked through struct hpa_sources callbacks,
 * only when the algorithm needs it, in Kubernetes' order. Memory a callback returns stays
 * owned by the callback's implementation and must remain valid until hpa_reconcile returns.
 *
 * Error texts, condition reasons/messages and event messages are Kubernetes' (spec/hpa.md
 * §14-15). The caller writes the status only when out->status_changed.
 */
#ifndef KGAUGE_HPA_RECONCILE_H
#define KGAUGE_HPA_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "hpa/behavior.h"
#include "hpa/calc.h"
#include "hpa/status.h"

enum hpa_metric_type {
    HPA_METRIC_RESOURCE = 0,
    HPA_METRIC_CONTAINER_RESOURCE,
    HPA_METRIC_PODS,
    HPA_METRIC_OBJECT,
    HPA_METRIC_EXTERNAL,
    HPA_METRIC_UNKNOWN, /* any other type string (rejected by API validation in practice) */
};

enum hpa_target_type {
    HPA_TARGET_NONE = 0,
    HPA_TARGET_UTILIZATION,
    HPA_TARGET_VALUE,
    HPA_TARGET_AVERAGE_VALUE,
};

/* MetricTarget; has_* = the field is set (Kubernetes dispatches on presence, not only type). */
struct hpa_metric_target {
    enum hpa_target_type type;
    int has_utilization;
    int32_t average_utilization; /* percent */
    int has_value;
    int64_t value; /* milli */
    int has_average_value;
    int64_t average_value; /* milli */
};

struct hpa_object_ref {
    const char *api_version;
    const char *kind;
    const char *name;
};

struct hpa_metric_spec {
    enum hpa_metric_type type;
    const char *type_name;   /* the type as written ("CheddarCheese") for messages */
    const char *resource;    /* Resource, ContainerResource: "cpu", "memory" */
    const char *container;   /* ContainerResource */
    const char *metric_name; /* Pods, Object, External */
    const struct hpa_label_selector *metric_selector; /* NULL = not set */
    struct hpa_object_ref described;                  /* Object */
    struct hpa_metric_target target;
};

struct hpa_spec {
    const char *name;
    const char *namespace_;
    const char *target_kind; /* scaleTargetRef, for messages: "<kind>/<ns>/<name>" */
    const char *target_name;
    int has_min_replicas;
    int32_t min_replicas; /* default 1 */
    int32_t max_replicas;
    const struct hpa_metric_spec *metrics;
    size_t n_metrics;                    /* <= KG_MAX_HPA_METRICS */
    const struct hpa_behavior *behavior; /* NULL = legacy path; otherwise already defaulted */
};

struct hpa_metric_status {
    int present; /* 0 = the empty entry of a metric that failed */
    enum hpa_metric_type type;
    int has_utilization;
    int32_t average_utilization;
    int has_average_value;
    int64_t average_value;
    int has_value;
    int64_t value;
};

struct hpa_status {
    int32_t current_replicas;
    int32_t desired_replicas;
    int has_last_scale_time;
    int64_t last_scale_time;
    struct hpa_conditions conditions;
    size_t n_metrics; /* 0 when metrics were not evaluated (nil currentMetrics) */
    struct hpa_metric_status metrics[KG_MAX_HPA_METRICS];
};

struct hpa_scale {
    int32_t spec_replicas;
    int32_t status_replicas;
    const char *selector; /* status.selector; "" or NULL = missing */
};

struct hpa_config {
    struct hpa_tolerances tolerance; /* --horizontal-pod-autoscaler-tolerance (0.1 both ways) */
    int32_t downscale_window_s;      /* --horizontal-pod-autoscaler-downscale-stabilization (300) */
    int64_t cpu_init_period;         /* ns, --horizontal-pod-autoscaler-cpu-initialization-period */
    int64_t readiness_delay;         /* ns, --horizontal-pod-autoscaler-initial-readiness-delay */
    double scale_up_limit_factor;    /* legacy path: 2.0 */
    double scale_up_limit_minimum;   /* legacy path: 4.0 */
    int configurable_tolerance;      /* feature gate HPAConfigurableTolerance */
};

/* Production defaults (kube-controller-manager's). */
void hpa_config_default(struct hpa_config *c);

/* What the scale selector selects. */
struct hpa_selection {
    const struct hpa_pod *pods;
    size_t n_pods;
    size_t n_controlling_hpas;    /* HPAs (this one included) whose selectors select these pods */
    const char *controlling_hpas; /* their keys for the message, e.g. "[ns/a ns/b]" */
};

/* Each callback returns 0, or a negative errno with the cause in err. */
struct hpa_sources {
    void *ud;
    /* Parse the selector, list the pods it selects in the HPA's namespace. -EINVAL = the
     * selector does not parse (err: the parser's message). */
    int (*select_pods)(void *ud, const char *selector, struct hpa_selection *out, char *err,
                       size_t errlen);
    /* metrics.k8s.io PodMetrics of the selected pods. */
    int (*resource_metrics)(void *ud, const struct hpa_pod_metrics **items, size_t *n, char *err,
                            size_t errlen);
    /* custom.metrics.k8s.io, one value per pod. */
    int (*pods_metric)(void *ud, const char *name, const struct hpa_label_selector *sel,
                       const struct hpa_pod_metric **values, size_t *n, char *err, size_t errlen);
    /* custom.metrics.k8s.io, the described object's value. */
    int (*object_metric)(void *ud, const char *name, const struct hpa_object_ref *obj,
                         const struct hpa_label_selector *sel, int64_t *value, int64_t *timestamp,
                         char *err, size_t errlen);
    /* external.metrics.k8s.io, every value matching the selector. */
    int (*external_metric)(void *ud, const char *name, const struct hpa_label_selector *sel,
                           const int64_t **values, size_t *n, char *err, size_t errlen);
    /* Update the scale subresource to replicas. */
    int (*update_scale)(void *ud, int32_t replicas, char *err, size_t errlen);
};

/* Everything one metric computation needs (computeReplicasForMetric). */
struct hpa_metric_ctx {
    const char *namespace_;
    int32_t spec_replicas;
    int32_t status_replicas;
    struct hpa_calc_in calc; /* pods, tolerances, periods, now */
    const struct hpa_sources *src;
};

struct hpa_metric_result {
    int32_t replicas;
    char metric_name[KG_HPA_MSG_LEN]; /* "cpu resource utilization (percentage of request)" */
    int64_t timestamp;
    struct hpa_metric_status status;
    char fail_reason[KG_HPA_WORD_LEN]; /* on error: FailedGet...Metric / InvalidMetricSourceType */
    char fail_message[KG_HPA_MSG_LEN]; /* on error: the ScalingActive condition message */
};

/* One metric. On error returns -EINVAL, err = the wrapped error ("failed to get cpu resource
 * metric value: ..."), res->fail_* set and the metric's Warning event appended to ev. */
int hpa_compute_metric(const struct hpa_metric_ctx *ctx, const struct hpa_metric_spec *spec,
                       struct hpa_metric_result *res, struct hpa_events *ev, char *err,
                       size_t errlen);

/* The tolerances that apply to an HPA (tolerancesForHpa). */
struct hpa_tolerances hpa_tolerances_for(const struct hpa_config *cfg, const struct hpa_spec *s);

struct hpa_reconcile_in {
    const struct hpa_spec *spec;
    const struct hpa_status *status; /* as last written */
    const struct hpa_scale *scale;   /* NULL: reading the scale failed with scale_error */
    const char *scale_error;
    const struct hpa_config *cfg;
    int64_t now;
};

struct hpa_reconcile_out {
    struct hpa_status status; /* the new status */
    int status_changed;       /* status differs from the input: write it */
    int rescale;              /* a scale update was attempted */
    int scale_updated;        /* ... and succeeded */
    int32_t desired;          /* the replica count decided (before a failed update) */
    struct hpa_events events;
    char error[KG_HPA_MSG_LEN]; /* the error the pass returns; "" = none */
    /* explain trace */
    int metrics_evaluated;
    int32_t metric_desired;             /* the metrics' proposal (max over metrics) */
    int32_t stabilized;                 /* after stabilization */
    char limit_reason[KG_HPA_WORD_LEN]; /* ScalingLimited reason, "" if not applied */
    char rescale_reason[KG_HPA_MSG_LEN];
};

/* Runs one pass. history is the HPA's (created on first sight, freed on deletion). Returns 0
 * when the pass succeeded, -EIO when it ends with out->error set (what Kubernetes would log
 * and retry); out is always fully filled. */
int hpa_reconcile(const struct hpa_reconcile_in *in, const struct hpa_sources *src,
                  struct hpa_history *history, struct hpa_reconcile_out *out);

/* Deep equality of two statuses (apiequality.Semantic.DeepEqual). */
int hpa_status_equal(const struct hpa_status *a, const struct hpa_status *b);

#endif
