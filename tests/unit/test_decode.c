/* Unit tests for metrics/decode: the real kubelet /metrics/resource payloads of the shared test
 * data (expected numbers read off the payloads: value × 1e9 truncated as Go's uint64(float64)),
 * the reference's drop rules, kgauge's partial results, strict mode, the node_batch helpers and
 * `kgauge scrape`. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "json/json.h"
#include "metrics/decode.h"
#include "metrics/scrapecmd.h"
#include "util/alloc.h"
#include "util/limits.h"

#define MS(x) (INT64_C(x) * 1000000)
#define DEFAULT_TS INT64_C(1700000000123000000)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            data = xrealloc(data, cap + 1);
        }
        size_t r = fread(data + n, 1, cap - n, f);
        if (!r)
            break;
        n += r;
    }
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
}

static const char *testdata(void)
{
    const char *d = getenv("KGAUGE_TESTDATA");
    return d && *d ? d : NULL;
}

static char *load_fixture(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/kubelet/metrics-resource/%s", testdata(), name);
    char *d = slurp(path, len);
    if (!d)
        fail_msg("cannot read %s", path);
    return d;
}

static const struct container_sample *find(const struct node_batch *b, const char *ns,
                                           const char *pod, const char *c)
{
    for (size_t i = 0; i < b->ncontainers; i++) {
        const struct container_sample *s = &b->containers[i];
        if (!strcmp(s->namespace, ns) && !strcmp(s->pod, pod) && !strcmp(s->container, c))
            return s;
    }
    return NULL;
}

static size_t count_pods(const struct node_batch *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->ncontainers; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = !strcmp(b->containers[j].namespace, b->containers[i].namespace) &&
                   !strcmp(b->containers[j].pod, b->containers[i].pod);
        n += !seen;
    }
    return n;
}

static struct node_batch *dec(const char *text, unsigned flags, int64_t deft)
{
    struct decode_opts o = { "node-1", deft, flags };
    struct node_batch *b = NULL;
    char err[KG_ERRBUF];
    int rc = decode_resource(text, strlen(text), &o, &b, err, sizeof(err));
    if (rc)
        fail_msg("decode_resource: %d %s", rc, err);
    if (node_batch_check(b, err, sizeof(err)))
        fail_msg("invariant: %s", err);
    return b;
}

static void expect_point(const struct sample_point *p, int64_t ts, int64_t start, uint64_t cpu,
                         uint64_t mem)
{
    assert_int_equal(p->timestamp_ns, ts);
    assert_int_equal(p->start_time_ns, start);
    assert_int_equal(p->cpu_ns, cpu);
    assert_int_equal(p->memory_bytes, mem);
    assert_true(p->has_cpu && p->has_memory);
}

/* ---- shared test data ---- */

static void test_fixture_kind_121(void **state)
{
    (void)state;
    if (!testdata()) {
        skip();
        return;
    }
    size_t len;
    char *d = load_fixture("01_kind-v1.21_metrics-server-repo-client_test.prom", &len);
    struct decode_opts o = { "e2e-control-plane", DEFAULT_TS, 0 };
    struct node_batch *b;
    char err[KG_ERRBUF];
    assert_int_equal(decode_resource(d, len, &o, &b, err, sizeof(err)), 0);
    assert_int_equal(node_batch_check(b, err, sizeof(err)), 0);
    assert_string_equal(b->node, "e2e-control-plane");
    assert_int_equal(b->nerrors, 0);
    assert_null(b->first_error);
    /* 70 pods with one container each (metrics-server's client_test expects 1 node, 70 pods) */
    assert_int_equal(b->ncontainers, 70);
    assert_int_equal(count_pods(b), 70);
    assert_true(b->has_node);
    /* node_cpu_usage_seconds_total 357.35491 1633253809720; memory 1.616273408e+09 */
    expect_point(&b->node_point, MS(1633253809720), 0, UINT64_C(357354910000), 1616273408);
    assert_false(b->node_point.has_swap);
    /* first container line; no start-time metric before kubelet 1.22 */
    assert_string_equal(b->containers[0].container, "coredns");
    const struct container_sample *c =
        find(b, "kube-system", "coredns-558bd4d5db-4dpjz", "coredns");
    assert_non_null(c);
    expect_point(&c->point, MS(1633253812125), 0, UINT64_C(4710169000), 12533760);
    c = find(b, "kube-system", "coredns-558bd4d5db-kjc9p", "coredns");
    expect_point(&c->point, MS(1633253814708), 0, UINT64_C(4612431000), 11841536);
    c = find(b, "sleeper-1", "sleeper-9-5744dbc77c-q6mg9", "sleeper");
    expect_point(&c->point, MS(1633253813998), 0, UINT64_C(1055063000), 495616);
    /* pod strings are shared: every kube-system container points at one namespace string */
    const char *ks = NULL;
    for (size_t i = 0; i < b->ncontainers; i++) {
        if (strcmp(b->containers[i].namespace, "kube-system"))
            continue;
        if (!ks)
            ks = b->containers[i].namespace;
        assert_ptr_equal(b->containers[i].namespace, ks);
    }
    node_batch_free(b);
    free(d);
}

