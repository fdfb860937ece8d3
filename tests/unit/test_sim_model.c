/* Unit tests for src/sim/model: seeded demand, housekeeping samples, CPU integration, Go float
 * formatting and the kubelet /metrics/resource payload per kubelet version. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json/writer.h"
#include "sim/model.h"
#include "sim/store.h"
#include "util/buf.h"

#define SEC 1000000000LL
#define T0 (1750000000LL * SEC) /* an arbitrary wall clock */

static void check_float(double v, const char *want)
{
    char got[32];
    sim_go_float(v, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("sim_go_float(%.17g) = %s, want %s", v, got, want);
}

/* Expected strings are Go's strconv.FormatFloat(v, 'g', -1, 64), several taken verbatim from
 * the real kubelet payloads in testdata/kubelet/metrics-resource/. */
static void test_go_float(void **state)
{
    (void)state;
    check_float(40.384910049, "40.384910049");
    check_float(6197.005020909, "6197.005020909");
    check_float(17391616, "1.7391616e+07");
    check_float(1137475584, "1.137475584e+09");
    check_float(1750607841.8297591, "1.7506078418297591e+09");
    check_float(1704801651.080639, "1.704801651080639e+09");
    check_float(3379200, "3.3792e+06");
    check_float(123456, "123456");
    check_float(100000, "100000");
    check_float(1e6, "1e+06");
    check_float(0.0001, "0.0001");
    check_float(0.00001, "1e-05");
    check_float(0.5, "0.5");
    check_float(-2.5, "-2.5");
    check_float(0, "0");
    check_float(1, "1");
    check_float(1e300, "1e+300");
    check_float(NAN, "NaN");
    check_float(INFINITY, "+Inf");
    check_float(-INFINITY, "-Inf");
}

static void test_kubelet_minor(void **state)
{
    (void)state;
    int m = -1;
    assert_int_equal(sim_kubelet_minor("v1.32.5", &m), 0);
    assert_int_equal(m, 32);
    assert_int_equal(sim_kubelet_minor("v1.9.0-eks-123", &m), 0);
    assert_int_equal(m, 9);
    assert_int_equal(sim_kubelet_minor("1.32.5", &m), -EINVAL);
    assert_int_equal(sim_kubelet_minor("v2.0.0", &m), -EINVAL);
    assert_int_equal(sim_kubelet_minor("v1.x", &m), -EINVAL);
    assert_int_equal(sim_kubelet_minor("v1.3a", &m), -EINVAL);
    assert_int_equal(sim_kubelet_minor(NULL, &m), -EINVAL);
}

static void test_cpu_integration(void **state)
{
    (void)state;
    /* 2m CPU for 10 s = 0.02 core-seconds = 20,000,000 ns */
    assert_int_equal(sim_model_cpu_ns(2000000, T0, T0 + 10 * SEC), 20000000u);
    /* 1.5 cores for 1.5 s = 2.25 s */
    assert_int_equal(sim_model_cpu_ns(1500000000, T0, T0 + 1500000000LL), 2250000000u);
    assert_int_equal(sim_model_cpu_ns(2000000, T0, T0), 0u);
    assert_int_equal(sim_model_cpu_ns(2000000, T0, T0 - SEC), 0u);
    assert_int_equal(sim_model_cpu_ns(0, T0, T0 + SEC), 0u);
    /* 100 cores for 115 days does not overflow: 100 * 1e7 s = 1e9 s = 1e18 ns */
    assert_int_equal(sim_model_cpu_ns(100 * SEC, 0, 10000000LL * SEC), 1000000000000000000u);
}

static void test_housekeeping(void **state)
{
    (void)state;
    const int64_t iv = 10 * SEC;
    int64_t s0 = sim_model_sample_ns(7, "ns/pod/c", 0, T0, iv);
    assert_true(s0 <= T0);
    assert_true(T0 - s0 < iv);
    /* stable inside an interval, steps by exactly one interval */
    for (int64_t t = s0; t < s0 + iv; t += iv / 7)
        assert_int_equal(sim_model_sample_ns(7, "ns/pod/c", 0, t, iv), s0);
    assert_int_equal(sim_model_sample_ns(7, "ns/pod/c", 0, s0 + iv, iv), s0 + iv);
    assert_int_equal(sim_model_sample_ns(7, "ns/pod/c", 0, s0 + iv - 1, iv), s0);
    /* never before the series' start */
    assert_int_equal(sim_model_sample_ns(7, "ns/pod/c", T0 + 1, T0 + 1, iv), T0 + 1);
    /* deterministic, and phases differ between series (not all scraped at once) */
    assert_int_equal(sim_model_sample_ns(7, "ns/pod/c", 0, T0, iv), s0);
    int differ = 0;
    char key[32];
    for (int i = 0; i < 20; i++) {
        snprintf(key, sizeof key, "k%d", i);
        differ += sim_model_sample_ns(7, key, 0, T0, iv) != s0;
    }
    assert_true(differ >= 15);
}

static void test_demand(void **state)
{
    (void)state;
    const int64_t mib = 1024 * 1024;
    struct sim_usage kp =
        sim_model_container_demand(1, "kube-system", "kube-proxy-abcde", "kube-proxy");
    assert_true(kp.cpu_nanocores >= 1500000 && kp.cpu_nanocores < 2500000);
    assert_true(kp.memory_bytes >= 15 * mib - 4096 && kp.memory_bytes < 25 * mib);
    assert_int_equal(kp.memory_bytes % 4096, 0);
    struct sim_usage again =
        sim_model_container_demand(1, "kube-system", "kube-proxy-abcde", "kube-proxy");
    assert_int_equal(again.cpu_nanocores, kp.cpu_nanocores);
    assert_int_equal(again.memory_bytes, kp.memory_bytes);
    struct sim_usage other = sim_model_container_demand(1, "default", "web-1", "app");
    assert_true(other.cpu_nanocores >= 3750000 && other.cpu_nanocores < 6250000);
    /* another seed gives other numbers for at least one of a few containers */
    int differ = 0;
    const char *names[] = { "a", "b", "c", "d" };
    for (int i = 0; i < 4; i++)
        differ += sim_model_container_demand(1, "x", names[i], "c").cpu_nanocores !=
                  sim_model_container_demand(2, "x", names[i], "c").cpu_nanocores;
    assert_true(differ >= 3);
}

/* A node with two running pods (two containers in the second) and pods that must not count. */
struct fixture {
    struct sim_node node;
    struct sim_container c1[1], c2[2], c3[1];
    struct sim_pod p1, p2, p_other_node, p_pending;
    const struct sim_pod *pods[4];
};

static void fixture_init(struct fixture *f, const char *version)
{
    memset(f, 0, sizeof *f);
    f->node.obj.kind = SIM_KIND_NODE;
    f->node.obj.meta.name = (char *)"sim-node-0001";
    f->node.obj.meta.created_ns = T0 - 3600 * SEC;
    f->node.kubelet_version = (char *)version;
    f->c1[0] = (struct sim_container){ .name = (char *)"kube-proxy",
                                       .state = SIM_CONTAINER_RUNNING,
                                       .started_ns = T0 - 3000 * SEC };
    f->c2[0] = (struct sim_container){ .name = (char *)"web",
                                       .state = SIM_CONTAINER_RUNNING,
                                       .started_ns = T0 - 100 * SEC };
    f->c2[1] = (struct sim_container){ .name = (char *)"sidecar",
                                       .state = SIM_CONTAINER_RUNNING,
                                       .started_ns = T0 - 90 * SEC };
    f->c3[0] = (struct sim_container){ .name = (char *)"x",
                                       .state = SIM_CONTAINER_RUNNING,
                                       .started_ns = T0 - 90 * SEC };
    struct sim_pod *ps[4] = { &f->p1, &f->p2, &f->p_other_node, &f->p_pending };
    const char *names[4] = { "kube-proxy-abcde", "web-7d4b9c-xyz12", "other", "pending" };
    const char *nss[4] = { "kube-system", "default", "default", "default" };
    for (int i = 0; i < 4; i++) {
        ps[i]->obj.kind = SIM_KIND_POD;
        ps[i]->obj.meta.name = (char *)names[i];
        ps[i]->obj.meta.namespace = (char *)nss[i];
        ps[i]->node_name = (char *)"sim-node-0001";
        ps[i]->phase = "Running";
        ps[i]->start_ns = T0 - 3000 * SEC;
        ps[i]->containers = f->c3;
        ps[i]->n_containers = 1;
        f->pods[i] = ps[i];
    }
    f->p1.containers = f->c1;
    f->p2.containers = f->c2;
    f->p2.n_containers = 2;
    f->p_other_node.node_name = (char *)"sim-node-0002";
    f->p_pending.phase = "Pending";
}

static void test_node_usage(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, "v1.32.5");
    struct sim_usage want = sim_model_node_overhead(3, "sim-node-0001");
    struct sim_usage a =
        sim_model_container_demand(3, "kube-system", "kube-proxy-abcde", "kube-proxy");
    struct sim_usage b = sim_model_container_demand(3, "default", "web-7d4b9c-xyz12", "web");
    struct sim_usage c = sim_model_container_demand(3, "default", "web-7d4b9c-xyz12", "sidecar");
    want.cpu_nanocores += a.cpu_nanocores + b.cpu_nanocores + c.cpu_nanocores;
    want.memory_bytes += a.memory_bytes + b.memory_bytes + c.memory_bytes;
    struct sim_usage got = sim_model_node_usage(3, &f.node, f.pods, 4);
    assert_int_equal(got.cpu_nanocores, want.cpu_nanocores);
    assert_int_equal(got.memory_bytes, want.memory_bytes);
}

