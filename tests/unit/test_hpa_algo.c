/*
 * Unit tests for the HPA algorithm modules (calc, behavior, status, reconcile) beyond the
 * data-driven vectors: error paths, overflow clamps, bounds, condition bookkeeping, the
 * reconcile's use of its callbacks, and the vector runner's handling of malformed input.
 * Expected values are derived by hand from spec/hpa.md (arithmetic in the comments).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hpa/behavior.h"
#include "hpa/calc.h"
#include "hpa/reconcile.h"
#include "hpa/status.h"
#include "hpa/vectors.h"
#include "util/time.h"

#define NOW (INT64_C(1700000000) * NS_PER_SEC)

static const struct hpa_quantity req1000[] = { { "cpu", 500 } };

static struct hpa_container two_containers[] = {
    { "c1", 0, req1000, 1 },
    { "c2", 0, req1000, 1 },
};

static struct hpa_pod mkpod(const char *name)
{
    struct hpa_pod p = { 0 };
    p.name = name;
    p.phase = HPA_POD_RUNNING;
    p.has_start_time = 1;
    p.start_time = HPA_TIME_GO_ZERO;
    p.ready = HPA_COND_TRUE;
    p.ready_transition = HPA_TIME_GO_ZERO;
    p.containers = two_containers;
    p.n_containers = 2;
    return p;
}

static struct hpa_calc_in mkin(const struct hpa_pod *pods, size_t n)
{
    struct hpa_calc_in in = { pods, n, { 0.1, 0.1 }, 120 * NS_PER_SEC, 10 * NS_PER_SEC, NOW };
    return in;
}

/* ---- calc ---- */

static void test_ceil_saturates(void **state)
{
    (void)state;
    assert_int_equal(hpa_ceil_i32(4.2), 5);
    assert_int_equal(hpa_ceil_i32(-0.5), 0);
    assert_int_equal(hpa_ceil_i32(1e300), INT32_MAX);
    assert_int_equal(hpa_ceil_i32(-1e300), INT32_MIN);
    assert_int_equal(hpa_ceil_i32(0.0 / 0.0), 0);
}

static void test_tolerance_closed_interval(void **state)
{
    (void)state;
    struct hpa_tolerances t = { 0.25, 0.5 }; /* exact binary fractions */
    assert_true(hpa_tolerances_within(&t, 0.75));
    assert_true(hpa_tolerances_within(&t, 1.5));
    assert_false(hpa_tolerances_within(&t, 0.7499));
    assert_false(hpa_tolerances_within(&t, 1.5001));
}