static void test_fixture_kind_2024(void **state)
{
    (void)state;
    if (!testdata()) {
        skip();
        return;
    }
    size_t len;
    char *d = load_fixture("03_kind-2024-01_songleo-blog.prom", &len);
    struct node_batch *b;
    char err[KG_ERRBUF];
    assert_int_equal(decode_resource(d, len, NULL, &b, err, sizeof(err)), 0);
    assert_int_equal(node_batch_check(b, err, sizeof(err)), 0);
    assert_null(b->node);
    assert_int_equal(b->nerrors, 0);
    assert_int_equal(b->ncontainers, 12);
    assert_int_equal(count_pods(b), 9);
    /* node_cpu_usage_seconds_total 5716.152579; memory 2.642427904e+09; ts 1704815761870 */
    expect_point(&b->node_point, MS(1704815761870), 0, UINT64_C(5716152579000), 2642427904);
    /* the start-time line carries its own timestamp (1704801726697, kubelet 1.22-1.28):
     * ignored, the point's timestamp is the cpu/memory one. Start = 1.704801726697293e+09 s. */
    const struct container_sample *c = find(b, "awx", "awx-web-5d5d7ccf85-7jjgm", "awx-web");
    expect_point(&c->point, MS(1704815757326), INT64_C(1704801726697293056), UINT64_C(60113340000),
                 964734976);
    c = find(b, "awx", "awx-web-5d5d7ccf85-7jjgm", "redis");
    expect_point(&c->point, MS(1704815765480), INT64_C(1704801726499306496), UINT64_C(28026551000),
                 11104256);
    c = find(b, "awx", "awx-operator-controller-manager-7577b7567d-pjzp5", "awx-manager");
    expect_point(&c->point, MS(1704815762740), INT64_C(1704801651080638976), UINT64_C(176721419000),
                 37474304);
    c = find(b, "default", "nginx-57d84f57dc-4497c", "nginx");
    expect_point(&c->point, MS(1704815758476), INT64_C(1704802901411090944), UINT64_C(92544000),
                 7729152);
    /* the three containers of awx-web share one pod string */
    const struct container_sample *w = find(b, "awx", "awx-web-5d5d7ccf85-7jjgm", "awx-rsyslog");
    assert_ptr_equal(w->pod, find(b, "awx", "awx-web-5d5d7ccf85-7jjgm", "redis")->pod);
    assert_ptr_equal(w->pod, find(b, "awx", "awx-web-5d5d7ccf85-7jjgm", "awx-web")->pod);
    node_batch_free(b);
    free(d);
}