static int count_lines(const char *s, const char *prefix)
{
    int n = 0;
    size_t pl = strlen(prefix);
    for (const char *l = s; l && *l;) {
        if (strncmp(l, prefix, pl) == 0)
            n++;
        l = strchr(l, '\n');
        if (l)
            l++;
    }
    return n;
}

/* The value of the first series line starting with prefix (value and ms timestamp). */
static double series_value(const char *s, const char *prefix, long long *ms)
{
    const char *l = strstr(s, prefix);
    assert_non_null(l);
    const char *v = l + strlen(prefix);
    char *end;
    double d = strtod(v, &end);
    *ms = strtoll(end, NULL, 10);
    return d;
}

static void test_render_stable(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, "v1.32.5");
    struct buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(sim_model_render_resource(&b, 3, &f.node, f.pods, 4, T0, 10 * SEC), 0);
    const char *s = buf_str(&b);
    /* families in the order the kubelet's registry sorts them, HELP text as in fixture 05 */
    const char *order[] = {
        "# HELP container_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the "
        "container in core-seconds\n# TYPE container_cpu_usage_seconds_total counter\n",
        "# HELP container_memory_working_set_bytes [STABLE] Current working set of the container "
        "in bytes\n# TYPE container_memory_working_set_bytes gauge\n",
        "# HELP container_start_time_seconds [STABLE] Start time of the container since unix "
        "epoch in seconds\n# TYPE container_start_time_seconds gauge\n",
        "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the node in "
        "core-seconds\n# TYPE node_cpu_usage_seconds_total counter\n",
        "# HELP node_memory_working_set_bytes [STABLE] Current working set of the node in bytes\n"
        "# TYPE node_memory_working_set_bytes gauge\n",
        "# HELP pod_cpu_usage_seconds_total [STABLE] Cumulative cpu time consumed by the pod in "
        "core-seconds\n# TYPE pod_cpu_usage_seconds_total counter\n",
        "# HELP pod_memory_working_set_bytes [STABLE] Current working set of the pod in bytes\n"
        "# TYPE pod_memory_working_set_bytes gauge\n",
        "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container "
        "metrics, 0 otherwise\n# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n",
    };
    const char *prev = s;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strstr(s, order[i]);
        if (!p || p < prev)
            fail_msg("family %zu missing or out of order:\n%s", i, s);
        prev = p;
    }
    assert_int_equal(count_lines(s, "container_cpu_usage_seconds_total{"), 3);
    assert_int_equal(count_lines(s, "container_start_time_seconds{"), 3);
    assert_int_equal(count_lines(s, "pod_cpu_usage_seconds_total{"), 2);
    assert_int_equal(count_lines(s, "node_cpu_usage_seconds_total "), 1);
    assert_int_equal(count_lines(s, "scrape_error"), 0);
    /* series sorted by label values: container, then namespace, then pod */
    const char *kp = strstr(s, "container_cpu_usage_seconds_total{container=\"kube-proxy\","
                               "namespace=\"kube-system\",pod=\"kube-proxy-abcde\"} ");
    const char *sc = strstr(s, "container_cpu_usage_seconds_total{container=\"sidecar\",");
    const char *web = strstr(s, "container_cpu_usage_seconds_total{container=\"web\",");
    assert_true(kp && sc && web && kp < sc && sc < web);
    const char *pd = strstr(s, "pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web-");
    const char *pk = strstr(s, "pod_cpu_usage_seconds_total{namespace=\"kube-system\",");
    assert_true(pd && pk && pd < pk);
    /* start time: seconds as float, no timestamp (>= 1.29); T0 - 3000 s = 1749997000 */
    assert_non_null(strstr(s, "container_start_time_seconds{container=\"kube-proxy\","
                              "namespace=\"kube-system\",pod=\"kube-proxy-abcde\"} "
                              "1.749997e+09\n"));
    /* excluded pods */
    assert_null(strstr(s, "pod=\"other\""));
    assert_null(strstr(s, "pod=\"pending\""));
    /* memory of the node = overhead + containers, formatted as Go does */
    struct sim_usage nu = sim_model_node_usage(3, &f.node, f.pods, 4);
    long long ms;
    double mem = series_value(s, "\nnode_memory_working_set_bytes ", &ms);
    assert_true(mem == (double)nu.memory_bytes);
    buf_cleanup(&b);
}

