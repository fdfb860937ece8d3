/* Unit tests for metrics/summary: the real /stats/summary documents of the shared test data
 * (expected numbers read off the documents), the reference's drop rules and kgauge's partial
 * results. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics/summary.h"
#include "util/alloc.h"
#include "util/limits.h"

#define SEC(x) (INT64_C(x) * 1000000000)

static const char *testdata(void)
{
    const char *d = getenv("KGAUGE_TESTDATA");
    return d && *d ? d : NULL;
}

static char *load(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/kubelet/stats-summary/%s", testdata(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    char *data = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            data = xrealloc(data, cap);
        }
        size_t r = fread(data + n, 1, cap - n, f);
        if (!r)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return data;
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

static void expect_point(const struct sample_point *p, int64_t ts, int64_t start, uint64_t cpu,
                         uint64_t mem)
{
    assert_int_equal(p->timestamp_ns, ts);
    assert_int_equal(p->start_time_ns, start);
    assert_int_equal(p->cpu_ns, cpu);
    assert_int_equal(p->memory_bytes, mem);
    assert_true(p->has_cpu && p->has_memory);
    assert_false(p->has_swap);
}

static struct node_batch *dec(const char *json, unsigned flags)
{
    struct decode_opts o = { NULL, 0, flags };
    struct node_batch *b = NULL;
    char err[KG_ERRBUF];
    int rc = decode_summary(json, strlen(json), &o, &b, err, sizeof(err));
    if (rc)
        fail_msg("decode_summary: %d %s", rc, err);
    if (node_batch_check(b, err, sizeof(err)))
        fail_msg("invariant: %s", err);
    return b;
}

static void test_fixture_v116(void **state)
{
    (void)state;
    if (!testdata()) {
        skip();
        return;
    }
    size_t len;
    char *d = load("k8s-v1.16.15_minikube-docker_nri-kubernetes.json", &len);
    struct node_batch *b;
    char err[KG_ERRBUF];
    assert_int_equal(decode_summary(d, len, NULL, &b, err, sizeof(err)), 0);
    assert_int_equal(node_batch_check(b, err, sizeof(err)), 0);
    assert_string_equal(b->node, "minikube");
    assert_int_equal(b->nerrors, 0);
    assert_true(b->has_node);
    /* node: cpu.time 2021-12-15T13:51:05Z, usageCoreNanoSeconds 216639857637,
     * workingSetBytes 1446182912, startTime 2021-12-15T13:42:30Z */
    expect_point(&b->node_point, SEC(1639576265), SEC(1639575750), UINT64_C(216639857637),
                 1446182912);
    /* 15 pods with one container each */
    assert_int_equal(b->ncontainers, 15);
    /* first pod: scraper/e2e-ds-8zz8h busybox: start 13:46:32Z, cpu.time 13:50:49Z */
    const struct container_sample *c = &b->containers[0];
    assert_string_equal(c->namespace, "scraper");
    assert_string_equal(c->pod, "e2e-ds-8zz8h");
    assert_string_equal(c->container, "busybox");
    expect_point(&c->point, SEC(1639576249), SEC(1639575992), 18098430, 557056);
    c = find(b, "scraper", "e2e-scraper-69dbfb44ff-l7c8h", "e2e-scraper");
    expect_point(&c->point, SEC(1639576268), SEC(1639576037), 1278582937, 7569408);
    c = find(b, "kube-system", "kube-apiserver-minikube", "kube-apiserver");
    expect_point(&c->point, SEC(1639576267), SEC(1639575798), UINT64_C(25080146994), 240455680);
    node_batch_free(b);

    /* opts->node wins over nodeName */
    struct decode_opts o = { "other", 0, 0 };
    assert_int_equal(decode_summary(d, len, &o, &b, err, sizeof(err)), 0);
    assert_string_equal(b->node, "other");
    node_batch_free(b);
    free(d);
}

static void test_fixture_v127(void **state)
{
    (void)state;
    if (!testdata()) {
        skip();
        return;
    }
    size_t len;
    char *d = load("k8s-v1.27.5_minikube-containerd_nri-kubernetes.json", &len);
    struct node_batch *b;
    char err[KG_ERRBUF];
    assert_int_equal(decode_summary(d, len, NULL, &b, err, sizeof(err)), 0);
    assert_int_equal(node_batch_check(b, err, sizeof(err)), 0);
    assert_string_equal(b->node, "datagen-1-27");
    assert_int_equal(b->nerrors, 0);
    /* node: cpu.time 2023-09-06T16:25:30Z, 80863332000 ns, 813281280 B, start 2023-09-03T14:49:15Z
     */
    expect_point(&b->node_point, SEC(1694017530), SEC(1693752555), UINT64_C(80863332000),
                 813281280);
    assert_int_equal(b->ncontainers, 17);
    /* etcd: start 16:23:33Z, cpu.time 16:25:31Z, 6859479000 ns, 29691904 B */
    const struct container_sample *c = find(b, "kube-system", "etcd-datagen-1-27", "etcd");
    expect_point(&c->point, SEC(1694017531), SEC(1694017413), UINT64_C(6859479000), 29691904);
    /* last pod: scraper/e2e-statefulset-0 busybox */
    c = &b->containers[16];
    assert_string_equal(c->pod, "e2e-statefulset-0");
    expect_point(&c->point, SEC(1694017520), SEC(1694017485), 10726000, 323584);
    node_batch_free(b);
    free(d);
}