static void test_fixture_eks_130(void **state)
{
    (void)state;
    if (!testdata()) {
        skip();
        return;
    }
    size_t len;
    char *d = load_fixture("05_eks-k8s-ge1.30-2025-06_ersilia-hub.prom", &len);
    struct decode_opts o = { NULL, DEFAULT_TS, 0 };
    struct node_batch *b;
    char err[KG_ERRBUF];
    assert_int_equal(decode_resource(d, len, &o, &b, err, sizeof(err)), 0);
    assert_int_equal(node_batch_check(b, err, sizeof(err)), 0);
    assert_int_equal(b->nerrors, 0);
    assert_int_equal(b->ncontainers, 12);
    assert_int_equal(count_pods(b), 9);
    expect_point(&b->node_point, MS(1750705774670), 0, UINT64_C(6197005020909), 1137475584);
    /* STABLE format: start time without a timestamp (1.7506078418297591e+09 s) */
    const struct container_sample *c =
        find(b, "kube-system", "aws-node-7k649", "aws-eks-nodeagent");
    expect_point(&c->point, MS(1750705768415), INT64_C(1750607841829759232), UINT64_C(40384910049),
                 17391616);
    c = find(b, "ersilia-core", "ersilia-hub-postgresql-0", "postgresql");
    expect_point(&c->point, MS(1750705769183), INT64_C(1750607876466787072), UINT64_C(753998393487),
                 47992832);
    c = find(b, "ersilia-core", "ersilia-hub-server-78554c56f7-klmrl", "server");
    expect_point(&c->point, MS(1750705767237), INT64_C(1750607911891655424), UINT64_C(422097108038),
                 197271552);
    /* ebs-csi-node-v6cqf has three containers */
    assert_non_null(find(b, "kube-system", "ebs-csi-node-v6cqf", "ebs-plugin"));
    assert_non_null(find(b, "kube-system", "ebs-csi-node-v6cqf", "liveness-probe"));
    assert_non_null(find(b, "kube-system", "ebs-csi-node-v6cqf", "node-driver-registrar"));
    node_batch_free(b);
    free(d);
}

/* Every payload in the directory decodes without error, in both modes, with the invariants. */
static void test_fixture_all(void **state)
{
    (void)state;
    if (!testdata()) {
        skip();
        return;
    }
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/kubelet/metrics-resource", testdata());
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(dp)) != NULL) {
        if (!strstr(de->d_name, ".prom"))
            continue;
        size_t len;
        char *d = load_fixture(de->d_name, &len);
        for (unsigned flags = 0; flags < 4; flags++) {
            struct node_batch *b;
            char err[KG_ERRBUF];
            struct decode_opts o = { "n", DEFAULT_TS, flags };
            if (decode_resource(d, len, &o, &b, err, sizeof(err)))
                fail_msg("%s: %s", de->d_name, err);
            if (node_batch_check(b, err, sizeof(err)) || b->nerrors || !b->has_node ||
                b->ncontainers < 12)
                fail_msg("%s: %s nerrors %zu", de->d_name, err, b->nerrors);
            node_batch_free(b);
        }
        free(d);
        n++;
    }
    closedir(dp);
    assert_true(n >= 3);
}

/* ---- reference behaviour (spec §3.4) ---- */

#define NODE_OK                                                                                    \
    "node_cpu_usage_seconds_total 10.5 1000\n"                                                     \
    "node_memory_working_set_bytes 2048 1000\n"

static void test_no_timestamps_use_default(void **state)
{
    (void)state;
    struct node_batch *b = dec("node_cpu_usage_seconds_total 357.35491\n"
                               "node_memory_working_set_bytes 1.616273408e+09\n"
                               "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\","
                               "pod=\"p\"} 4.710169\n"
                               "container_memory_working_set_bytes{container=\"c\",namespace="
                               "\"n\",pod=\"p\"} 1.253376e+07\n",
                               0, DEFAULT_TS);
    assert_true(b->has_node);
    expect_point(&b->node_point, DEFAULT_TS, 0, UINT64_C(357354910000), 1616273408);
    assert_int_equal(b->ncontainers, 1);
    expect_point(&b->containers[0].point, DEFAULT_TS, 0, UINT64_C(4710169000), 12533760);
    assert_int_equal(b->nerrors, 0);
    node_batch_free(b);

    /* without a default time, there is no timestamp at all: node and pod dropped */
    b = dec("node_cpu_usage_seconds_total 357.35491\n"
            "node_memory_working_set_bytes 1.616273408e+09\n"
            "container_cpu_usage_seconds_total{container=\"c\",namespace=\"n\",pod=\"p\"} 1\n"
            "container_memory_working_set_bytes{container=\"c\",namespace=\"n\",pod=\"p\"} 1\n",
            0, 0);
    assert_false(b->has_node);
    assert_int_equal(b->ncontainers, 0);
    assert_int_equal(b->nerrors, 2);
    assert_string_equal(b->first_error, "node: no timestamp, node sample dropped");
    node_batch_free(b);
}

