/*
 * HPA replica calculator: the per-metric arithmetic of Kubernetes' HorizontalPodAutoscaler
 * (pkg/controller/podautoscaler/replica_calculator.go), as pure functions over plain data.
 *
 * Units: metric values, requests and targets are int64 milli-units (1 CPU = 1000, 1 byte of
 * memory = 1000, a custom metric value 15 = 15000). Replica counts are int32. Instants and
 * durations are int64 nanoseconds (util/time.h); Go's zero time is HPA_TIME_GO_ZERO.
 *
 * Ownership: every input is borrowed for the duration of the call; nothing is retained.
 * Errors: functions return 0, or -EINVAL with Kubernetes' error text in err (the text the
 * reference puts into events and conditions; see spec/hpa.md §15).
 */
#ifndef KGAUGE_HPA_CALC_H
#define KGAUGE_HPA_CALC_H

#include <stddef.h>
#include <stdint.h>
#include "util/limits.h"

/* Go's time.Time{} (0001-01-01): a sentinel far in the past that still leaves room for adding
 * the periods used here (up to hours) without overflow. */
#define HPA_TIME_GO_ZERO (-(INT64_C(1) << 62))

enum hpa_pod_phase {
    HPA_POD_RUNNING = 0,
    HPA_POD_PENDING,
    HPA_POD_SUCCEEDED,
    HPA_POD_FAILED,
    HPA_POD_UNKNOWN,
};

/* Status of a pod's Ready condition (ABSENT: the pod has no Ready condition). */
enum hpa_cond_status {
    HPA_COND_ABSENT = 0,
    HPA_COND_TRUE,
    HPA_COND_FALSE,
    HPA_COND_UNKNOWN,
};

/* One named resource quantity ("cpu" = 250 milli). */
struct hpa_quantity {
    const char *name;
    int64_t milli;
};

struct hpa_container {
    const char *name;
    int restart_always; /* init containers only: restartPolicy Always (a sidecar) */
    const struct hpa_quantity *requests;
    size_t n_requests;
};

struct hpa_pod {
    const char *name;
    enum hpa_pod_phase phase;
    int deleting; /* metadata.deletionTimestamp is set */
    int has_start_time;
    int64_t start_time;
    enum hpa_cond_status ready;
    int64_t ready_transition; /* Ready condition's lastTransitionTime */
    const struct hpa_container *containers;
    size_t n_containers;
    const struct hpa_container *init_containers;
    size_t n_init_containers;
    int has_pod_requests; /* spec.resources.requests set at pod level */
    const struct hpa_quantity *pod_requests;
    size_t n_pod_requests;
};

/* One metric sample for one pod (a PodMetricsInfo entry). */
struct hpa_pod_metric {
    const char *pod;
    int64_t value;
    int64_t timestamp;
    int64_t window;
};

/* A PodMetrics object of metrics.k8s.io. */
struct hpa_container_usage {
    const char *name;
    const struct hpa_quantity *usage;
    size_t n_usage;
};
struct hpa_pod_metrics {
    const char *pod;
    int64_t timestamp;
    int64_t window;
    const struct hpa_container_usage *containers;
    size_t n_containers;
};

struct hpa_tolerances {
    double down; /* ratio within [1 - down, 1 + up] counts as "no change" */
    double up;
};

/* Inputs shared by every calculation. */
struct hpa_calc_in {
    const struct hpa_pod *pods; /* the pods matched by the scale target's selector */
    size_t n_pods;
    struct hpa_tolerances tol;
    int64_t cpu_init_period; /* --horizontal-pod-autoscaler-cpu-initialization-period */
    int64_t readiness_delay; /* --horizontal-pod-autoscaler-initial-readiness-delay */
    int64_t now;
};

struct hpa_calc_out {
    int32_t replicas;
    int has_utilization;
    int32_t utilization; /* Utilization targets: the integer percent reported in status */
    int64_t usage;       /* raw average (milli) / usage / value as reported in status */
    int64_t timestamp;   /* metric timestamp (resource and pods metrics), else 0 */
};

int hpa_tolerances_within(const struct hpa_tolerances *t, double ratio);