static void test_resource_errors(void **state)
{
    (void)state;
    struct hpa_pod pods[1] = { mkpod("p0") };
    struct hpa_calc_in in = mkin(pods, 1);
    struct hpa_calc_out out;
    char err[256];
    const struct hpa_quantity use[] = { { "cpu", 100 } };
    struct hpa_container_usage cu[] = { { "c1", use, 1 }, { "c2", use, 1 } };
    struct hpa_pod_metrics other[] = { { "not-listed", NOW, 60 * NS_PER_SEC, cu, 2 } };

    /* empty metrics list */
    assert_int_equal(
        hpa_calc_resource_utilization(&in, 1, 50, "cpu", NULL, NULL, 0, &out, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "unable to get metrics for resource cpu: no metrics returned from "
                             "resource metrics API");
    /* no pods */
    in.n_pods = 0;
    assert_int_equal(
        hpa_calc_resource_utilization(&in, 1, 50, "cpu", NULL, other, 1, &out, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "no pods returned by selector while calculating replica count");
    /* the only pod is missing and the only sample is superfluous: the map is not empty, but
     * no sample matches a pod with a request */
    in.n_pods = 1;
    assert_int_equal(
        hpa_calc_resource_utilization(&in, 1, 50, "cpu", NULL, other, 1, &out, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "no metrics returned matched known pods");
    /* a failed pod only: its sample is dropped -> nothing left */
    struct hpa_pod_metrics mine[] = { { "p0", NOW, 60 * NS_PER_SEC, cu, 2 } };
    pods[0].phase = HPA_POD_FAILED;
    assert_int_equal(
        hpa_calc_resource_utilization(&in, 1, 50, "cpu", NULL, mine, 1, &out, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "did not receive metrics for targeted pods (pods might be unready)");
    /* container not in the pod spec */
    pods[0].phase = HPA_POD_RUNNING;
    assert_int_equal(
        hpa_calc_resource_utilization(&in, 1, 50, "cpu", "c1", mine, 1, &out, err, sizeof(err)), 0);
    assert_int_equal(out.utilization, 20); /* 100*100/500 */
    struct hpa_container_usage cu3[] = { { "c3", use, 1 } };
    struct hpa_pod_metrics m3[] = { { "p0", NOW, 60 * NS_PER_SEC, cu3, 1 } };
    assert_int_equal(
        hpa_calc_resource_utilization(&in, 1, 50, "cpu", "c3", m3, 1, &out, err, sizeof(err)),
        -EINVAL);
    assert_string_equal(err, "container c3 not found in Pod p0");
}

static void test_utilization_overflow_is_exact(void **state)
{
    (void)state;
    /* two pods each using INT64_MAX milli-cores against 1000m requests: the int64 sum would
     * wrap; kgauge sums exactly and clamps the percentage to INT32_MAX */
    const struct hpa_quantity big[] = { { "cpu", INT64_MAX } };
    struct hpa_container_usage cu[] = { { "c1", big, 1 } };
    struct hpa_pod pods[2] = { mkpod("a"), mkpod("b") };
    struct hpa_pod_metrics m[] = { { "a", NOW, 60 * NS_PER_SEC, cu, 1 },
                                   { "b", NOW, 60 * NS_PER_SEC, cu, 1 } };
    struct hpa_calc_in in = mkin(pods, 2);
    struct hpa_calc_out out;
    char err[256];
    assert_int_equal(
        hpa_calc_resource_utilization(&in, 2, 50, "cpu", "c1", m, 2, &out, err, sizeof(err)), 0);
    assert_int_equal(out.utilization, INT32_MAX);
    assert_int_equal(out.usage, INT64_MAX); /* mean of two INT64_MAX */
    /* ratio = 2147483647 / 50 = 42949672.94; x 2 ready pods = 85899345.88 -> 85899346 */
    assert_int_equal(out.replicas, 85899346);
}

static void test_duplicate_samples_last_wins(void **state)
{
    (void)state;
    struct hpa_pod pods[1] = { mkpod("p0") };
    struct hpa_pod_metric v[] = { { "p0", 99000, NOW, 0 }, { "p0", 10000, NOW, 0 } };
    struct hpa_calc_in in = mkin(pods, 1);
    struct hpa_calc_out out;
    char err[256];
    /* last sample 10000 vs target 10000: within tolerance -> current */
    assert_int_equal(hpa_calc_pods(&in, 7, 10000, "qps", v, 2, &out, err, sizeof(err)), 0);
    assert_int_equal(out.usage, 10000);
    assert_int_equal(out.replicas, 7);
}

static void test_pod_request_errors(void **state)
{
    (void)state;
    struct hpa_pod p = mkpod("p0");
    int64_t r;
    char err[256];
    assert_int_equal(hpa_pod_request(&p, NULL, "memory", 0, &r, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "missing request for memory in container c1 of Pod p0");
    const struct hpa_quantity podreq[] = { { "memory", 7 } };
    p.has_pod_requests = 1;
    p.pod_requests = podreq;
    p.n_pod_requests = 1;
    assert_int_equal(hpa_pod_request(&p, "", "cpu", 1, &r, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "missing pod-level request for cpu in Pod p0");
    assert_int_equal(hpa_pod_request(&p, "", "memory", 1, &r, err, sizeof(err)), 0);
    assert_int_equal(r, 7);
    /* gate off: containers are summed */
    assert_int_equal(hpa_pod_request(&p, "", "cpu", 0, &r, err, sizeof(err)), 0);
    assert_int_equal(r, 1000);
}

static void test_external_sums(void **state)
{
    (void)state;
    struct hpa_pod pods[1] = { mkpod("p0") };
    struct hpa_calc_in in = mkin(pods, 1);
    struct hpa_calc_out out;
    char err[256];
    const int64_t big[] = { INT64_MAX - 1, 5, 7 };
    /* Value: positive overflow saturates and summation stops */
    assert_int_equal(hpa_calc_external_value(&in, 1, 1000, big, 3, &out, err, sizeof(err)), 0);
    assert_int_equal(out.usage, INT64_MAX);
    assert_int_equal(out.replicas, INT32_MAX);
    /* AverageValue: any negative running total reads as overflow (Kubernetes' rule) */
    const int64_t neg[] = { -5 };
    assert_int_equal(hpa_calc_external_average(&in, 2, 1000, neg, 1, &out), 0);
    assert_int_equal(out.usage, INT64_MAX);
    /* ready pods needed for Value with current != 0 */
    in.n_pods = 0;
    const int64_t v[] = { 5000 };
    assert_int_equal(hpa_calc_external_value(&in, 1, 1000, v, 1, &out, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "unable to calculate ready pods: no pods returned by selector while "
                             "calculating replica count");
}

/* ---- behavior ---- */

static void test_history_bound(void **state)
{
    (void)state;
    struct hpa_history *h = hpa_history_new();
    for (int i = 0; i < KG_MAX_HPA_HISTORY + 10; i++)
        hpa_history_add_recommendation(h, i, NOW);
    assert_int_equal(hpa_history_n_recommendations(h), KG_MAX_HPA_HISTORY);
    assert_int_equal(hpa_history_recommendation(h, 0)->replicas, 10); /* oldest dropped */
    assert_null(hpa_history_recommendation(h, KG_MAX_HPA_HISTORY));
    /* seeding does nothing once initialised */
    hpa_history_seed(h, 99, NOW);
    assert_int_equal(hpa_history_n_recommendations(h), KG_MAX_HPA_HISTORY);
    hpa_history_free(h);
    hpa_history_free(NULL);
}

static void test_seed_and_empty_log(void **state)
{
    (void)state;
    struct hpa_history *h = hpa_history_new();
    hpa_history_seed(h, 4, NOW);
    assert_int_equal(hpa_history_n_recommendations(h), 1);
    /* a freshly seeded log blocks a scale-down for the window: max(1, 4) = 4 */
    assert_int_equal(hpa_stabilize_legacy(h, 1, 300, NOW), 4);
    hpa_history_free(h);

    h = hpa_history_new();
    hpa_history_mark_initialized(h);
    hpa_history_seed(h, 4, NOW);
    assert_int_equal(hpa_history_n_recommendations(h), 0);
    assert_int_equal(hpa_stabilize_legacy(h, 1, 300, NOW), 1);
    hpa_history_free(h);
}

static void test_rules_default(void **state)
{
    (void)state;
    struct hpa_scaling_rules up = { 0 }, down = { 0 };
    hpa_rules_default(&up, 1);
    hpa_rules_default(&down, 0);
    assert_int_equal(up.n_policies, 2);
    assert_int_equal(up.policies[0].type, HPA_POLICY_PODS);
    assert_int_equal(up.policies[0].value, 4);
    assert_int_equal(up.policies[1].type, HPA_POLICY_PERCENT);
    assert_int_equal(up.policies[1].value, 100);
    assert_true(up.has_window);
    assert_int_equal(up.window_s, 0);
    assert_int_equal(down.n_policies, 1);
    assert_false(down.has_window); /* filled from the flag at reconcile time */
    /* user policies are kept, select defaults to Max */
    struct hpa_scaling_rules mine = { 0 };
    mine.n_policies = 1;
    mine.policies[0] = (struct hpa_policy){ HPA_POLICY_PODS, 1, 60 };
    hpa_rules_default(&mine, 1);
    assert_int_equal(mine.n_policies, 1);
    assert_int_equal(mine.select, HPA_SELECT_MAX);
}

static void test_limits_saturate(void **state)
{
    (void)state;
    struct hpa_history *h = hpa_history_new();
    struct hpa_scaling_rules r = { 0 };
    r.n_policies = 1;
    r.policies[0] = (struct hpa_policy){ HPA_POLICY_PODS, INT32_MAX, 60 };
    assert_int_equal(hpa_scale_up_limit(h, INT32_MAX - 1, &r, NOW), INT32_MAX);
    r.policies[0] = (struct hpa_policy){ HPA_POLICY_PERCENT, INT32_MAX, 60 };
    assert_int_equal(hpa_scale_up_limit(h, 1000, &r, NOW), INT32_MAX);
    r.policies[0] = (struct hpa_policy){ HPA_POLICY_PODS, INT32_MAX, 60 };
    assert_int_equal(hpa_scale_down_limit(h, -5, &r, NOW), INT32_MIN);
    hpa_history_free(h);
}

/* ---- status ---- */

static void test_conditions(void **state)
{
    (void)state;
    struct hpa_conditions c = { 0 };
    assert_int_equal(hpa_condition_set(&c, "AbleToScale", "True", "A", 100, "m%d", 1), 0);
    assert_int_equal(hpa_condition_set(&c, "ScalingActive", "False", "B", 100, "x"), 0);
    /* same status: reason/message overwritten, transition kept, position kept */
    assert_int_equal(hpa_condition_set(&c, "AbleToScale", "True", "C", 200, "m2"), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.c[0].reason, "C");
    assert_string_equal(c.c[0].message, "m2");
    assert_int_equal(c.c[0].last_transition, 100);
    /* status change moves the transition time */
    assert_int_equal(hpa_condition_set(&c, "AbleToScale", "False", "D", 300, "m3"), 0);
    assert_int_equal(c.c[0].last_transition, 300);
    for (int i = 2; i < KG_MAX_HPA_CONDITIONS; i++) {
        char t[16];
        snprintf(t, sizeof(t), "T%d", i);
        assert_int_equal(hpa_condition_set(&c, t, "True", "R", 1, "m"), 0);
    }
    assert_int_equal(hpa_condition_set(&c, "Overflow", "True", "R", 1, "m"), -E2BIG);
    assert_null(hpa_condition_find(&c, "Overflow"));
}

static void test_label_selector_format(void **state)
{
    (void)state;
    char out[512];
    const char *keys[] = { "zone", "app" };
    const char *vals[] = { "a", "web" };
    const char *in_vals[] = { "x", "y" };
    struct hpa_label_requirement req[] = { { "tier", "In", in_vals, 2 } };
    struct hpa_label_selector s = { 2, keys, vals, 1, req };
    assert_int_equal(hpa_format_label_selector(NULL, out, sizeof(out)), 3);
    assert_string_equal(out, "nil");
    hpa_format_label_selector(&s, out, sizeof(out));
    assert_string_equal(out, "&LabelSelector{MatchLabels:map[string]string{app: web,zone: a,},"
                             "MatchExpressions:[]LabelSelectorRequirement{"
                             "LabelSelectorRequirement{Key:tier,Operator:In,Values:[x y],},},}");
    /* truncation still reports the full length */
    size_t need = hpa_format_label_selector(&s, out, 8);
    assert_true(need > 8);
    assert_int_equal(strlen(out), 7);
}

/* ---- reconcile with callbacks ---- */

struct cb {
    struct hpa_pod pods[3];
    struct hpa_pod_metrics pm[3];
    int calls_resource, calls_update, fail_update, selector_einval;
    int32_t updated_to;
};

static const struct hpa_quantity use300[] = { { "cpu", 300 } };
static struct hpa_container_usage cu300[] = { { "c1", use300, 1 }, { "c2", use300, 1 } };

static int cb_select(void *ud, const char *sel, struct hpa_selection *out, char *err, size_t errlen)
{
    struct cb *c = ud;
    (void)sel;
    if (c->selector_einval) {
        snprintf(err, errlen, "unable to parse requirement: bad");
        return -EINVAL;
    }
    out->pods = c->pods;
    out->n_pods = 3;
    out->n_controlling_hpas = 1;
    out->controlling_hpas = "[ns/h]";
    return 0;
}

static int cb_resource(void *ud, const struct hpa_pod_metrics **items, size_t *n, char *err,
                       size_t errlen)
{
    struct cb *c = ud;
    (void)err;
    (void)errlen;
    c->calls_resource++;
    *items = c->pm;
    *n = 3;
    return 0;
}

static int cb_update(void *ud, int32_t r, char *err, size_t errlen)
{
    struct cb *c = ud;
    c->calls_update++;
    if (c->fail_update) {
        snprintf(err, errlen, "conflict");
        return -EIO;
    }
    c->updated_to = r;
    return 0;
}

static void setup_cb(struct cb *c)
{
    memset(c, 0, sizeof(*c));
    const char *names[] = { "p0", "p1", "p2" };
    for (int i = 0; i < 3; i++) {
        c->pods[i] = mkpod(names[i]);
        c->pm[i] = (struct hpa_pod_metrics){ names[i], NOW, 60 * NS_PER_SEC, cu300, 2 };
    }
}

static void test_reconcile_rescale_and_status(void **state)
{
    (void)state;
    struct cb c;
    setup_cb(&c);
    struct hpa_sources src = { &c, cb_select, cb_resource, NULL, NULL, NULL, cb_update };
    struct hpa_metric_spec m = { 0 };
    m.type = HPA_METRIC_RESOURCE;
    m.resource = "cpu";
    m.target.type = HPA_TARGET_UTILIZATION;
    m.target.has_utilization = 1;
    m.target.average_utilization = 30;
    struct hpa_spec spec = { "h", "ns", "Deployment", "web", 1, 1, 10, &m, 1, NULL };
    struct hpa_status *st = calloc(1, sizeof(*st));
    struct hpa_reconcile_out *out = calloc(1, sizeof(*out));
    struct hpa_scale scale = { 3, 3, "app=web" };
    struct hpa_config cfg;
    struct hpa_history *h = hpa_history_new();
    hpa_config_default(&cfg);
    st->current_replicas = 3;
    st->desired_replicas = 3;
    struct hpa_reconcile_in in = { &spec, st, &scale, NULL, &cfg, NOW };

    /* U = 1800*100/3000 = 60, ratio 2.0 -> ceil(6.0) = 6; legacy cap max(6,4) = 6 -> 6 */
    assert_int_equal(hpa_reconcile(&in, &src, h, out), 0);
    assert_int_equal(c.updated_to, 6);
    assert_int_equal(out->status.desired_replicas, 6);
    assert_true(out->status.has_last_scale_time);
    assert_int_equal(out->status.last_scale_time, NOW);
    assert_true(out->status_changed);
    assert_int_equal(out->events.n, 1);
    assert_string_equal(out->events.e[0].message, "New size: 6; reason: cpu resource utilization "
                                                  "(percentage of request) above target");
    assert_string_equal(out->status.conditions.c[0].message,
                        "the HPA controller was able to update the target scale to 6");
    assert_string_equal(out->status.conditions.c[1].message,
                        "the HPA was able to successfully calculate a replica count from cpu "
                        "resource utilization (percentage of request)");
    assert_int_equal(out->status.metrics[0].average_utilization, 60);
    assert_int_equal(out->status.metrics[0].average_value, 600);

    /* the scale update fails: FailedRescale, status keeps the previous desired count */
    c.fail_update = 1;
    assert_int_equal(hpa_reconcile(&in, &src, h, out), -EIO);
    assert_false(out->scale_updated);
    assert_int_equal(out->status.desired_replicas, 3);
    assert_string_equal(out->events.e[0].reason, "FailedRescale");
    assert_string_equal(out->events.e[0].message, "New size: 6; reason: cpu resource "
                                                  "utilization (percentage of request) above "
                                                  "target; error: conflict");
    assert_string_equal(out->error, "failed to rescale Deployment/ns/web: conflict");

    /* the written status fed back with nothing changed: no status write needed */
    c.fail_update = 0;
    scale.spec_replicas = 6;
    assert_int_equal(hpa_reconcile(&in, &src, h, out), 0);
    struct hpa_status *again = calloc(1, sizeof(*again));
    *again = out->status;
    in.status = again;
    /* ratio 2.0 with 3 pods would still say 6: no rescale, and the same status */
    assert_int_equal(hpa_reconcile(&in, &src, h, out), 0);
    assert_false(out->rescale);
    assert_false(out->status_changed);

    /* unparsable selector */
    c.selector_einval = 1;
    assert_int_equal(hpa_reconcile(&in, &src, h, out), -EIO);
    assert_string_equal(out->events.e[0].reason, "InvalidSelector");
    assert_string_equal(out->events.e[0].message,
                        "couldn't convert selector into a corresponding internal selector "
                        "object: unable to parse requirement: bad");
    assert_string_equal(out->events.e[1].reason, "FailedComputeMetricsReplicas");

    /* above max: no metrics read */
    c.selector_einval = 0;
    c.calls_resource = 0;
    scale.spec_replicas = 20;
    assert_int_equal(hpa_reconcile(&in, &src, h, out), 0);
    assert_int_equal(c.calls_resource, 0);
    assert_int_equal(c.updated_to, 10);
    assert_string_equal(out->events.e[0].message,
                        "New size: 10; reason: Current number of replicas above Spec.MaxReplicas");
    assert_int_equal(out->status.n_metrics, 0);

    /* reading the scale failed */
    in.scale = NULL;
    in.scale_error = "deployments.apps \"web\" not found";
    assert_int_equal(hpa_reconcile(&in, &src, h, out), -EIO);
    assert_string_equal(out->events.e[0].reason, "FailedGetScale");
    assert_string_equal(out->status.conditions.c[0].message,
                        "the HPA controller was unable to get the target's current scale: "
                        "deployments.apps \"web\" not found");

    free(again);
    free(st);
    free(out);
    hpa_history_free(h);
}

static void test_unknown_metric_type(void **state)
{
    (void)state;
    struct hpa_metric_spec m = { 0 };
    struct hpa_metric_result res;
    struct hpa_events ev = { 0 };
    struct hpa_metric_ctx ctx = { 0 };
    char err[256];
    m.type = HPA_METRIC_UNKNOWN;
    m.type_name = "CheddarCheese";
    assert_int_equal(hpa_compute_metric(&ctx, &m, &res, &ev, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "unknown metric source type \"CheddarCheese\"");
    assert_string_equal(res.fail_reason, "InvalidMetricSourceType");
    assert_string_equal(res.fail_message, "the HPA was unable to compute the replica count: "
                                          "unknown metric source type \"CheddarCheese\"");
    assert_int_equal(ev.n, 1);
    /* a Resource metric with neither target */
    m.type = HPA_METRIC_RESOURCE;
    m.resource = "cpu";
    assert_int_equal(hpa_compute_metric(&ctx, &m, &res, &ev, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "failed to get cpu resource metric value: invalid resource metric "
                             "source: neither an average utilization target nor an average "
                             "value (usage) target was set");
}

/* ---- vector runner on hostile input ---- */

static void run_text(const char *text, int want_rc, size_t passed, size_t failed)
{
    struct hpa_vectors_result res;
    char err[512];
    int rc = hpa_vectors_run(text, strlen(text), "t", NULL, &res, err, sizeof(err));
    assert_int_equal(rc, want_rc);
    if (!rc) {
        assert_int_equal(res.passed, passed);
        assert_int_equal(res.failed, failed);
    }
}

static void test_vectors_malformed(void **state)
{
    (void)state;
    run_text("", -EINVAL, 0, 0);
    run_text("{}", -EINVAL, 0, 0);
    run_text("[1,2", -EINVAL, 0, 0);
    run_text("[] x", -EINVAL, 0, 0);
    run_text("[]", 0, 0, 0);
    run_text("[1, {}, {\"id\":\"a\",\"kind\":\"nope\"}]", 0, 0, 3);
    /* a field of the wrong type, an int64 overflow, a missing expectation object */
    run_text("[{\"id\":\"a\",\"kind\":\"convert_desired_replicas_with_rules\",\"input\":"
             "{\"current_replicas\":\"3\"},\"expected\":{}}]",
             0, 0, 1);
    run_text("[{\"id\":\"a\",\"kind\":\"object_value\",\"params\":{\"current_replicas\":1,"
             "\"metric_name\":\"q\",\"target_value_milli\":9223372036854775808},"
             "\"object_metric_value_milli\":1,\"pods\":[],\"expected\":{\"replicas\":1}}]",
             0, 0, 1);
    run_text("[{\"id\":\"a\",\"kind\":\"reconcile\"}]", 0, 0, 1);
    /* a well-formed passing vector: max(2*5, 4) = 10 caps 50 with max 20 -> ScaleUpLimit */
    run_text("[{\"id\":\"a\",\"kind\":\"convert_desired_replicas_with_rules\",\"input\":"
             "{\"current_replicas\":5,\"desired_replicas\":50,\"min_replicas\":1,"
             "\"max_replicas\":20},\"expected\":{\"replicas\":10,\"condition_reason\":"
             "\"ScaleUpLimit\"}}]",
             0, 1, 0);
    /* ... and the same vector with a wrong expectation */
    run_text("[{\"id\":\"a\",\"kind\":\"convert_desired_replicas_with_rules\",\"input\":"
             "{\"current_replicas\":5,\"desired_replicas\":50,\"min_replicas\":1,"
             "\"max_replicas\":20},\"expected\":{\"replicas\":11}}]",
             0, 0, 1);
}

static void test_vectors_main_usage(void **state)
{
    (void)state;
    char *none[] = { "vectors" };
    char *bad[] = { "vectors", "--bogus" };
    char *missing[] = { "vectors", "/nonexistent/file.json" };
    assert_int_equal(hpa_vectors_main(1, none), 2);
    assert_int_equal(hpa_vectors_main(2, bad), 2);
    assert_int_equal(hpa_vectors_main(2, missing), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceil_saturates),
        cmocka_unit_test(test_tolerance_closed_interval),
        cmocka_unit_test(test_resource_errors),
        cmocka_unit_test(test_utilization_overflow_is_exact),
        cmocka_unit_test(test_duplicate_samples_last_wins),
        cmocka_unit_test(test_pod_request_errors),
        cmocka_unit_test(test_external_sums),
        cmocka_unit_test(test_history_bound),
        cmocka_unit_test(test_seed_and_empty_log),
        cmocka_unit_test(test_rules_default),
        cmocka_unit_test(test_limits_saturate),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_label_selector_format),
        cmocka_unit_test(test_reconcile_rescale_and_status),
        cmocka_unit_test(test_unknown_metric_type),
        cmocka_unit_test(test_vectors_malformed),
        cmocka_unit_test(test_vectors_main_usage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