static void test_timestamp_is_last_cpu_or_memory(void **state)
{
    (void)state;
    struct node_batch *b = dec("container_cpu_usage_seconds_total{container=\"c\",namespace="
                               "\"n\",pod=\"p\"} 1 1000\n"
                               "container_memory_working_set_bytes{container=\"c\",namespace="
                               "\"n\",pod=\"p\"} 2 2000\n"
                               "container_start_time_seconds{container=\"c\",namespace=\"n\","
                               "pod=\"p\"} 0.5 3000\n"
                               "container_swap_usage_bytes{container=\"c\",namespace=\"n\","
                               "pod=\"p\"} 4096 4000\n",
                               0, DEFAULT_TS);
    assert_int_equal(b->ncontainers, 1);
    const struct sample_point *p = &b->containers[0].point;
    expect_point(p, MS(2000), 500000000, 1000000000, 2);
    assert_true(p->has_swap);
    assert_int_equal(p->swap_bytes, 4096);
    assert_false(b->has_node); /* no node lines: not an error */
    assert_int_equal(b->nerrors, 0);
    node_batch_free(b);
}

static void test_node_only_and_node_drop(void **state)
{
    (void)state;
    struct node_batch *b = dec(NODE_OK "node_swap_usage_bytes 1e6 1000\n", 0, 0);
    assert_true(b->has_node);
    expect_point(&b->node_point, MS(1000), 0, UINT64_C(10500000000), 2048);
    assert_true(b->node_point.has_swap);
    assert_int_equal(b->node_point.swap_bytes, 1000000);
    assert_int_equal(b->ncontainers, 0);
    node_batch_free(b);

    /* zero CPU or missing memory: node dropped, counted */
    b = dec("node_cpu_usage_seconds_total 0 1000\nnode_memory_working_set_bytes 5 1000\n", 0, 0);
    assert_false(b->has_node);
    assert_int_equal(b->nerrors, 1);
    assert_string_equal(b->first_error, "node: zero CPU usage, node sample dropped");
    node_batch_free(b);
    b = dec("node_cpu_usage_seconds_total 1 1000\n", 0, 0);
    assert_false(b->has_node);
    assert_string_equal(b->first_error, "node: no memory working set, node sample dropped");
    node_batch_free(b);
}

#define C(metric, c, p, rest)                                                                      \
    metric "{container=\"" c "\",namespace=\"ns\",pod=\"" p "\"} " rest "\n"

static void test_incomplete_container_drops_pod(void **state)
{
    (void)state;
    const char *in = NODE_OK C("container_cpu_usage_seconds_total", "a", "p1", "1 1000")
        C("container_cpu_usage_seconds_total", "b", "p1", "0 1000")
            C("container_cpu_usage_seconds_total", "a", "p2", "3 1000")
                C("container_memory_working_set_bytes", "a", "p1", "10 1000")
                    C("container_memory_working_set_bytes", "b", "p1", "20 1000")
                        C("container_memory_working_set_bytes", "a", "p2", "30 1000")
                            C("container_start_time_seconds", "new", "p2", "100");
    /* reference: p1 has a zero-CPU container → whole pod dropped; p2 has a container with only a
     * start time → whole pod dropped */
    struct node_batch *b = dec(in, 0, DEFAULT_TS);
    assert_true(b->has_node);
    assert_int_equal(b->ncontainers, 0);
    assert_int_equal(b->nerrors, 2);
    assert_string_equal(b->first_error, "container ns/p1/b: zero CPU usage, pod dropped");
    node_batch_free(b);
    /* kgauge option: keep the complete containers */
    b = dec(in, DECODE_KEEP_PARTIAL_PODS, DEFAULT_TS);
    assert_int_equal(b->ncontainers, 2);
    assert_non_null(find(b, "ns", "p1", "a"));
    assert_non_null(find(b, "ns", "p2", "a"));
    assert_int_equal(b->nerrors, 2);
    assert_string_equal(b->first_error, "container ns/p1/b: zero CPU usage, container dropped");
    node_batch_free(b);

    /* an all-zero entry (explicit zero timestamp, zero values) is ignored silently */
    b = dec(C("container_cpu_usage_seconds_total", "a", "p", "0 0")
                C("container_cpu_usage_seconds_total", "b", "p", "1 5")
                    C("container_memory_working_set_bytes", "b", "p", "1 5"),
            0, 0);
    assert_int_equal(b->ncontainers, 1);
    assert_string_equal(b->containers[0].container, "b");
    assert_int_equal(b->nerrors, 0);
    node_batch_free(b);
}