/* Pod classification (groupPods). class[i] receives the bucket of pods[i]; *ready_count the
 * number of HPA_CLASS_READY pods. metrics may contain duplicates (the last one wins) and
 * samples of pods not in the list. resource is "cpu" for the CPU readiness rules, anything
 * else (memory, "" for custom metrics) for none. */
enum hpa_pod_class {
    HPA_CLASS_READY = 0,
    HPA_CLASS_UNREADY,
    HPA_CLASS_MISSING,
    HPA_CLASS_IGNORED,
};
int hpa_group_pods(const struct hpa_calc_in *in, const struct hpa_pod_metric *metrics,
                   size_t n_metrics, const char *resource, enum hpa_pod_class *class,
                   size_t *ready_count, char *err, size_t errlen);

/* The request of one pod (calculateRequests): container "" or NULL sums all containers plus
 * restartable init containers, or uses pod-level requests when pod_level_enabled and set. */
int hpa_pod_request(const struct hpa_pod *pod, const char *container, const char *resource,
                    int pod_level_enabled, int64_t *milli, char *err, size_t errlen);

/* Per-pod values of one resource from PodMetrics (getPodMetrics / getContainerMetrics): a
 * pod gets no value when a container lacks the resource, when it has no containers, or (for
 * a named container) when that container is absent. out must hold n_items entries. */
size_t hpa_resource_values(const struct hpa_pod_metrics *items, size_t n_items,
                           const char *resource, const char *container, struct hpa_pod_metric *out);

/* GetResourceReplicas: Resource / ContainerResource metric with a Utilization target.
 * container NULL or "" = whole pod. */
int hpa_calc_resource_utilization(const struct hpa_calc_in *in, int32_t current,
                                  int32_t target_percent, const char *resource,
                                  const char *container, const struct hpa_pod_metrics *items,
                                  size_t n_items, struct hpa_calc_out *out, char *err,
                                  size_t errlen);

/* GetRawResourceReplicas: Resource / ContainerResource metric with an AverageValue target. */
int hpa_calc_resource_value(const struct hpa_calc_in *in, int32_t current, int64_t target_avg,
                            const char *resource, const char *container,
                            const struct hpa_pod_metrics *items, size_t n_items,
                            struct hpa_calc_out *out, char *err, size_t errlen);

/* GetMetricReplicas: Pods metric (AverageValue target). */
int hpa_calc_pods(const struct hpa_calc_in *in, int32_t current, int64_t target_avg,
                  const char *metric_name, const struct hpa_pod_metric *values, size_t n_values,
                  struct hpa_calc_out *out, char *err, size_t errlen);

/* GetObjectMetricReplicas: Object metric, Value target (current = scale.spec.replicas). */
int hpa_calc_object_value(const struct hpa_calc_in *in, int32_t current, int64_t target,
                          int64_t value, struct hpa_calc_out *out, char *err, size_t errlen);

/* GetObjectPerPodMetricReplicas: Object metric, AverageValue target
 * (status_replicas = scale.status.replicas). */
int hpa_calc_object_average(const struct hpa_calc_in *in, int32_t status_replicas,
                            int64_t target_avg, int64_t value, struct hpa_calc_out *out);

/* GetExternalMetricReplicas: External metric, Value target. values: the returned samples
 * (at least one; the caller reports an empty list). */
int hpa_calc_external_value(const struct hpa_calc_in *in, int32_t current, int64_t target,
                            const int64_t *values, size_t n_values, struct hpa_calc_out *out,
                            char *err, size_t errlen);

/* GetExternalPerPodMetricReplicas: External metric, AverageValue target. */
int hpa_calc_external_average(const struct hpa_calc_in *in, int32_t status_replicas,
                              int64_t target_avg, const int64_t *values, size_t n_values,
                              struct hpa_calc_out *out);

/* int32(math.Ceil(x)), saturating: values beyond int32 clamp to INT32_MIN / INT32_MAX and NaN
 * gives 0 (Go leaves such conversions implementation-defined; kgauge never wraps). */
int32_t hpa_ceil_i32(double x);

#endif
