/*
 * HPA normalisation (see behavior.h): recommendation and scale-event logs, stabilization
 * windows, legacy clamps and behavior rate limits, following horizontal.go. Integer
 * arithmetic that Go does in int32 (period start replicas, Pods policies) is done in int64
 * here and clamped to int32, so absurd inputs saturate instead of wrapping.
 */
#include "hpa/behavior.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/time.h"

struct hpa_history {
    int initialized;
    struct hpa_recommendation *rec;
    size_t n_rec, cap_rec;
    struct hpa_scale_event *ev[2];
    size_t n_ev[2], cap_ev[2];
};

static int32_t clamp32(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* now - seconds, saturating. */
static int64_t cutoff(int64_t now, int32_t seconds)
{
    int64_t d = (int64_t)seconds * NS_PER_SEC;
    if (d > 0 && now < INT64_MIN + d)
        return INT64_MIN;
    if (d < 0 && now > INT64_MAX + d)
        return INT64_MAX;
    return now - d;
}

/* int32(x) of a float64: truncation toward zero, saturating (NaN gives 0). */
static int32_t trunc32(double x)
{
    if (isnan(x))
        return 0;
    if (x >= 2147483647.0)
        return INT32_MAX;
    if (x <= -2147483648.0)
        return INT32_MIN;
    return (int32_t)x;
}

static int32_t ceil32(double x)
{
    return isnan(x) ? 0 : trunc32(ceil(x));
}

void hpa_rules_default(struct hpa_scaling_rules *r, int scale_up)
{
    if (!r->has_select) {
        r->has_select = 1;
        r->select = HPA_SELECT_MAX;
    }
    if (r->n_policies == 0) {
        if (scale_up) {
            r->policies[0] = (struct hpa_policy){ HPA_POLICY_PODS, 4, 15 };
            r->policies[1] = (struct hpa_policy){ HPA_POLICY_PERCENT, 100, 15 };
            r->n_policies = 2;
        } else {
            r->policies[0] = (struct hpa_policy){ HPA_POLICY_PERCENT, 100, 15 };
            r->n_policies = 1;
        }
    }
    if (scale_up && !r->has_window) {
        r->has_window = 1;
        r->window_s = 0;
    }
}

struct hpa_history *hpa_history_new(void)
{
    return xcalloc(1, sizeof(struct hpa_history));
}

void hpa_history_free(struct hpa_history *h)
{
    if (!h)
        return;
    free(h->rec);
    free(h->ev[0]);
    free(h->ev[1]);
    free(h);
}

void hpa_history_seed(struct hpa_history *h, int32_t replicas, int64_t now)
{
    if (h->initialized)
        return;
    hpa_history_add_recommendation(h, replicas, now);
}

void hpa_history_mark_initialized(struct hpa_history *h)
{
    h->initialized = 1;
}

void hpa_history_add_recommendation(struct hpa_history *h, int32_t replicas, int64_t ts)
{
    h->initialized = 1;
    if (h->n_rec == KG_MAX_HPA_HISTORY) {
        memmove(h->rec, h->rec + 1, (h->n_rec - 1) * sizeof(*h->rec));
        h->n_rec--;
    }
    if (h->n_rec == h->cap_rec) {
        h->cap_rec = h->cap_rec ? h->cap_rec * 2 : 8;
        h->rec = xreallocarray(h->rec, h->cap_rec, sizeof(*h->rec));
    }
    h->rec[h->n_rec++] = (struct hpa_recommendation){ replicas, ts };
}

void hpa_history_add_event(struct hpa_history *h, enum hpa_direction d, int32_t change, int64_t ts,
                           int outdated)
{
    if (h->n_ev[d] == KG_MAX_HPA_HISTORY) {
        memmove(h->ev[d], h->ev[d] + 1, (h->n_ev[d] - 1) * sizeof(*h->ev[d]));
        h->n_ev[d]--;
    }
    if (h->n_ev[d] == h->cap_ev[d]) {
        h->cap_ev[d] = h->cap_ev[d] ? h->cap_ev[d] * 2 : 8;
        h->ev[d] = xreallocarray(h->ev[d], h->cap_ev[d], sizeof(*h->ev[d]));
    }
    h->ev[d][h->n_ev[d]++] = (struct hpa_scale_event){ change, ts, outdated != 0 };
}

size_t hpa_history_n_recommendations(const struct hpa_history *h)
{
    return h->n_rec;
}

const struct hpa_recommendation *hpa_history_recommendation(const struct hpa_history *h, size_t i)
{
    return i < h->n_rec ? &h->rec[i] : NULL;
}

size_t hpa_history_n_events(const struct hpa_history *h, enum hpa_direction d)
{
    return h->n_ev[d];
}

const struct hpa_scale_event *hpa_history_event(const struct hpa_history *h, enum hpa_direction d,
                                                size_t i)
{
    return i < h->n_ev[d] ? &h->ev[d][i] : NULL;
}

/* Overwrite entry idx (when found) or append. */
static void record(struct hpa_history *h, int found, size_t idx, int32_t desired, int64_t now)
{
    if (found)
        h->rec[idx] = (struct hpa_recommendation){ desired, now };
    else
        hpa_history_add_recommendation(h, desired, now);
    h->initialized = 1;
}

int32_t hpa_stabilize_legacy(struct hpa_history *h, int32_t desired, int32_t window_s, int64_t now)
{
    int64_t cut = cutoff(now, window_s);
    int32_t max = desired;
    int found = 0;
    size_t old = 0;
    for (size_t i = 0; i < h->n_rec; i++) {
        if (h->rec[i].timestamp < cut) {
            found = 1;
            old = i;
        } else if (h->rec[i].replicas > max) {
            max = h->rec[i].replicas;
        }
    }
    record(h, found, old, desired, now);
    return max;
}

int32_t hpa_stabilize_behavior(struct hpa_history *h, int32_t current, int32_t desired,
                               int32_t up_window_s, int32_t down_window_s, int64_t now,
                               const char **reason)
{
    int64_t up_cut = cutoff(now, up_window_s), down_cut = cutoff(now, down_window_s);
    int32_t up = desired, down = desired;
    int found = 0;
    size_t old = 0;
    for (size_t i = 0; i < h->n_rec; i++) {
        const struct hpa_recommendation *r = &h->rec[i];
        if (r->timestamp > up_cut && r->replicas < up)
            up = r->replicas;
        if (r->timestamp > down_cut && r->replicas > down)
            down = r->replicas;
        if (r->timestamp < up_cut && r->timestamp < down_cut) {
            found = 1;
            old = i;
        }
    }
    int32_t rec = current;
    if (rec < up)
        rec = up;
    if (rec > down)
        rec = down;
    record(h, found, old, desired, now);
    if (reason)
        *reason = desired >= current ? "ScaleUpStabilized" : "ScaleDownStabilized";
    return rec;
}

int32_t hpa_convert_with_rules(int32_t current, int32_t desired, int32_t min_replicas,
                               int32_t max_replicas, double factor, double minimum,
                               const char **reason)
{
    double lim = factor * (double)current;
    int32_t up_limit = trunc32(lim > minimum ? lim : minimum);
    int32_t max_allowed;
    const char *limiting;

    if (max_replicas > up_limit) {
        max_allowed = up_limit;
        limiting = "ScaleUpLimit";
    } else {
        max_allowed = max_replicas;
        limiting = "TooManyReplicas";
    }
    if (desired < min_replicas) {
        *reason = "TooFewReplicas";
        return min_replicas;
    }
    if (desired > max_allowed) {
        *reason = limiting;
        return max_allowed;
    }
    *reason = "DesiredWithinRange";
    return desired;
}

int32_t hpa_replicas_change_in_period(const struct hpa_history *h, enum hpa_direction d,
                                      int32_t period_s, int64_t now)
{
    int64_t cut = cutoff(now, period_s), sum = 0;
    for (size_t i = 0; i < h->n_ev[d]; i++)
        if (h->ev[d][i].timestamp > cut)
            sum += h->ev[d][i].change;
    return clamp32(sum);
}

static int32_t period_start(const struct hpa_history *h, int32_t current, int32_t period_s,
                            int64_t now)
{
    int64_t added = hpa_replicas_change_in_period(h, HPA_DIR_UP, period_s, now);
    int64_t removed = hpa_replicas_change_in_period(h, HPA_DIR_DOWN, period_s, now);
    return clamp32((int64_t)current - added + removed);
}

int32_t hpa_scale_up_limit(const struct hpa_history *h, int32_t current,
                           const struct hpa_scaling_rules *rules, int64_t now)
{
    if (rules->select == HPA_SELECT_DISABLED)
        return current;
    int use_min = rules->select == HPA_SELECT_MIN;
    int32_t result = use_min ? INT32_MAX : INT32_MIN;
    for (size_t i = 0; i < rules->n_policies; i++) {
        const struct hpa_policy *p = &rules->policies[i];
        int32_t start = period_start(h, current, p->period_s, now), proposed;
        if (p->type == HPA_POLICY_PODS)
            proposed = clamp32((int64_t)start + p->value);
        else /* rounded up, or a small percentage would never add a pod */
            proposed = ceil32((double)start * (1 + (double)p->value / 100));
        result = use_min ? (proposed < result ? proposed : result)
                         : (proposed > result ? proposed : result);
    }
    return result;
}

int32_t hpa_scale_down_limit(const struct hpa_history *h, int32_t current,
                             const struct hpa_scaling_rules *rules, int64_t now)
{
    if (rules->select == HPA_SELECT_DISABLED)
        return current;
    int use_min = rules->select == HPA_SELECT_MIN; /* smallest change = largest limit */
    int32_t result = use_min ? INT32_MIN : INT32_MAX;
    for (size_t i = 0; i < rules->n_policies; i++) {
        const struct hpa_policy *p = &rules->policies[i];
        int32_t start = period_start(h, current, p->period_s, now), proposed;
        if (p->type == HPA_POLICY_PODS)
            proposed = clamp32((int64_t)start - p->value);
        else
            proposed = trunc32((double)start * (1 - (double)p->value / 100));
        result = use_min ? (proposed > result ? proposed : result)
                         : (proposed < result ? proposed : result);
    }
    return result;
}

int32_t hpa_convert_with_behavior_rate(const struct hpa_history *h, int32_t current,
                                       int32_t desired, int32_t min_replicas, int32_t max_replicas,
                                       const struct hpa_behavior *b, int64_t now,
                                       const char **reason)
{
    if (desired > current) {
        int32_t limit = hpa_scale_up_limit(h, current, &b->up, now);
        if (limit < current)
            limit = current; /* no scale-up until old events leave their periods */
        int32_t max_allowed = max_replicas;
        const char *why = "TooManyReplicas";
        if (max_allowed > limit) {
            max_allowed = limit;
            why = "ScaleUpLimit";
        }
        if (desired > max_allowed) {
            *reason = why;
            return max_allowed;
        }
    } else if (desired < current) {
        int32_t limit = hpa_scale_down_limit(h, current, &b->down, now);
        if (limit > current)
            limit = current;
        int32_t min_allowed = min_replicas;
        const char *why = "TooFewReplicas";
        if (min_allowed < limit) {
            min_allowed = limit;
            why = "ScaleDownLimit";
        }
        if (desired < min_allowed) {
            *reason = why;
            return min_allowed;
        }
    }
    *reason = "DesiredWithinRange";
    return desired;
}

static int32_t longest_period(const struct hpa_scaling_rules *r)
{
    int32_t l = 0;
    for (size_t i = 0; i < r->n_policies; i++)
        if (r->policies[i].period_s > l)
            l = r->policies[i].period_s;
    return l;
}

void hpa_store_scale_event(struct hpa_history *h, const struct hpa_behavior *b, int32_t prev,
                           int32_t next, int64_t now)
{
    if (!b)
        return;
    enum hpa_direction d = next > prev ? HPA_DIR_UP : HPA_DIR_DOWN;
    const struct hpa_scaling_rules *r = d == HPA_DIR_UP ? &b->up : &b->down;
    int64_t cut = cutoff(now, longest_period(r));
    int32_t change = clamp32(d == HPA_DIR_UP ? (int64_t)next - prev : (int64_t)prev - next);
    int found = 0;
    size_t old = 0;
    for (size_t i = 0; i < h->n_ev[d]; i++) {
        if (h->ev[d][i].timestamp < cut)
            h->ev[d][i].outdated = 1; /* sticky: the slot may be reused */
        if (h->ev[d][i].outdated) {
            found = 1;
            old = i;
        }
    }
    if (found)
        h->ev[d][old] = (struct hpa_scale_event){ change, now, 0 };
    else
        hpa_history_add_event(h, d, change, now, 0);
}