static void test_name_matching(void **state)
{
    (void)state;
    /* a longer name sharing the prefix is another metric; pod_* and scrape errors are ignored;
     * the kubelet 1.18.0 names without _total are read */
    struct node_batch *b =
        dec("node_cpu_usage_seconds 2 1000\n"
            "node_memory_working_set_bytes 3 1000\n"
            "node_cpu_usage_seconds_total_foo 99 1000\n" C("container_cpu_usage_seconds", "a", "p",
                                                           "1 1000")
                C("container_cpu_usage_seconds_total_foo", "a", "p", "77 1000")
                    C("container_memory_working_set_bytes", "a", "p",
                      "4 1000") "pod_cpu_usage_seconds_total{namespace=\"ns\",pod=\"p\"} 5 1000\n"
                                "resource_scrape_error 1\nscrape_error 1\n",
            0, 0);
    assert_true(b->has_node);
    assert_int_equal(b->node_point.cpu_ns, 2000000000);
    assert_int_equal(b->ncontainers, 1);
    assert_int_equal(b->containers[0].point.cpu_ns, 1000000000);
    assert_int_equal(b->nerrors, 0);
    node_batch_free(b);
}

/* ---- partial results (kgauge) and strict mode (reference) ---- */

static void test_malformed_lines_lose_only_themselves(void **state)
{
    (void)state;
    const char *in = NODE_OK
        /* p1: fine */
        C("container_cpu_usage_seconds_total", "a", "p1", "1 1000")
            C("container_memory_working_set_bytes", "a", "p1", "1 1000")
        /* p2: cpu is NaN → container incomplete → p2 dropped */
        C("container_cpu_usage_seconds_total", "a", "p2", "NaN 1000")
            C("container_memory_working_set_bytes", "a", "p2", "1 1000")
        /* p3: negative memory */
        C("container_cpu_usage_seconds_total", "a", "p3", "1 1000")
            C("container_memory_working_set_bytes", "a", "p3", "-5 1000")
        /* p4: +Inf and a huge value (> 2^64 ns) */
        C("container_cpu_usage_seconds_total", "a", "p4", "+Inf 1000")
            C("container_memory_working_set_bytes", "a", "p4", "1e30 1000")
        /* p5: bad escape in a label: the line cannot be attributed, p5 lacks cpu */
        "container_cpu_usage_seconds_total{container=\"a\\q\",namespace=\"ns\",pod=\"p5\"} 1 "
        "1000\n" C("container_memory_working_set_bytes", "a", "p5", "1 1000")
        /* p6: the start-time line is broken: only the start time is lost */
        C("container_cpu_usage_seconds_total", "a", "p6", "1 1000")
            C("container_memory_working_set_bytes", "a", "p6", "1 1000")
                C("container_start_time_seconds", "a", "p6", "soon")
        /* p7: duplicate series: the first one wins */
        C("container_cpu_usage_seconds_total", "a", "p7", "7 1000")
            C("container_cpu_usage_seconds_total", "a", "p7", "8 2000")
                C("container_memory_working_set_bytes", "a", "p7", "7 1000")
        /* missing pod label, garbage line, timestamp overflowing ns */
        "container_cpu_usage_seconds_total{container=\"a\",namespace=\"ns\"} 1 1000\n"
        "{ not prometheus\n" C("container_cpu_usage_seconds_total", "a", "p8", "1 9223372036855")
            C("container_memory_working_set_bytes", "a", "p8", "1 1000");
    struct node_batch *b = dec(in, 0, DEFAULT_TS);
    assert_true(b->has_node);
    expect_point(&b->node_point, MS(1000), 0, UINT64_C(10500000000), 2048);
    assert_int_equal(b->ncontainers, 3); /* p1, p6, p7 */
    assert_non_null(find(b, "ns", "p1", "a"));
    const struct container_sample *c = find(b, "ns", "p6", "a");
    assert_non_null(c);
    assert_int_equal(c->point.start_time_ns, 0);
    c = find(b, "ns", "p7", "a");
    expect_point(&c->point, MS(1000), 0, 7000000000, 7);
    /* p8's cpu line had an out-of-range timestamp: the container is still complete (the memory
     * line has a timestamp) but has no cpu → dropped. */
    assert_null(find(b, "ns", "p8", "a"));
    assert_null(find(b, "ns", "p2", "a"));
    /* lines: NaN, -5, +Inf, 1e30, bad escape, "soon", duplicate, missing pod, garbage, ts = 10;
     * incomplete containers: p2, p3, p5, p8 = 4 (both of p4's lines were lost, so p4 never
     * existed) */
    assert_int_equal(b->nerrors, 14);
    assert_string_equal(b->first_error, "line 5: container_cpu_usage_seconds_total: CPU usage "
                                        "value nan is not usable");
    node_batch_free(b);

    /* strict (reference): the first malformed line fails everything */
    struct decode_opts o = { NULL, DEFAULT_TS, DECODE_STRICT };
    char err[KG_ERRBUF];
    assert_int_equal(decode_resource(in, strlen(in), &o, &b, err, sizeof(err)), -EINVAL);
    assert_null(b);
    assert_string_equal(err, "line 5: container_cpu_usage_seconds_total: CPU usage value nan is "
                             "not usable");
    /* strict also validates families kgauge does not read */
    const char *bad_other = NODE_OK "pod_cpu_usage_seconds_total{pod=\"x} 1\n";
    assert_int_equal(decode_resource(bad_other, strlen(bad_other), &o, &b, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "line 3: unterminated value of label pod"));
    b = dec(bad_other, 0, 0);
    assert_true(b->has_node);
    assert_int_equal(b->nerrors, 0); /* not read, not validated */
    node_batch_free(b);
    /* a negative timestamp is a syntax error (reference: "negative timestamp → error") */
    const char *neg = NODE_OK "node_cpu_usage_seconds_total 1 -62135596800000\n";
    assert_int_equal(decode_resource(neg, strlen(neg), &o, &b, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "line 3: invalid timestamp \"-62135596800000\""));
}

