/*
 * HPA normalisation: what happens to the metrics' proposal before it becomes the new scale.
 * Two paths, as in horizontal.go:
 *   - legacy (spec.behavior == nil): downscale stabilization window (max of recent
 *     recommendations), then the min/max clamp with the scale-up cap max(factor*current, minimum);
 *   - behavior: stabilization windows per direction (clamp current into [upRec, downRec]),
 *     then rate limits from Pods/Percent policies over the recorded scale events.
 * The per-HPA state (recommendation log, scale-up and scale-down event logs) lives in an
 * opaque struct hpa_history owned by the caller (one per HPA, dropped when the HPA is deleted).
 *
 * Times are int64 nanoseconds; windows and periods are seconds as in the API. Comparisons are
 * strict, as Go's time.After/Before: a sample exactly one window old is outside it.
 * Reasons returned are static strings (ScalingLimited / AbleToScale condition reasons).
 */
#ifndef KGAUGE_HPA_BEHAVIOR_H
#define KGAUGE_HPA_BEHAVIOR_H

#include <stddef.h>
#include <stdint.h>
#include "util/limits.h"

enum hpa_select_policy {
    HPA_SELECT_MAX = 0,
    HPA_SELECT_MIN,
    HPA_SELECT_DISABLED,
};

enum hpa_policy_type {
    HPA_POLICY_PODS = 0,
    HPA_POLICY_PERCENT,
};

struct hpa_policy {
    enum hpa_policy_type type;
    int32_t value;
    int32_t period_s;
};

/* HPAScalingRules. has_* = the field is set. */
struct hpa_scaling_rules {
    int has_window;
    int32_t window_s; /* stabilizationWindowSeconds */
    int has_select;
    enum hpa_select_policy select;
    size_t n_policies;
    struct hpa_policy policies[KG_MAX_HPA_POLICIES];
    int has_tolerance;
    double tolerance;
};

struct hpa_behavior {
    struct hpa_scaling_rules up;
    struct hpa_scaling_rules down;
};

/* API defaulting of one direction (SetDefaults_HorizontalPodAutoscalerBehavior): unset select
 * becomes Max, no policies become the defaults (up: Pods 4/15 s and Percent 100/15 s; down:
 * Percent 100/15 s), an unset scale-up window becomes 0. The scale-down window stays unset
 * (the controller fills it from --horizontal-pod-autoscaler-downscale-stabilization). */
void hpa_rules_default(struct hpa_scaling_rules *r, int scale_up);

enum hpa_direction {
    HPA_DIR_UP = 0,
    HPA_DIR_DOWN,
};

struct hpa_recommendation {
    int32_t replicas;
    int64_t timestamp;
};

struct hpa_scale_event {
    int32_t change; /* absolute value */
    int64_t timestamp;
    int outdated;
};

struct hpa_history;

struct hpa_history *hpa_history_new(void);
void hpa_history_free(struct hpa_history *h); /* accepts NULL */

/* recordInitialRecommendation: seeds (replicas, now) unless the log was ever initialised. */
void hpa_history_seed(struct hpa_history *h, int32_t replicas, int64_t now);
/* Marks the log initialised without adding an entry (a controller restored from a snapshot,
 * or a test starting from an explicitly empty log). */
void hpa_history_mark_initialized(struct hpa_history *h);
/* Raw appends, for restoring state (and test vectors). */
void hpa_history_add_recommendation(struct hpa_history *h, int32_t replicas, int64_t ts);
void hpa_history_add_event(struct hpa_history *h, enum hpa_direction d, int32_t change, int64_t ts,
                           int outdated);

size_t hpa_history_n_recommendations(const struct hpa_history *h);
const struct hpa_recommendation *hpa_history_recommendation(const struct hpa_history *h, size_t i);
size_t hpa_history_n_events(const struct hpa_history *h, enum hpa_direction d);
const struct hpa_scale_event *hpa_history_event(const struct hpa_history *h, enum hpa_direction d,
                                                size_t i);

/* stabilizeRecommendation (legacy path): returns max(desired, recommendations not older than
 * now - window_s) and records desired (overwriting the last stale entry, else appending). */
int32_t hpa_stabilize_legacy(struct hpa_history *h, int32_t desired, int32_t window_s, int64_t now);

/* stabilizeRecommendationWithBehaviors: clamps current into [min(desired, recs in the up
 * window), max(desired, recs in the down window)] and records desired. *reason is
 * "ScaleUpStabilized" or "ScaleDownStabilized" (meaningful only when the result != desired). */
int32_t hpa_stabilize_behavior(struct hpa_history *h, int32_t current, int32_t desired,
                               int32_t up_window_s, int32_t down_window_s, int64_t now,
                               const char **reason);

/* convertDesiredReplicasWithRules (legacy clamp). *reason: DesiredWithinRange, TooFewReplicas,
 * TooManyReplicas or ScaleUpLimit. factor/minimum: 2.0 / 4.0 in production. */
int32_t hpa_convert_with_rules(int32_t current, int32_t desired, int32_t min_replicas,
                               int32_t max_replicas, double factor, double minimum,
                               const char **reason);

/* getReplicasChangePerPeriod over one direction's events. */
int32_t hpa_replicas_change_in_period(const struct hpa_history *h, enum hpa_direction d,
                                      int32_t period_s, int64_t now);

/* calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors. */
int32_t hpa_scale_up_limit(const struct hpa_history *h, int32_t current,
                           const struct hpa_scaling_rules *rules, int64_t now);
int32_t hpa_scale_down_limit(const struct hpa_history *h, int32_t current,
                             const struct hpa_scaling_rules *rules, int64_t now);

/* convertDesiredReplicasWithBehaviorRate: rate limits and min/max in the direction of
 * movement. *reason: DesiredWithinRange, ScaleUpLimit, TooManyReplicas, ScaleDownLimit or
 * TooFewReplicas. */
int32_t hpa_convert_with_behavior_rate(const struct hpa_history *h, int32_t current,
                                       int32_t desired, int32_t min_replicas, int32_t max_replicas,
                                       const struct hpa_behavior *b, int64_t now,
                                       const char **reason);

/* storeScaleEvent after a successful rescale (behavior may be NULL: nothing is stored). */
void hpa_store_scale_event(struct hpa_history *h, const struct hpa_behavior *b, int32_t prev,
                           int32_t next, int64_t now);

#endif