/* Rate between two samples one housekeeping interval apart == the true demand. */
static void test_rate_equals_truth(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, "v1.32.5");
    const int64_t iv = 1 * SEC;
    struct buf b1, b2;
    buf_init(&b1, 1 << 20);
    buf_init(&b2, 1 << 20);
    assert_int_equal(sim_model_render_resource(&b1, 9, &f.node, f.pods, 4, T0, iv), 0);
    assert_int_equal(sim_model_render_resource(&b2, 9, &f.node, f.pods, 4, T0 + iv, iv), 0);
    const char *k = "container_cpu_usage_seconds_total{container=\"kube-proxy\","
                    "namespace=\"kube-system\",pod=\"kube-proxy-abcde\"} ";
    long long t1, t2;
    double c1 = series_value(buf_str(&b1), k, &t1);
    double c2 = series_value(buf_str(&b2), k, &t2);
    assert_int_equal(t2 - t1, 1000);
    struct sim_usage d =
        sim_model_container_demand(9, "kube-system", "kube-proxy-abcde", "kube-proxy");
    double rate = (c2 - c1) / ((double)(t2 - t1) / 1000.0); /* cores */
    assert_true(fabs(rate * 1e9 - (double)d.cpu_nanocores) < 2.0);
    /* the node counter's rate is the node's total usage */
    double n1 = series_value(buf_str(&b1), "\nnode_cpu_usage_seconds_total ", &t1);
    double n2 = series_value(buf_str(&b2), "\nnode_cpu_usage_seconds_total ", &t2);
    struct sim_usage nu = sim_model_node_usage(9, &f.node, f.pods, 4);
    rate = (n2 - n1) / ((double)(t2 - t1) / 1000.0);
    assert_true(fabs(rate * 1e9 - (double)nu.cpu_nanocores) < 10.0);
    /* a re-read inside the same interval returns the identical payload */
    struct buf b3;
    buf_init(&b3, 1 << 20);
    int64_t s0 = sim_model_sample_ns(9, "sim-node-0001", 0, T0, iv);
    (void)s0;
    assert_int_equal(sim_model_render_resource(&b3, 9, &f.node, f.pods, 4, T0, iv), 0);
    assert_string_equal(buf_str(&b1), buf_str(&b3));
    buf_cleanup(&b1);
    buf_cleanup(&b2);
    buf_cleanup(&b3);
}