static void test_escaped_labels_and_limits(void **state)
{
    (void)state;
    /* escapes are decoded (Kubernetes names never hold them, but the format allows it) */
    struct node_batch *b =
        dec("container_cpu_usage_seconds_total{pod=\"p\\\\1\",namespace=\"n\\\"s\",container="
            "\"c\\nx\"} 1 1000\n"
            "container_memory_working_set_bytes{container=\"c\\nx\",namespace=\"n\\\"s\",pod="
            "\"p\\\\1\"} 1 1000\n",
            0, 0);
    assert_int_equal(b->ncontainers, 1);
    assert_string_equal(b->containers[0].namespace, "n\"s");
    assert_string_equal(b->containers[0].pod, "p\\1");
    assert_string_equal(b->containers[0].container, "c\nx");
    node_batch_free(b);

    /* empty label value */
    b = dec("container_cpu_usage_seconds_total{container=\"\",namespace=\"n\",pod=\"p\"} 1 1\n", 0,
            0);
    assert_int_equal(b->nerrors, 1);
    assert_string_equal(b->first_error,
                        "line 1: container_cpu_usage_seconds_total: empty label container");
    node_batch_free(b);

    /* body limit */
    char err[KG_ERRBUF];
    assert_int_equal(
        decode_resource("x", (size_t)KG_MAX_KUBELET_BODY + 1, NULL, &b, err, sizeof(err)), -E2BIG);
    assert_null(b);
    assert_non_null(strstr(err, "exceeds the limit"));

    /* empty payload: empty batch */
    b = dec("", 0, 0);
    assert_int_equal(b->ncontainers, 0);
    assert_false(b->has_node);
    assert_int_equal(b->nerrors, 0);
    node_batch_free(b);
}