static void test_fixture_all(void **state)
{
    (void)state;
    if (!testdata()) {
        skip();
        return;
    }
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/kubelet/stats-summary", testdata());
    DIR *dp = opendir(dir);
    assert_non_null(dp);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(dp)) != NULL) {
        if (!strstr(de->d_name, ".json"))
            continue;
        size_t len;
        char *d = load(de->d_name, &len);
        for (unsigned flags = 0; flags < 4; flags++) {
            struct decode_opts o = { NULL, 0, flags };
            struct node_batch *b;
            char err[KG_ERRBUF];
            if (decode_summary(d, len, &o, &b, err, sizeof(err)))
                fail_msg("%s: %s", de->d_name, err);
            if (node_batch_check(b, err, sizeof(err)) || b->nerrors || !b->has_node ||
                b->ncontainers < 15)
                fail_msg("%s: %s nerrors %zu", de->d_name, err, b->nerrors);
            node_batch_free(b);
        }
        free(d);
        n++;
    }
    closedir(dp);
    assert_true(n >= 2);
}

#define NODE                                                                                       \
    "\"node\":{\"nodeName\":\"n1\",\"cpu\":{\"time\":\"2024-01-01T00:00:10Z\","                    \
    "\"usageCoreNanoSeconds\":5000},\"memory\":{\"time\":\"2024-01-01T00:00:11Z\","                \
    "\"workingSetBytes\":600},\"swap\":{\"time\":\"2024-01-01T00:00:11Z\",\"swapUsageBytes\":7}}"

#define CONT(name, cpu, mem)                                                                       \
    "{\"name\":\"" name "\",\"startTime\":\"2024-01-01T00:00:00.5Z\",\"cpu\":{\"time\":"           \
    "\"2024-01-01T00:00:09.25Z\",\"usageCoreNanoSeconds\":" cpu "},\"memory\":{\"time\":"          \
    "\"2024-01-01T00:00:09Z\",\"workingSetBytes\":" mem "}}"

#define POD(ns, name, conts)                                                                       \
    "{\"podRef\":{\"name\":\"" name "\",\"namespace\":\"" ns "\"},\"containers\":[" conts "]}"

#define T0 INT64_C(1704067200000000000) /* 2024-01-01T00:00:00Z */

static void test_synthetic(void **state)
{
    (void)state;
    struct node_batch *b =
        dec("{" NODE
            ",\"pods\":[" POD("ns", "p1", CONT("a", "100", "200") "," CONT("b", "300", "400")) "]}",
            0);
    assert_true(b->has_node);
    /* node: no startTime in the document → 0; the timestamp is cpu.time; swap reported */
    assert_int_equal(b->node_point.timestamp_ns, T0 + SEC(10));
    assert_int_equal(b->node_point.start_time_ns, 0);
    assert_int_equal(b->node_point.cpu_ns, 5000);
    assert_int_equal(b->node_point.memory_bytes, 600);
    assert_true(b->node_point.has_swap);
    assert_int_equal(b->node_point.swap_bytes, 7);
    assert_int_equal(b->ncontainers, 2);
    expect_point(&b->containers[1].point, T0 + INT64_C(9250000000), T0 + INT64_C(500000000), 300,
                 400);
    assert_ptr_equal(b->containers[0].pod, b->containers[1].pod);
    node_batch_free(b);
}