static void test_render_versions(void **state)
{
    (void)state;
    struct fixture f;
    struct buf b;
    buf_init(&b, 1 << 20);

    fixture_init(&f, "v1.25.3");
    assert_int_equal(sim_model_render_resource(&b, 3, &f.node, f.pods, 4, T0, 10 * SEC), 0);
    assert_non_null(strstr(buf_str(&b), "# HELP container_cpu_usage_seconds_total [ALPHA] "));
    assert_non_null(strstr(buf_str(&b), "\nscrape_error 0\n"));
    assert_null(strstr(buf_str(&b), "resource_scrape_error"));
    /* 1.22-1.28: start time carries a timestamp equal to the start (ms) */
    assert_non_null(strstr(buf_str(&b), "pod=\"kube-proxy-abcde\"} 1.749997e+09 1749997000000\n"));

    buf_reset(&b);
    fixture_init(&f, "v1.21.1");
    assert_int_equal(sim_model_render_resource(&b, 3, &f.node, f.pods, 4, T0, 10 * SEC), 0);
    assert_null(strstr(buf_str(&b), "container_start_time_seconds"));
    assert_non_null(strstr(buf_str(&b), "\nscrape_error 0\n"));

    buf_reset(&b);
    fixture_init(&f, "v1.17.0");
    assert_int_equal(sim_model_render_resource(&b, 3, &f.node, f.pods, 4, T0, 10 * SEC), -ENOENT);
    fixture_init(&f, "garbage");
    assert_int_equal(sim_model_render_resource(&b, 3, &f.node, f.pods, 4, T0, 10 * SEC), -EINVAL);
    buf_cleanup(&b);

    /* a full buffer is an error, never a truncated payload reported as success */
    fixture_init(&f, "v1.32.5");
    buf_init(&b, 300);
    assert_int_equal(sim_model_render_resource(&b, 3, &f.node, f.pods, 4, T0, 10 * SEC), -ENOSPC);
    buf_cleanup(&b);

    /* a node with no pods still reports the node series */
    buf_init(&b, 1 << 20);
    assert_int_equal(sim_model_render_resource(&b, 3, &f.node, NULL, 0, T0, 10 * SEC), 0);
    assert_int_equal(count_lines(buf_str(&b), "node_cpu_usage_seconds_total "), 1);
    assert_int_equal(count_lines(buf_str(&b), "container_cpu_usage_seconds_total{"), 0);
    buf_cleanup(&b);
}