static void test_many_containers(void **state)
{
    (void)state;
    /* 3,000 pods × 2 containers: exercises table growth; order of first appearance kept */
    size_t cap = 3000 * 2 * 2 * 120, o = 0;
    char *in = xmalloc(cap);
    for (int m = 0; m < 2; m++) {
        for (int p = 0; p < 3000; p++) {
            for (int c = 0; c < 2; c++)
                o += (size_t)snprintf(in + o, cap - o,
                                      "%s{container=\"c%d\",namespace=\"ns%d\",pod=\"pod-%d\"} "
                                      "%d 1000\n",
                                      m ? "container_memory_working_set_bytes"
                                        : "container_cpu_usage_seconds_total",
                                      c, p % 7, p, p + 1);
        }
    }
    struct node_batch *b = dec(in, 0, 0);
    assert_int_equal(b->ncontainers, 6000);
    assert_int_equal(b->nerrors, 0);
    for (int p = 0; p < 3000; p += 499) {
        const struct container_sample *c = &b->containers[p * 2 + 1];
        char want[32];
        snprintf(want, sizeof(want), "pod-%d", p);
        assert_string_equal(c->pod, want);
        assert_string_equal(c->container, "c1");
        assert_int_equal(c->point.cpu_ns, (uint64_t)(p + 1) * 1000000000u);
        assert_int_equal(c->point.memory_bytes, (uint64_t)(p + 1));
        assert_ptr_equal(c->pod, b->containers[p * 2].pod);
    }
    node_batch_free(b);
    free(in);
}

/* ---- node_batch helpers ---- */