static void test_drop_rules(void **state)
{
    (void)state;
    /* p1: b has zero CPU → p1 dropped; p2: memory missing; p3: fine; p4: no startTime */
    const char *doc =
        "{\"pods\":[" POD("ns", "p1", CONT("a", "1", "1") "," CONT("b", "0", "1")) "," POD(
            "ns", "p2",
            "{\"name\":\"a\",\"startTime\":\"2024-01-01T00:00:00Z\",\"cpu\":{"
            "\"time\":\"2024-01-"
            "01T00:00:09Z\",\"usageCoreNanoSeconds\":5},\"memory\":{\"time\":"
            "null}}") "," POD("ns", "p3",
                              CONT("a", "1", "1")) "," POD("ns", "p4",
                                                           "{\"name\":\"a\",\"cpu\":{"
                                                           "\"time\":\"2024-01-01T00:00:"
                                                           "09Z\",\"usageCoreNanoSeconds"
                                                           "\":5},\"memory\":{"
                                                           "\"workingSetBytes\":5}}") "]}";
    struct node_batch *b = dec(doc, 0);
    assert_false(b->has_node); /* no node object: nothing lost, no error */
    assert_null(b->node);
    assert_int_equal(b->ncontainers, 1);
    assert_string_equal(b->containers[0].pod, "p3");
    assert_int_equal(b->nerrors, 3);
    assert_string_equal(b->first_error,
                        "container ns/p1/b: zero cpu.usageCoreNanoSeconds, pod dropped");
    node_batch_free(b);

    b = dec(doc, DECODE_KEEP_PARTIAL_PODS);
    assert_int_equal(b->ncontainers, 2);
    assert_non_null(find(b, "ns", "p1", "a"));
    assert_non_null(find(b, "ns", "p3", "a"));
    assert_int_equal(b->nerrors, 3);
    node_batch_free(b);

    /* node without cpu.time, with zero memory */
    b = dec("{\"node\":{\"nodeName\":\"n\",\"cpu\":{\"usageCoreNanoSeconds\":5}}}", 0);
    assert_false(b->has_node);
    assert_string_equal(b->node, "n");
    assert_string_equal(b->first_error, "node: no cpu.time, node sample dropped");
    node_batch_free(b);
    b = dec("{\"node\":{\"cpu\":{\"time\":\"2024-01-01T00:00:09Z\",\"usageCoreNanoSeconds\":5},"
            "\"memory\":{\"workingSetBytes\":0}}}",
            0);
    assert_false(b->has_node);
    assert_string_equal(b->first_error, "node: zero memory.workingSetBytes, node sample dropped");
    node_batch_free(b);
}

static void test_malformed_and_strict(void **state)
{
    (void)state;
    const char *doc = "{" NODE ",\"pods\":[" POD("ns", "p1", CONT("a", "\"12\"", "1")) ","
        /* p2: negative memory */
        POD("ns", "p2",
            CONT("a", "1",
                 "-1")) ","
                        /* p3: bad time */
                        "{\"podRef\":{\"name\":\"p3\",\"namespace\":\"ns\"},\"containers\":[{"
                        "\"name\":\"a\","
                        "\"startTime\":\"yesterday\"}]},"
                        /* p4: no podRef.name; p5: containers is an object; 6: not an object */
                        "{\"podRef\":{\"namespace\":\"ns\"}},"
                        "{\"podRef\":{\"name\":\"p5\",\"namespace\":\"ns\"},\"containers\":{}},"
                        "7,"
        /* p6: empty container name; p7 fine, then repeated */
        POD("ns", "p6", CONT("", "1", "1")) "," POD("ns", "p7", CONT("a", "1", "1")) "," POD(
            "ns", "p7", CONT("a", "2", "2") "," CONT("b", "2", "2")) "]}";
    struct node_batch *b = dec(doc, 0);
    assert_true(b->has_node);
    assert_int_equal(b->ncontainers, 2);
    const struct container_sample *c = find(b, "ns", "p7", "a");
    assert_int_equal(c->point.cpu_ns, 1); /* the first one */
    assert_non_null(find(b, "ns", "p7", "b"));
    assert_int_equal(b->nerrors, 8);
    assert_string_equal(b->first_error, "container ns/p1/a: \"cpu.usageCoreNanoSeconds\": "
                                        "expected integer, got string, pod dropped");
    node_batch_free(b);

    struct decode_opts o = { NULL, 0, DECODE_STRICT };
    char err[KG_ERRBUF];
    assert_int_equal(decode_summary(doc, strlen(doc), &o, &b, err, sizeof(err)), -EINVAL);
    assert_null(b);
    assert_string_equal(err, "container ns/p1/a: \"cpu.usageCoreNanoSeconds\": expected integer, "
                             "got string");

    /* documents that cannot be decoded at all */
    static const char *const bad[] = { "", "[]", "{\"pods\":[}", "null", "{\"node\":1}x" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = decode_summary(bad[i], strlen(bad[i]), NULL, &b, err, sizeof(err));
        if (rc != -EINVAL || b)
            fail_msg("\"%s\": rc %d", bad[i], rc);
        assert_non_null(strstr(err, "/stats/summary: "));
    }
    assert_int_equal(
        decode_summary("{}", (size_t)KG_MAX_KUBELET_BODY + 1, NULL, &b, err, sizeof(err)), -E2BIG);
    /* "node" of the wrong type and "pods" of the wrong type lose only themselves */
    b = dec("{\"node\":1,\"pods\":{}}", 0);
    assert_int_equal(b->nerrors, 2);
    node_batch_free(b);
    b = dec("{\"pods\":null}", 0);
    assert_int_equal(b->nerrors, 0);
    assert_int_equal(b->ncontainers, 0);
    node_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_v116), cmocka_unit_test(test_fixture_v127),
        cmocka_unit_test(test_fixture_all),  cmocka_unit_test(test_synthetic),
        cmocka_unit_test(test_drop_rules),   cmocka_unit_test(test_malformed_and_strict),
    };
    if (!getenv("KGAUGE_TESTDATA"))
        fprintf(stderr, "NOTE: KGAUGE_TESTDATA is not set: the real-payload tests are skipped\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