/* The truth document agrees with the model for a generated world (and with the kubelet payload:
 * the node counter's rate between two samples equals the truth's node CPU). */
static void test_truth(void **state)
{
    (void)state;
    struct store *st = store_new();
    struct world_config cfg = { .nodes = 3, .seed = 5, .now_ns = T0 - 3600 * SEC };
    char err[256];
    assert_int_equal(world_populate(st, &cfg, err, sizeof err), 0);
    struct buf b;
    buf_init(&b, 1 << 20);
    struct json_writer *w = json_writer_new(&b);
    store_rdlock(st);
    assert_int_equal(sim_model_truth_json(w, 5, st, T0), 0);
    assert_int_equal(json_writer_finish(w, err, sizeof err), 0);
    json_writer_free(w);

    struct store_page pods = { 0 };
    struct store_query all = { 0 };
    assert_int_equal(store_query(st, SIM_KIND_POD, &all, &pods), 0);
    const struct sim_node *n1 = sim_as_node(store_get(st, SIM_KIND_NODE, NULL, "sim-node-0001"));
    assert_non_null(n1);
    struct sim_usage want =
        sim_model_node_usage(5, n1, (const struct sim_pod *const *)pods.items, pods.n);
    char line[256];
    snprintf(line, sizeof line,
             "{\"name\":\"sim-node-0001\",\"cpuNanocores\":%lld,\"memoryBytes\":%lld}",
             (long long)want.cpu_nanocores, (long long)want.memory_bytes);
    if (!strstr(buf_str(&b), line))
        fail_msg("truth lacks %s:\n%s", line, buf_str(&b));
    assert_non_null(strstr(buf_str(&b), "\"kind\":\"SimTruth\""));
    assert_non_null(strstr(buf_str(&b), "\"name\":\"sim-node-0003\""));
    /* a kube-proxy pod with its container */
    struct sim_usage kp = { 0, 0 };
    for (size_t i = 0; i < pods.n; i++) {
        const struct sim_pod *p = sim_as_pod(pods.items[i]);
        if (strncmp(p->obj.meta.name, "kube-proxy-", 11) == 0) {
            kp = sim_model_container_demand(5, p->obj.meta.namespace, p->obj.meta.name,
                                            "kube-proxy");
            break;
        }
    }
    snprintf(line, sizeof line,
             "{\"name\":\"kube-proxy\",\"cpuNanocores\":%lld,\"memoryBytes\":%lld}",
             (long long)kp.cpu_nanocores, (long long)kp.memory_bytes);
    assert_non_null(strstr(buf_str(&b), line));

    /* rate of node 1's counter over one interval == the truth's node CPU */
    struct buf m1, m2;
    buf_init(&m1, 1 << 20);
    buf_init(&m2, 1 << 20);
    const struct sim_pod *const *pp = (const struct sim_pod *const *)pods.items;
    assert_int_equal(sim_model_render_resource(&m1, 5, n1, pp, pods.n, T0, SEC), 0);
    assert_int_equal(sim_model_render_resource(&m2, 5, n1, pp, pods.n, T0 + SEC, SEC), 0);
    long long t1, t2;
    double c1 = series_value(buf_str(&m1), "\nnode_cpu_usage_seconds_total ", &t1);
    double c2 = series_value(buf_str(&m2), "\nnode_cpu_usage_seconds_total ", &t2);
    assert_int_equal(t2 - t1, 1000);
    assert_true(fabs((c2 - c1) * 1e9 - (double)want.cpu_nanocores) < 10.0);
    store_page_cleanup(&pods);
    store_unlock(st);
    buf_cleanup(&m1);
    buf_cleanup(&m2);
    buf_cleanup(&b);
    store_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_float),        cmocka_unit_test(test_kubelet_minor),
        cmocka_unit_test(test_cpu_integration), cmocka_unit_test(test_housekeeping),
        cmocka_unit_test(test_demand),          cmocka_unit_test(test_node_usage),
        cmocka_unit_test(test_render_stable),   cmocka_unit_test(test_rate_equals_truth),
        cmocka_unit_test(test_render_versions), cmocka_unit_test(test_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