static void test_batch_helpers(void **state)
{
    (void)state;
    struct node_batch *b = node_batch_new("n1", 0);
    assert_string_equal(b->node, "n1");
    struct sample_point pt = { 5, 0, 7, 9, 0, 1, 1, 0 };
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%d", i);
        struct container_sample *c = node_batch_add(b, "ns", i < 20 ? "p" : "q", name, &pt);
        assert_string_equal(c->container, name);
    }
    assert_int_equal(b->ncontainers, 40);
    assert_ptr_equal(b->containers[0].pod, b->containers[19].pod);
    assert_ptr_equal(b->containers[0].namespace, b->containers[39].namespace);
    assert_string_equal(b->containers[39].pod, "q");
    char err[KG_ERRBUF];
    assert_int_equal(node_batch_check(b, err, sizeof(err)), 0);

    node_batch_error(b, "first %d", 1);
    node_batch_error(b, "second");
    assert_int_equal(b->nerrors, 2);
    assert_string_equal(b->first_error, "first 1");
    assert_int_equal(node_batch_check(b, err, sizeof(err)), 0);

    node_batch_add(b, "ns", "p", "c3", &pt);
    assert_int_equal(node_batch_check(b, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "container ns/p/c3 appears twice");
    b->ncontainers--;
    b->containers[0].point.cpu_ns = 0;
    assert_int_equal(node_batch_check(b, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "container ns/p/c0: point incomplete");
    b->containers[0].point.cpu_ns = 1;
    b->has_node = 1;
    assert_int_equal(node_batch_check(b, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "node point incomplete");
    b->has_node = 0;
    b->first_error = NULL;
    assert_int_equal(node_batch_check(b, err, sizeof(err)), -EINVAL);
    node_batch_free(b);
    node_batch_free(NULL);

    b = node_batch_new(NULL, 128);
    assert_null(b->node);
    node_batch_free(b);
}

/* ---- kgauge scrape ---- */

static char *run_scrape(int argc, char **argv, int *status)
{
    char out[] = "/tmp/kgauge-scrape-out-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    *status = scrape_main(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fd);
    size_t len;
    char *text = slurp(out, &len);
    unlink(out);
    return text;
}

static void test_scrape_cmd(void **state)
{
    (void)state;
    char in[] = "/tmp/kgauge-scrape-in-XXXXXX";
    int fd = mkstemp(in);
    assert_true(fd >= 0);
    const char *payload = NODE_OK C("container_cpu_usage_seconds_total", "a", "p", "1.5")
        C("container_memory_working_set_bytes", "a", "p", "100")
            C("container_start_time_seconds", "a", "p", "1700000000") "broken-line 1\n";
    assert_int_equal(write(fd, payload, strlen(payload)), (ssize_t)strlen(payload));
    close(fd);

    char *argv[] = { "scrape",    "--file", in, "--node=n1", "--time", "2023-11-14T22:13:20.5Z",
                     "--compact", NULL };
    int status;
    char *out = run_scrape(7, argv, &status);
    assert_int_equal(status, 0);
    assert_string_equal(
        out, "{\"format\":\"prom\",\"node\":\"n1\",\"nodeSample\":{\"timestamp\":\"1970-01-01T00:"
             "00:01Z\",\"cpuNanoseconds\":10500000000,\"memoryBytes\":2048},\"containers\":[{"
             "\"namespace\":\"ns\",\"pod\":\"p\",\"container\":\"a\",\"timestamp\":\"2023-11-"
             "14T22:13:20.5Z\",\"startTime\":\"2023-11-14T22:13:20Z\",\"cpuNanoseconds\":"
             "1500000000,\"memoryBytes\":100}],\"errors\":1,\"firstError\":\"line 6: invalid "
             "character '-' after metric name \\\"broken\\\"\"}\n");
    free(out);

    /* indented output parses as JSON */
    char *argv2[] = { "scrape", "--file", in, "--format", "prom", NULL };
    out = run_scrape(5, argv2, &status);
    assert_int_equal(status, 0);
    struct json_doc *doc;
    char err[KG_ERRBUF];
    assert_int_equal(json_parse(out, strlen(out), &doc, err, sizeof(err)), 0);
    const char *s;
    assert_int_equal(
        json_get_string(json_doc_root(doc), "containers[0].pod", &s, NULL, err, sizeof(err)), 0);
    assert_string_equal(s, "p");
    json_doc_free(doc);
    free(out);

    /* --strict: exit 1 */
    char *argv3[] = { "scrape", "--file", in, "--strict", NULL };
    out = run_scrape(4, argv3, &status);
    assert_int_equal(status, 1);
    free(out);
    /* usage errors: exit 2 */
    char *argv4[] = { "scrape", "--format", "xml", "--file", in, NULL };
    out = run_scrape(5, argv4, &status);
    assert_int_equal(status, 2);
    free(out);
    char *argv5[] = { "scrape", NULL };
    out = run_scrape(1, argv5, &status);
    assert_int_equal(status, 2);
    free(out);
    char *argv6[] = { "scrape", "--file", NULL };
    out = run_scrape(2, argv6, &status);
    assert_int_equal(status, 2);
    free(out);
    /* unreadable file: exit 1 */
    char *argv7[] = { "scrape", "--file", "/nonexistent/payload", NULL };
    out = run_scrape(3, argv7, &status);
    assert_int_equal(status, 1);
    free(out);
    /* auto-detects a summary document */
    fd = open(in, O_WRONLY | O_TRUNC);
    const char *summary = " {\"node\":{\"nodeName\":\"s1\"},\"pods\":[]}";
    assert_int_equal(write(fd, summary, strlen(summary)), (ssize_t)strlen(summary));
    close(fd);
    char *argv8[] = { "scrape", "--file", in, "--compact", NULL };
    out = run_scrape(4, argv8, &status);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "\"format\":\"summary\",\"node\":\"s1\",\"nodeSample\":null"));
    free(out);
    unlink(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_kind_121),
        cmocka_unit_test(test_fixture_kind_2024),
        cmocka_unit_test(test_fixture_eks_130),
        cmocka_unit_test(test_fixture_all),
        cmocka_unit_test(test_no_timestamps_use_default),
        cmocka_unit_test(test_timestamp_is_last_cpu_or_memory),
        cmocka_unit_test(test_node_only_and_node_drop),
        cmocka_unit_test(test_incomplete_container_drops_pod),
        cmocka_unit_test(test_name_matching),
        cmocka_unit_test(test_malformed_lines_lose_only_themselves),
        cmocka_unit_test(test_escaped_labels_and_limits),
        cmocka_unit_test(test_many_containers),
        cmocka_unit_test(test_batch_helpers),
        cmocka_unit_test(test_scrape_cmd),
    };
    if (!getenv("KGAUGE_TESTDATA"))
        fprintf(stderr, "NOTE: KGAUGE_TESTDATA is not set: the real-payload tests are skipped\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
