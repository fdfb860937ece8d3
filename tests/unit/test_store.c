/*
 * Unit tests for src/metrics/store: every storage rule of spec/metrics-server.md §2.2–2.6, the
 * reference's own storage unit tests (§6.2, same inputs and expected outputs, run in
 * reference mode), kgauge's deliberate differences (failed-node grace, partial puts, swap),
 * limits and invalid input, ordering, string-pool compaction, and readers under a writer.
 *
 * Expected values come from the reference's tests and from arithmetic on the inputs (CPU rate =
 * Δcore-ns / window), never from running this code.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "metrics/sample.h"
#include "metrics/store.h"
#include "util/arena.h"
#include "util/limits.h"

#define SEC INT64_C(1000000000)
#define MS INT64_C(1000000)
#define CORE_SEC UINT64_C(1000000000) /* one core-second in core-ns */
#define MIB UINT64_C(1048576)
#define T0 (INT64_C(1700000000) * SEC) /* "time.Now()" of the reference's tests */
#define RES60 (60 * SEC)

/* ---- building batches by hand ---- */

static struct node_batch *nb_new(const char *node, size_t cap)
{
    struct arena *a = arena_new(0);
    struct node_batch *b = arena_alloc(a, sizeof(*b));
    b->arena = a;
    b->node = node ? arena_strdup(a, node) : NULL;
    b->containers = arena_alloc(a, (cap ? cap : 1) * sizeof(*b->containers));
    return b;
}

static void nb_free(struct node_batch *b)
{
    if (b != NULL)
        arena_free(b->arena);
}

static struct sample_point pt(int64_t start, int64_t ts, uint64_t cpu, uint64_t mem)
{
    struct sample_point p = { .timestamp_ns = ts,
                              .start_time_ns = start,
                              .cpu_ns = cpu,
                              .memory_bytes = mem,
                              .has_cpu = 1,
                              .has_memory = 1 };
    return p;
}

static void nb_node(struct node_batch *b, int64_t start, int64_t ts, uint64_t cpu, uint64_t mem)
{
    b->node_point = pt(start, ts, cpu, mem);
    b->has_node = 1;
}

static struct container_sample *nb_ctr(struct node_batch *b, const char *ns, const char *pod,
                                       const char *ctr, int64_t start, int64_t ts, uint64_t cpu,
                                       uint64_t mem)
{
    struct container_sample *c = &b->containers[b->ncontainers++];
    c->namespace = ns ? arena_strdup(b->arena, ns) : NULL;
    c->pod = pod ? arena_strdup(b->arena, pod) : NULL;
    c->container = ctr ? arena_strdup(b->arena, ctr) : NULL;
    c->point = pt(start, ts, cpu, mem);
    return c;
}

static struct store *mk(int64_t res, int reference_mode)
{
    struct store_opts o = { .resolution_ns = res, .reference_mode = reference_mode };
    struct store *s = NULL;
    char err[KG_ERRBUF];
    assert_int_equal(store_new(&o, &s, err, sizeof(err)), 0);
    assert_non_null(s);
    return s;
}

/* Full cycle with the given batches (NULL-terminated varargs), freeing them afterwards. */
static void put_batches(struct store *s, int64_t now, ...)
{
    const struct node_batch *bs[16];
    size_t n = 0;
    va_list ap;
    va_start(ap, now);
    for (struct node_batch *b = va_arg(ap, struct node_batch *); b != NULL;
         b = va_arg(ap, struct node_batch *))
        bs[n++] = b;
    va_end(ap);
    struct store_cycle c = { .batches = bs, .nbatches = n, .now_ns = now };
    char err[KG_ERRBUF];
    struct store_put_result r;
    assert_int_equal(store_put(s, &c, &r, err, sizeof(err)), 0);
    assert_int_equal(r.rejected, 0);
    for (size_t i = 0; i < n; i++)
        nb_free((struct node_batch *)bs[i]);
}

/* The reference's nodeMetricBatch with one node (or none). */
static void put_node(struct store *s, const char *name, int64_t start, int64_t ts, uint64_t cpu,
                     uint64_t mem)
{
    struct node_batch *b = nb_new(name, 0);
    nb_node(b, start, ts, cpu, mem);
    put_batches(s, ts + SEC, b, NULL);
}

static void put_empty(struct store *s)
{
    put_batches(s, T0, NULL);
}

/* The reference's podMetricsBatch: pods without a node point, on one node "n". */
static void put_pod1(struct store *s, const char *ctr, int64_t start, int64_t ts, uint64_t cpu,
                     uint64_t mem)
{
    struct node_batch *b = nb_new("n", 1);
    nb_ctr(b, "ns1", "pod1", ctr, start, ts, cpu, mem);
    put_batches(s, ts + SEC, b, NULL);
}

static int node_get(struct store *s, const char *name, struct store_node_metrics *out)
{
    struct store_view *v = store_acquire(s);
    int rc = store_node_metrics(v, name, out);
    store_release(v);
    return rc;
}

/* Copies the result (strings stay valid only with the view held; tests compare right away). */
static int pod_get(struct store *s, const char *ns, const char *name, struct store_pod_metrics *out)
{
    struct store_view *v = store_acquire(s);
    int rc = store_pod_metrics(v, ns, name, out);
    if (rc == 0) {
        for (size_t i = 0; i < out->ncontainers; i++)
            out->containers[i].name = NULL; /* not to be used after release */
        out->namespace = out->name = out->node = NULL;
    }
    store_release(v);
    return rc;
}

static struct store_stats stats(struct store *s)
{
    struct store_view *v = store_acquire(s);
    struct store_stats st;
    store_view_stats(v, &st);
    store_release(v);
    return st;
}

/* ---- reference node storage tests (pkg/storage/node_test.go), reference mode ---- */

static void test_ref_node_two_batches(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    put_node(s, "node1", T0, T0 + 10 * SEC, 10 * CORE_SEC, 2 * MIB);
    assert_int_equal(stats(s).node_points, 0);
    assert_int_equal(node_get(s, "node1", &m), -ENOENT);

    put_node(s, "node1", T0, T0 + 20 * SEC, 20 * CORE_SEC, 3 * MIB);
    assert_int_equal(stats(s).node_points, 1);
    assert_int_equal(node_get(s, "node1", &m), 0);
    assert_int_equal(m.timestamp_ns, T0 + 20 * SEC);
    assert_int_equal(m.window_ns, 10 * SEC);
    assert_int_equal(m.usage.cpu_nanocores, 1000000000); /* 10 core-s over 10 s */
    assert_int_equal(m.usage.memory_bytes, 3 * MIB);
    assert_false(m.usage.has_swap);
    assert_false(m.stale);
    assert_int_equal(node_get(s, "node2", &m), -ENOENT);

    put_empty(s);
    assert_int_equal(node_get(s, "node1", &m), -ENOENT);
    assert_int_equal(stats(s).nodes, 0);
    store_free(s);
}

static void test_ref_node_repeated(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    put_node(s, "node1", T0, T0 + 10 * SEC, 10 * CORE_SEC, 2 * MIB);
    put_node(s, "node1", T0, T0 + 10 * SEC, 10 * CORE_SEC, 2 * MIB);
    assert_int_equal(node_get(s, "node1", &m), -ENOENT);
    assert_int_equal(stats(s).node_points, 0);
    store_free(s);
}

static void test_ref_node_points_gauge(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_stats st = stats(s);
    assert_int_equal(st.node_points, 0);
    assert_int_equal(st.container_points, 0);
    put_node(s, "node1", T0, T0 + 10 * SEC, 10 * CORE_SEC, 2 * MIB);
    st = stats(s);
    assert_int_equal(st.node_points, 0);
    assert_int_equal(st.container_points, 0);
    put_node(s, "node1", T0, T0 + 20 * SEC, 21 * CORE_SEC, 3 * MIB);
    st = stats(s);
    assert_int_equal(st.node_points, 1);
    assert_int_equal(st.container_points, 0);
    store_free(s);
}

static void test_ref_node_restart(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    put_node(s, "node1", T0, T0 + 10 * SEC, 10 * CORE_SEC, 2 * MIB);
    put_node(s, "node1", T0 + 15 * SEC, T0 + 20 * SEC, 5 * CORE_SEC, 3 * MIB);
    assert_int_equal(node_get(s, "node1", &m), -ENOENT);
    /* the pair is stored (the gauge counts it) but its rate is an error */
    assert_int_equal(stats(s).node_points, 1);
    store_free(s);
}

static void test_ref_node_cpu_decrease(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    put_node(s, "node1", T0, T0 + 15 * SEC, 50 * CORE_SEC, 3 * MIB);
    put_node(s, "node1", T0, T0 + 25 * SEC, 10 * CORE_SEC, 5 * MIB);
    assert_int_equal(node_get(s, "node1", &m), -ENOENT);
    store_free(s);
}

static void test_ref_node_older_than_prev(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    put_node(s, "node1", T0, T0 + 15 * SEC, 10 * CORE_SEC, 3 * MIB);
    put_node(s, "node1", T0, T0 + 35 * SEC, 50 * CORE_SEC, 5 * MIB);
    put_node(s, "node1", T0, T0 + 5 * SEC, 6 * CORE_SEC, 2 * MIB);
    assert_int_equal(node_get(s, "node1", &m), -ENOENT);
    store_free(s);
}

static void test_ref_node_between_prev_and_last(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    put_node(s, "node1", T0, T0 + 15 * SEC, 10 * CORE_SEC, 1 * MIB);
    put_node(s, "node1", T0, T0 + 35 * SEC, 50 * CORE_SEC, 4 * MIB);
    put_node(s, "node1", T0, T0 + 25 * SEC, 35 * CORE_SEC, 2 * MIB);
    assert_int_equal(node_get(s, "node1", &m), 0);
    assert_int_equal(m.timestamp_ns, T0 + 25 * SEC);
    assert_int_equal(m.window_ns, 10 * SEC);
    assert_int_equal(m.usage.cpu_nanocores, 2500000000u); /* 25 core-s / 10 s; "2500m" */
    assert_int_equal(m.usage.memory_bytes, 2 * MIB);
    store_free(s);
}

static void test_ref_node_zero_start(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    put_node(s, "node1", 0, T0 + 10 * SEC, 10 * CORE_SEC, 2 * MIB);
    assert_int_equal(node_get(s, "node1", &m), -ENOENT);
    put_node(s, "node1", 0, T0 + 20 * SEC, 20 * CORE_SEC, 3 * MIB);
    assert_int_equal(node_get(s, "node1", &m), 0);
    assert_int_equal(m.timestamp_ns, T0 + 20 * SEC);
    assert_int_equal(m.window_ns, 10 * SEC);
    assert_int_equal(m.usage.cpu_nanocores, 1000000000);
    assert_int_equal(m.usage.memory_bytes, 3 * MIB);
    store_free(s);
}

/* types_test.go Test_resourceUsage, through node samples (the node rule has no restart check,
 * so the points reach the rate computation unchanged). */
static void test_ref_resource_usage(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    /* success: 500−300 ns over 10 ms → 20000 nanocores, memory of last, window 10 ms */
    put_node(s, "n", T0, T0 + 10 * MS, 300, 400);
    put_node(s, "n", T0, T0 + 20 * MS, 500, 600);
    assert_int_equal(node_get(s, "n", &m), 0);
    assert_int_equal(m.usage.cpu_nanocores, 20000);
    assert_int_equal(m.usage.memory_bytes, 600);
    assert_int_equal(m.timestamp_ns, T0 + 20 * MS);
    assert_int_equal(m.window_ns, 10 * MS);
    store_free(s);

    /* start time decreased (prev started 20 ms after last) → error */
    s = mk(RES60, 1);
    put_node(s, "n", T0 + 20 * MS, T0 + 10 * MS, 300, 400);
    put_node(s, "n", T0, T0 + 20 * MS, 500, 600);
    assert_int_equal(node_get(s, "n", &m), -ENOENT);
    store_free(s);

    /* cumulative CPU decreased → error */
    s = mk(RES60, 1);
    put_node(s, "n", T0, T0 + 10 * MS, 300, 400);
    put_node(s, "n", T0, T0 + 20 * MS, 100, 600);
    assert_int_equal(node_get(s, "n", &m), -ENOENT);
    store_free(s);
}

/* ---- reference pod storage tests (pkg/storage/pod_test.go), reference mode ---- */

static void test_ref_pod_two_batches(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 120 * SEC, 1 * CORE_SEC, 4 * MIB);
    assert_int_equal(stats(s).container_points, 0);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);

    put_pod1(s, "container1", T0, T0 + 125 * SEC, 6 * CORE_SEC, 5 * MIB);
    assert_int_equal(stats(s).container_points, 1);
    struct store_view *v = store_acquire(s);
    assert_int_equal(store_pod_metrics(v, "ns1", "pod1", &m), 0);
    assert_string_equal(m.namespace, "ns1");
    assert_string_equal(m.name, "pod1");
    assert_string_equal(m.node, "n");
    assert_int_equal(m.timestamp_ns, T0 + 125 * SEC);
    assert_int_equal(m.window_ns, 5 * SEC);
    assert_int_equal(m.ncontainers, 1);
    assert_int_equal(m.nskipped, 0);
    assert_string_equal(m.containers[0].name, "container1");
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 1000000000);
    assert_int_equal(m.containers[0].usage.memory_bytes, 5 * MIB);
    assert_int_equal(store_pod_metrics(v, "ns1", "pod2", &m), -ENOENT);
    store_release(v);

    put_empty(s);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    store_free(s);
}

static void put_two_ctrs(struct store *s, int64_t ts1, uint64_t cpu1, uint64_t mem1, int64_t ts2,
                         uint64_t cpu2, uint64_t mem2)
{
    struct node_batch *b = nb_new("n", 2);
    nb_ctr(b, "ns1", "pod1", "container1", T0, ts1, cpu1, mem1);
    nb_ctr(b, "ns1", "pod1", "container2", T0, ts2, cpu2, mem2);
    put_batches(s, ts2 + SEC, b, NULL);
}

static void test_ref_pod_earliest_timestamp(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_two_ctrs(s, T0 + 110 * SEC, 1 * CORE_SEC, 4 * MIB, T0 + 115 * SEC, 2 * CORE_SEC, 5 * MIB);
    assert_int_equal(stats(s).container_points, 0);
    put_two_ctrs(s, T0 + 120 * SEC, 6 * CORE_SEC, 6 * MIB, T0 + 125 * SEC, 7 * CORE_SEC, 7 * MIB);
    assert_int_equal(stats(s).container_points, 2); /* the reference's gauge test */
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.timestamp_ns, T0 + 120 * SEC);
    assert_int_equal(m.window_ns, 10 * SEC);
    assert_int_equal(m.ncontainers, 2);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 500000000); /* 5 core-s / 10 s */
    assert_int_equal(m.containers[1].usage.cpu_nanocores, 500000000); /* 5 core-s / 10 s */
    assert_int_equal(m.containers[0].usage.memory_bytes, 6 * MIB);
    assert_int_equal(m.containers[1].usage.memory_bytes, 7 * MIB);
    store_free(s);
}

static void test_ref_pod_repeated(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 110 * SEC, 1 * CORE_SEC, 4 * MIB);
    put_pod1(s, "container1", T0, T0 + 110 * SEC, 1 * CORE_SEC, 4 * MIB);
    assert_int_equal(stats(s).container_points, 0);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    store_free(s);
}

static void test_ref_pod_restart_fresh(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 10 * SEC, 1 * CORE_SEC, 4 * MIB);
    put_pod1(s, "container1", T0 + 15 * SEC, T0 + 25 * SEC, 5 * CORE_SEC, 5 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.timestamp_ns, T0 + 25 * SEC);
    assert_int_equal(m.window_ns, 10 * SEC);
    assert_int_equal(m.ncontainers, 1);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 500000000); /* 5 core-s / 10 s */
    assert_int_equal(m.containers[0].usage.memory_bytes, 5 * MIB);
    store_free(s);
}

static void test_ref_pod_cpu_decrease(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 110 * SEC, 20 * CORE_SEC, 4 * MIB);
    put_pod1(s, "container1", T0, T0 + 120 * SEC, 10 * CORE_SEC, 4 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.ncontainers, 0);
    assert_int_equal(m.nskipped, 1);
    assert_int_equal(m.timestamp_ns, 0); /* serialised as null */
    assert_int_equal(m.window_ns, 0);    /* "0s" */
    /* also in a list */
    struct store_view *v = store_acquire(s);
    struct store_iter it;
    store_iter_pods(v, NULL, &it);
    assert_int_equal(store_next_pod(&it, &m), 1);
    assert_int_equal(m.ncontainers, 0);
    assert_int_equal(store_next_pod(&it, &m), 0);
    store_release(v);
    store_free(s);
}

static void test_ref_pod_older_than_prev(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 1115 * SEC, 20 * CORE_SEC, 4 * MIB);
    put_pod1(s, "container1", T0, T0 + 1125 * SEC, 40 * CORE_SEC, 4 * MIB);
    put_pod1(s, "container1", T0, T0 + 115 * SEC, 10 * CORE_SEC, 4 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    store_free(s);
}

static void test_ref_pod_between_prev_and_last(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 115 * SEC, 10 * CORE_SEC, 4 * MIB);
    put_pod1(s, "container1", T0, T0 + 125 * SEC, 50 * CORE_SEC, 5 * MIB);
    put_pod1(s, "container1", T0, T0 + 120 * SEC, 35 * CORE_SEC, 5 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.timestamp_ns, T0 + 120 * SEC);
    assert_int_equal(m.window_ns, 5 * SEC);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 5000000000u); /* 25 core-s / 5 s */
    assert_int_equal(m.containers[0].usage.memory_bytes, 5 * MIB);
    store_free(s);
}

static void test_ref_pod_long_running_needs_two(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 120 * SEC, 1 * CORE_SEC, 4 * MIB);
    assert_int_equal(stats(s).container_points, 0);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    store_free(s);
}

static void test_ref_pod_fresh_one_cycle(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 10 * SEC, 10 * CORE_SEC, 4 * MIB);
    assert_int_equal(stats(s).container_points, 1);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.timestamp_ns, T0 + 10 * SEC);
    assert_int_equal(m.window_ns, 10 * SEC);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 1000000000); /* 10 core-s / 10 s */
    assert_int_equal(m.containers[0].usage.memory_bytes, 4 * MIB);
    store_free(s);
}

static void test_ref_pod_start_after_timestamp(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 - 10 * SEC, 10 * CORE_SEC, 4 * MIB);
    assert_int_equal(stats(s).container_points, 0);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    store_free(s);
}

static void test_ref_pod_younger_than_10s(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 9 * SEC, 10 * CORE_SEC, 4 * MIB);
    assert_int_equal(stats(s).container_points, 0);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    store_free(s);
}

static void test_ref_pod_zero_start(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", 0, T0 + 120 * SEC, 1 * CORE_SEC, 4 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    put_pod1(s, "container1", 0, T0 + 125 * SEC, 6 * CORE_SEC, 5 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.timestamp_ns, T0 + 125 * SEC);
    assert_int_equal(m.window_ns, 5 * SEC);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 1000000000);
    assert_int_equal(m.containers[0].usage.memory_bytes, 5 * MIB);
    store_free(s);
}

static void test_ref_pod_new_second_container(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 110 * SEC, 1 * CORE_SEC, 4 * MIB);
    put_two_ctrs(s, T0 + 120 * SEC, 6 * CORE_SEC, 6 * MIB, T0 + 120 * SEC, 8 * CORE_SEC, 5 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    /* one cycle later both containers have two samples */
    put_two_ctrs(s, T0 + 130 * SEC, 7 * CORE_SEC, 6 * MIB, T0 + 130 * SEC, 9 * CORE_SEC, 5 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.ncontainers, 2);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 100000000); /* 1 core-s / 10 s */
    store_free(s);
}

/* ---- reference readiness tests (ready_test.go) ---- */

static void test_ref_ready(void **state)
{
    (void)state;
    /* node metrics only */
    struct store *s = mk(RES60, 1);
    put_node(s, "node1", T0, T0 + 10 * SEC, 10 * CORE_SEC, 2 * MIB);
    assert_false(store_ready(s));
    put_node(s, "node1", T0, T0 + 20 * SEC, 20 * CORE_SEC, 3 * MIB);
    assert_false(store_ready(s));
    store_free(s);

    /* pod metrics only */
    s = mk(RES60, 1);
    put_pod1(s, "container1", T0, T0 + 120 * SEC, 1 * CORE_SEC, 4 * MIB);
    assert_false(store_ready(s));
    put_pod1(s, "container1", T0, T0 + 125 * SEC, 6 * CORE_SEC, 5 * MIB);
    assert_false(store_ready(s));
    store_free(s);

    /* both */
    s = mk(RES60, 1);
    struct node_batch *b = nb_new("node1", 1);
    nb_node(b, T0, T0 + 10 * SEC, 10 * CORE_SEC, 2 * MIB);
    nb_ctr(b, "ns1", "pod1", "container1", T0, T0 + 120 * SEC, 1 * CORE_SEC, 4 * MIB);
    put_batches(s, T0 + 121 * SEC, b, NULL);
    assert_false(store_ready(s));
    b = nb_new("node1", 1);
    nb_node(b, T0, T0 + 20 * SEC, 20 * CORE_SEC, 3 * MIB);
    nb_ctr(b, "ns1", "pod1", "container1", T0, T0 + 125 * SEC, 6 * CORE_SEC, 5 * MIB);
    put_batches(s, T0 + 126 * SEC, b, NULL);
    assert_true(store_ready(s));
    store_free(s);
}

/* ---- rules beyond the reference's tests ---- */

/* §2.3 with --metric-resolution=15s: band [10 s, 15 s); with 10 s the band is empty. */
static void test_fresh_band(void **state)
{
    (void)state;
    struct {
        int64_t res, age;
        int served;
    } cases[] = {
        { 15 * SEC, 10 * SEC, 1 },     { 15 * SEC, 15 * SEC - 1, 1 }, { 15 * SEC, 15 * SEC, 0 },
        { 15 * SEC, 10 * SEC - 1, 0 }, { 10 * SEC, 10 * SEC, 0 },     { 60 * SEC, 59 * SEC, 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct store *s = mk(cases[i].res, 0);
        struct store_pod_metrics m;
        put_pod1(s, "c", T0, T0 + cases[i].age, 3 * CORE_SEC, MIB);
        int rc = pod_get(s, "ns1", "pod1", &m);
        assert_int_equal(rc, cases[i].served ? 0 : -ENOENT);
        if (cases[i].served) {
            assert_int_equal(m.window_ns, cases[i].age);
            /* 3e9 core-ns over the age; exact for the 10 s case */
            if (cases[i].age == 10 * SEC)
                assert_int_equal(m.containers[0].usage.cpu_nanocores, 300000000);
        }
        store_free(s);
    }
}

/* Restart between samples, outside the fresh band: unavailable for one cycle, then back. */
static void test_restart_hides_one_cycle(void **state)
{
    (void)state;
    struct store *s = mk(15 * SEC, 1);
    struct store_pod_metrics m;
    put_pod1(s, "c", T0, T0 + 100 * SEC, 50 * CORE_SEC, MIB);
    put_pod1(s, "c", T0, T0 + 115 * SEC, 53 * CORE_SEC, MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 200000000); /* 3 core-s / 15 s */
    /* restarted at 125 s, sampled at 130 s: too young (5 s) for the fresh rule */
    put_pod1(s, "c", T0 + 125 * SEC, T0 + 130 * SEC, 1 * CORE_SEC, MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    assert_int_equal(stats(s).container_points, 0);
    put_pod1(s, "c", T0 + 125 * SEC, T0 + 145 * SEC, 4 * CORE_SEC, MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 200000000); /* 3 core-s / 15 s */
    assert_int_equal(m.window_ns, 15 * SEC);
    store_free(s);
}

/* CPU decrease in one of two containers: that container skipped, pod returned. */
static void test_partial_container_error(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_two_ctrs(s, T0 + 100 * SEC, 10 * CORE_SEC, MIB, T0 + 100 * SEC, 10 * CORE_SEC, MIB);
    put_two_ctrs(s, T0 + 110 * SEC, 5 * CORE_SEC, MIB, T0 + 112 * SEC, 12 * CORE_SEC, 2 * MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), 0);
    assert_int_equal(m.ncontainers, 1);
    assert_int_equal(m.nskipped, 1);
    assert_int_equal(m.containers[0].usage.cpu_nanocores, 166666666); /* 2 core-s / 12 s */
    /* the pod's time is the surviving container's, not the erroring one's */
    assert_int_equal(m.timestamp_ns, T0 + 112 * SEC);
    assert_int_equal(m.window_ns, 12 * SEC);
    store_free(s);
}

/* The reference's zero-value lookup quirk (§2.3): a container whose pod has a prev but which
 * itself has none, re-sampled with an unchanged timestamp, must not get an all-zero prev. */
static void test_no_zero_prev_quirk(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_pod_metrics m;
    put_pod1(s, "container1", T0, T0 + 100 * SEC, 1 * CORE_SEC, MIB);
    put_two_ctrs(s, T0 + 110 * SEC, 2 * CORE_SEC, MIB, T0 + 110 * SEC, 3 * CORE_SEC, MIB);
    put_two_ctrs(s, T0 + 110 * SEC, 2 * CORE_SEC, MIB, T0 + 110 * SEC, 3 * CORE_SEC, MIB);
    assert_int_equal(pod_get(s, "ns1", "pod1", &m), -ENOENT);
    assert_int_equal(stats(s).container_points, 1);
    store_free(s);
}

/* A new sample with the previous sample's timestamp (prev.ts == new.ts < last.ts) drops the
 * prev (a zero window must never be kept): gauges show it, and nothing is served. */
static void test_equal_to_prev_drops_prev(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 1);
    struct store_node_metrics m;
    struct store_pod_metrics pm;
    struct node_batch *b;
    static const int64_t ts[] = { 100, 120, 100 };
    for (int i = 0; i < 3; i++) {
        b = nb_new("n", 1);
        nb_node(b, 0, T0 + ts[i] * SEC, (uint64_t)(i + 1) * CORE_SEC, MIB);
        nb_ctr(b, "ns", "p", "c", 0, T0 + ts[i] * SEC, (uint64_t)(i + 1) * CORE_SEC, MIB);
        put_batches(s, T0 + 200 * SEC, b, NULL);
        if (i == 1) {
            assert_int_equal(stats(s).node_points, 1);
            assert_int_equal(stats(s).container_points, 1);
        }
    }
    assert_int_equal(stats(s).node_points, 0);
    assert_int_equal(stats(s).container_points, 0);
    assert_int_equal(node_get(s, "n", &m), -ENOENT);
    assert_int_equal(pod_get(s, "ns", "p", &pm), -ENOENT);
    store_free(s);
}

/* Fast first metrics: re-puts with an unchanged timestamp neither rotate nor lose the prev. */
static void test_rescrape_same_timestamp(void **state)
{
    (void)state;
    struct store *s = mk(15 * SEC, 0);
    struct store_node_metrics m;
    for (int i = 0; i < 3; i++)
        put_node(s, "n", T0, T0 + 10 * SEC, 10 * CORE_SEC, MIB);
    assert_int_equal(node_get(s, "n", &m), -ENOENT);
    put_node(s, "n", T0, T0 + 12 * SEC, 11 * CORE_SEC, MIB); /* kubelet refreshed after 2 s */
    assert_int_equal(node_get(s, "n", &m), 0);
    assert_int_equal(m.window_ns, 2 * SEC);
    assert_int_equal(m.usage.cpu_nanocores, 500000000);
    for (int i = 0; i < 3; i++) {
        put_node(s, "n", T0, T0 + 12 * SEC, 11 * CORE_SEC, MIB);
        assert_int_equal(node_get(s, "n", &m), 0);
        assert_int_equal(m.timestamp_ns, T0 + 12 * SEC);
        assert_int_equal(m.window_ns, 2 * SEC);
        assert_int_equal(m.usage.cpu_nanocores, 500000000);
    }
    store_free(s);
}

static struct node_batch *node_with_pod(const char *node, int64_t ts, uint64_t cpu)
{
    struct node_batch *b = nb_new(node, 1);
    nb_node(b, 0, ts, cpu, 2 * MIB);
    char pod[64];
    snprintf(pod, sizeof(pod), "pod-%s", node);
    nb_ctr(b, "default", pod, "app", T0 - 3600 * SEC, ts, cpu / 2, MIB);
    return b;
}

static void put_failed(struct store *s, int64_t now, const char *failed, ...)
{
    const struct node_batch *bs[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, failed);
    for (struct node_batch *b = va_arg(ap, struct node_batch *); b != NULL;
         b = va_arg(ap, struct node_batch *))
        bs[n++] = b;
    va_end(ap);
    const char *f[1] = { failed };
    struct store_cycle c = {
        .batches = bs, .nbatches = n, .failed_nodes = f, .nfailed = failed ? 1 : 0, .now_ns = now
    };
    char err[KG_ERRBUF];
    assert_int_equal(store_put(s, &c, NULL, err, sizeof(err)), 0);
    for (size_t i = 0; i < n; i++)
        nb_free((struct node_batch *)bs[i]);
}

/* Default: one failed scrape keeps the node and its pods with their true timestamp and window
 * until the newest sample is older than 2 × resolution. */
static void test_failed_node_kept(void **state)
{
    (void)state;
    const int64_t R = 15 * SEC;
    struct store *s = mk(R, 0);
    struct store_node_metrics m;
    struct store_pod_metrics pm;
    put_failed(s, T0 + 1 * SEC, NULL, node_with_pod("a", T0, 100 * CORE_SEC),
               node_with_pod("b", T0, 100 * CORE_SEC), NULL);
    put_failed(s, T0 + 16 * SEC, NULL, node_with_pod("a", T0 + R, 115 * CORE_SEC),
               node_with_pod("b", T0 + R, 130 * CORE_SEC), NULL);
    assert_int_equal(node_get(s, "b", &m), 0);
    assert_int_equal(m.usage.cpu_nanocores, 2000000000); /* 30 core-s / 15 s */

    /* b fails: served unchanged, marked stale */
    struct store_put_result r;
    const char *f[1] = { "b" };
    struct node_batch *a = node_with_pod("a", T0 + 2 * R, 130 * CORE_SEC);
    const struct node_batch *bs[1] = { a };
    struct store_cycle c = {
        .batches = bs, .nbatches = 1, .failed_nodes = f, .nfailed = 1, .now_ns = T0 + 2 * R + SEC
    };
    assert_int_equal(store_put(s, &c, &r, NULL, 0), 0);
    nb_free(a);
    assert_int_equal(r.kept_nodes, 1);
    assert_int_equal(r.dropped_nodes, 0);
    assert_int_equal(node_get(s, "b", &m), 0);
    assert_true(m.stale);
    assert_int_equal(m.timestamp_ns, T0 + R);
    assert_int_equal(m.window_ns, R);
    assert_int_equal(m.usage.cpu_nanocores, 2000000000);
    assert_int_equal(pod_get(s, "default", "pod-b", &pm), 0);
    assert_true(pm.stale);
    assert_int_equal(pm.timestamp_ns, T0 + R);
    assert_int_equal(pm.containers[0].usage.cpu_nanocores, 1000000000); /* 15 core-s / 15 s */
    assert_int_equal(node_get(s, "a", &m), 0);
    assert_false(m.stale);
    assert_int_equal(stats(s).node_points, 2);

    /* b recovers: window spans the failed cycle */
    put_failed(s, T0 + 3 * R + SEC, NULL, node_with_pod("a", T0 + 3 * R, 145 * CORE_SEC),
               node_with_pod("b", T0 + 3 * R, 190 * CORE_SEC), NULL);
    assert_int_equal(node_get(s, "b", &m), 0);
    assert_false(m.stale);
    assert_int_equal(m.window_ns, 2 * R);
    assert_int_equal(m.usage.cpu_nanocores, 2000000000); /* 60 core-s / 30 s */

    /* b fails twice: kept while now − newest ≤ 2R, dropped after */
    put_failed(s, T0 + 4 * R, "b", node_with_pod("a", T0 + 4 * R, 160 * CORE_SEC), NULL);
    assert_int_equal(node_get(s, "b", &m), 0);
    put_failed(s, T0 + 5 * R, "b", node_with_pod("a", T0 + 5 * R, 175 * CORE_SEC), NULL);
    assert_int_equal(node_get(s, "b", &m), 0); /* exactly 2R old: still kept */
    put_failed(s, T0 + 5 * R + 1, "b", NULL);
    assert_int_equal(node_get(s, "b", &m), -ENOENT);
    assert_int_equal(pod_get(s, "default", "pod-b", &pm), -ENOENT);
    /* a was absent from both lists of that full cycle: gone */
    assert_int_equal(node_get(s, "a", &m), -ENOENT);
    assert_int_equal(stats(s).nodes, 0);
    store_free(s);
}

/* Reference mode: a failed scrape hides the node and its pods for two cycles. */
static void test_failed_node_reference(void **state)
{
    (void)state;
    const int64_t R = 15 * SEC;
    struct store *s = mk(R, 1);
    struct store_node_metrics m;
    struct store_pod_metrics pm;
    put_failed(s, T0 + SEC, NULL, node_with_pod("b", T0, 100 * CORE_SEC), NULL);
    put_failed(s, T0 + R + SEC, NULL, node_with_pod("b", T0 + R, 130 * CORE_SEC), NULL);
    assert_int_equal(node_get(s, "b", &m), 0);
    put_failed(s, T0 + 2 * R + SEC, "b", NULL);
    assert_int_equal(node_get(s, "b", &m), -ENOENT);
    assert_int_equal(pod_get(s, "default", "pod-b", &pm), -ENOENT);
    put_failed(s, T0 + 3 * R + SEC, NULL, node_with_pod("b", T0 + 3 * R, 160 * CORE_SEC), NULL);
    assert_int_equal(node_get(s, "b", &m), -ENOENT);
    assert_int_equal(pod_get(s, "default", "pod-b", &pm), -ENOENT);
    put_failed(s, T0 + 4 * R + SEC, NULL, node_with_pod("b", T0 + 4 * R, 175 * CORE_SEC), NULL);
    assert_int_equal(node_get(s, "b", &m), 0);
    assert_int_equal(m.usage.cpu_nanocores, 1000000000);
    assert_int_equal(pod_get(s, "default", "pod-b", &pm), 0);
    store_free(s);
}

/* Partial puts (adaptive re-scrape) keep the nodes they do not mention. */
static void test_partial_put(void **state)
{
    (void)state;
    struct store *s = mk(15 * SEC, 0);
    struct store_node_metrics m;
    put_failed(s, T0 + SEC, NULL, node_with_pod("a", T0, 10 * CORE_SEC),
               node_with_pod("b", T0, 10 * CORE_SEC), NULL);
    struct node_batch *b = node_with_pod("a", T0 + 5 * SEC, 15 * CORE_SEC);
    struct store_put_result r;
    assert_int_equal(store_put_node(s, b, T0 + 6 * SEC, &r, NULL, 0), 0);
    nb_free(b);
    assert_int_equal(r.nodes, 2);
    assert_int_equal(r.pods, 2);
    assert_int_equal(node_get(s, "a", &m), 0);
    assert_int_equal(m.window_ns, 5 * SEC);
    assert_int_equal(m.usage.cpu_nanocores, 1000000000);
    assert_int_equal(node_get(s, "b", &m), -ENOENT); /* one sample, but still stored: */
    b = node_with_pod("b", T0 + 4 * SEC, 14 * CORE_SEC);
    assert_int_equal(store_put_node(s, b, T0 + 7 * SEC, &r, NULL, 0), 0);
    nb_free(b);
    assert_int_equal(node_get(s, "b", &m), 0);
    assert_false(m.stale);
    assert_int_equal(m.usage.cpu_nanocores, 1000000000);
    struct store_pod_metrics pm;
    assert_int_equal(pod_get(s, "default", "pod-a", &pm), 0);
    assert_int_equal(pod_get(s, "default", "pod-b", &pm), 0);
    store_free(s);
}

static void test_swap(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 0);
    struct store_node_metrics m;
    struct store_pod_metrics pm;
    for (int i = 0; i < 2; i++) {
        struct node_batch *b = nb_new("n", 2);
        nb_node(b, 0, T0 + i * 10 * SEC, (1 + i) * CORE_SEC, MIB);
        b->node_point.has_swap = 1;
        b->node_point.swap_bytes = 7000 + i;
        struct container_sample *c =
            nb_ctr(b, "ns", "p", "with-swap", 0, T0 + i * 10 * SEC, (1 + i) * CORE_SEC, MIB);
        c->point.has_swap = 1;
        c->point.swap_bytes = UINT64_MAX - i;
        nb_ctr(b, "ns", "p", "no-swap", 0, T0 + i * 10 * SEC, (1 + i) * CORE_SEC, MIB);
        put_batches(s, T0 + i * 10 * SEC + SEC, b, NULL);
    }
    assert_int_equal(node_get(s, "n", &m), 0);
    assert_true(m.usage.has_swap);
    assert_int_equal(m.usage.swap_bytes, 7001);
    assert_int_equal(pod_get(s, "ns", "p", &pm), 0);
    assert_int_equal(pm.ncontainers, 2);
    assert_false(pm.containers[0].usage.has_swap); /* "no-swap" sorts first */
    assert_int_equal(pm.containers[0].usage.swap_bytes, 0);
    assert_true(pm.containers[1].usage.has_swap);
    assert_int_equal(pm.containers[1].usage.swap_bytes, UINT64_MAX - 1);
    store_free(s);
}

static void test_cpu_rate_edges(void **state)
{
    (void)state;
    assert_int_equal(store_cpu_rate(0, SEC), 0);
    assert_int_equal(store_cpu_rate(CORE_SEC, SEC), 1000000000);
    assert_int_equal(store_cpu_rate(1, 3 * SEC), 0);       /* truncation */
    assert_int_equal(store_cpu_rate(2, 3), 666666666);     /* 2 ns over 3 ns */
    assert_int_equal(store_cpu_rate(200, 10 * MS), 20000); /* the reference's case */
    assert_int_equal(store_cpu_rate(UINT64_C(1) << 63, SEC), UINT64_C(1) << 63);
    assert_true(store_cpu_rate(UINT64_MAX, 1) == UINT64_MAX);   /* saturates */
    assert_true(store_cpu_rate(UINT64_MAX, SEC) == UINT64_MAX); /* 2^64 after rounding */
    assert_int_equal(store_cpu_rate(UINT64_MAX, 2 * SEC), UINT64_C(9223372036854775808));
    /* window guard */
    assert_int_equal(store_cpu_rate(100, 0), 0);
    assert_int_equal(store_cpu_rate(100, -SEC), 0);
    assert_int_equal(store_cpu_rate(0, 0), 0);
    /* Go's Seconds() split: 1 h 0.5 s */
    assert_int_equal(store_cpu_rate(3600500000000u, 3600 * SEC + 500 * MS), 1000000000);
}

/* Counters near the top of uint64, and memory of UINT64_MAX, pass through exactly. */
static void test_uint64_counters(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 0);
    struct store_node_metrics m;
    put_node(s, "n", 0, T0, UINT64_MAX - 10 * CORE_SEC, UINT64_MAX);
    put_node(s, "n", 0, T0 + 10 * SEC, UINT64_MAX, UINT64_MAX);
    assert_int_equal(node_get(s, "n", &m), 0);
    assert_int_equal(m.usage.cpu_nanocores, 1000000000);
    assert_true(m.usage.memory_bytes == UINT64_MAX);
    /* wrap-around reads as a decrease: not served */
    put_node(s, "n", 0, T0 + 20 * SEC, 5, UINT64_MAX);
    assert_int_equal(node_get(s, "n", &m), -ENOENT);
    store_free(s);
}

static void test_duplicates(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 0);
    struct store_put_result r;
    char err[KG_ERRBUF];
    struct store_node_metrics m;
    struct store_pod_metrics pm;
    for (int i = 0; i < 2; i++) {
        struct node_batch *b1 = nb_new("n1", 3), *b2 = nb_new("n1", 1), *b3 = nb_new("n2", 1);
        int64_t ts = T0 + i * 10 * SEC;
        nb_node(b1, 0, ts, (1 + i) * CORE_SEC, MIB);
        nb_node(b2, 0, ts, (5 + i) * CORE_SEC, 5 * MIB); /* same node again: ignored */
        nb_node(b3, 0, ts, (1 + i) * CORE_SEC, MIB);
        nb_ctr(b1, "ns", "p", "c", 0, ts, (1 + i) * CORE_SEC, MIB);
        nb_ctr(b1, "ns", "p", "c", 0, ts, (9 + i) * CORE_SEC, 9 * MIB); /* dup container */
        nb_ctr(b1, "ns", "q", "c", 0, ts, (1 + i) * CORE_SEC, MIB);
        nb_ctr(b3, "ns", "q", "c", 0, ts, (7 + i) * CORE_SEC, 7 * MIB); /* pod on 2 nodes */
        const struct node_batch *bs[3] = { b1, b2, b3 };
        struct store_cycle c = { .batches = bs, .nbatches = 3, .now_ns = ts + SEC };
        assert_int_equal(store_put(s, &c, &r, err, sizeof(err)), 0);
        assert_int_equal(r.duplicates, 3);
        assert_int_equal(r.rejected, 0);
        assert_int_equal(r.nodes, 2);
        assert_int_equal(r.pods, 2);
        assert_int_equal(r.containers, 2);
        nb_free(b1);
        nb_free(b2);
        nb_free(b3);
    }
    assert_int_equal(node_get(s, "n1", &m), 0);
    assert_int_equal(m.usage.memory_bytes, MIB);
    assert_int_equal(pod_get(s, "ns", "p", &pm), 0);
    assert_int_equal(pm.ncontainers, 1);
    assert_int_equal(pm.containers[0].usage.memory_bytes, MIB);
    struct store_view *v = store_acquire(s);
    assert_int_equal(store_pod_metrics(v, "ns", "q", &pm), 0);
    assert_string_equal(pm.node, "n1");
    assert_int_equal(pm.containers[0].usage.memory_bytes, MIB);
    store_release(v);
    store_free(s);
}

static void test_invalid_input(void **state)
{
    (void)state;
    struct store *s = NULL;
    char err[KG_ERRBUF] = "";
    struct store_opts bad = { .resolution_ns = 0 };
    assert_int_equal(store_new(&bad, &s, err, sizeof(err)), -EINVAL);
    assert_null(s);
    assert_non_null(strstr(err, "resolution"));
    bad.resolution_ns = -SEC;
    assert_int_equal(store_new(&bad, &s, err, sizeof(err)), -EINVAL);
    assert_int_equal(store_new(NULL, &s, err, sizeof(err)), -EINVAL);

    s = mk(RES60, 0);
    struct store_cycle c = { .nbatches = 1, .now_ns = T0 };
    assert_int_equal(store_put(s, &c, NULL, err, sizeof(err)), -EINVAL);
    c = (struct store_cycle){ .nfailed = 1, .now_ns = T0 };
    assert_int_equal(store_put(s, &c, NULL, err, sizeof(err)), -EINVAL);
    c = (struct store_cycle){ .now_ns = 0 };
    assert_int_equal(store_put(s, &c, NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(store_put(s, NULL, NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(stats(s).seq, 0); /* nothing happened */

    char longname[KG_STORE_MAX_NAME + 2];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    char maxname[KG_STORE_MAX_NAME + 1];
    memset(maxname, 'y', sizeof(maxname) - 1);
    maxname[sizeof(maxname) - 1] = '\0';

    struct node_batch *noname = nb_new(NULL, 1);
    nb_node(noname, 0, T0, CORE_SEC, MIB);
    struct node_batch *b = nb_new("n", 8);
    nb_node(b, 0, T0, CORE_SEC, MIB);
    nb_ctr(b, NULL, "p", "c", 0, T0, CORE_SEC, MIB);
    nb_ctr(b, "ns", "", "c", 0, T0, CORE_SEC, MIB);
    nb_ctr(b, "ns", "p", longname, 0, T0, CORE_SEC, MIB);
    nb_ctr(b, "ns", maxname, "c", 0, T0, CORE_SEC, MIB); /* fine */
    nb_ctr(b, "ns", "nocpu", "c", 0, T0, CORE_SEC, MIB)->point.has_cpu = 0;
    nb_ctr(b, "ns", "nomem", "c", 0, T0, CORE_SEC, MIB)->point.has_memory = 0;
    nb_ctr(b, "ns", "nots", "c", 0, 0, CORE_SEC, MIB);
    struct node_batch *badnode = nb_new("bad", 0);
    nb_node(badnode, 0, 0, CORE_SEC, MIB); /* node sample without a timestamp */
    const struct node_batch *bs[4] = { noname, NULL, b, badnode };
    const char *failed[2] = { NULL, "" };
    c = (struct store_cycle){
        .batches = bs, .nbatches = 4, .failed_nodes = failed, .nfailed = 2, .now_ns = T0 + SEC
    };
    struct store_put_result r;
    err[0] = '\0';
    assert_int_equal(store_put(s, &c, &r, err, sizeof(err)), 0);
    assert_int_equal(r.rejected, 11);
    assert_string_equal(err, "node name is missing");
    assert_int_equal(r.nodes, 2); /* n and bad (without a sample) */
    assert_int_equal(r.pods, 1);
    struct store_view *v = store_acquire(s);
    struct store_iter it;
    store_iter_nodes(v, &it);
    struct store_node_metrics m;
    assert_int_equal(store_next_node(&it, &m), 0);
    store_release(v);
    nb_free(noname);
    nb_free(b);
    nb_free(badnode);
    store_free(s);
}

static void test_max_containers(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 0);
    struct store_put_result r;
    char err[KG_ERRBUF];
    struct node_batch *b = nb_new("n", 2 * KG_STORE_MAX_CONTAINERS + 1);
    char name[32];
    for (int i = 0; i < KG_STORE_MAX_CONTAINERS; i++) {
        snprintf(name, sizeof(name), "c%03d", i);
        nb_ctr(b, "ns", "ok", name, T0 - 20 * SEC, T0, CORE_SEC, MIB);
    }
    for (int i = 0; i <= KG_STORE_MAX_CONTAINERS; i++) {
        snprintf(name, sizeof(name), "c%03d", i);
        nb_ctr(b, "ns", "toomany", name, T0 - 20 * SEC, T0, CORE_SEC, MIB);
    }
    const struct node_batch *bs[1] = { b };
    struct store_cycle c = { .batches = bs, .nbatches = 1, .now_ns = T0 };
    assert_int_equal(store_put(s, &c, &r, err, sizeof(err)), 0);
    assert_int_equal(r.rejected, 1);
    assert_non_null(strstr(err, "toomany"));
    assert_int_equal(r.pods, 1);
    struct store_pod_metrics pm;
    assert_int_equal(pod_get(s, "ns", "ok", &pm), 0); /* fresh rule: served at once */
    assert_int_equal(pm.ncontainers, KG_STORE_MAX_CONTAINERS);
    assert_int_equal(pod_get(s, "ns", "toomany", &pm), -ENOENT);
    nb_free(b);
    store_free(s);
}

/* Lists come out sorted byte-wise whatever the input order; namespace iteration is exact. */
static void test_ordering(void **state)
{
    (void)state;
    static const char *nodes[] = { "node-b", "Node-Z", "node-a", "node", "node-a-1" };
    static const char *pods[][2] = {
        { "kube-system", "coredns" }, { "kube", "x" },      { "default", "web-2" },
        { "default", "web-10" },      { "default", "Web" }, { "kube-system", "a" },
        { "default", "web-1" },       { "kube", "a-b" },    { "kube", "ab" },
    };
    struct store *s = mk(RES60, 0);
    for (int cyc = 0; cyc < 4; cyc++) {
        const struct node_batch *bs[5];
        int64_t ts = T0 + cyc * 10 * SEC;
        uint64_t cpu = (uint64_t)(cyc + 1) * CORE_SEC;
        for (size_t i = 0; i < 5; i++) {
            struct node_batch *b = nb_new(nodes[i], 12);
            nb_node(b, 0, ts, cpu, MIB);
            for (size_t j = i; j < 9; j += 5) {
                nb_ctr(b, pods[j][0], pods[j][1], "z", 0, ts, cpu, MIB);
                nb_ctr(b, pods[j][0], pods[j][1], "a", 0, ts, cpu, MIB);
            }
            bs[i] = b;
        }
        /* pods appearing later merge into the surviving order */
        struct node_batch *extra = (struct node_batch *)bs[0];
        if (cyc >= 2) {
            nb_ctr(extra, "default", "web-15", "z", 0, ts, cpu, MIB);
            nb_ctr(extra, "default", "web-15", "a", 0, ts, cpu, MIB);
        }
        if (cyc == 3)
            nb_ctr(extra, "default", "web-3", "c", 0, ts, cpu, MIB);
        struct store_cycle c = { .batches = bs, .nbatches = 5, .now_ns = ts };
        assert_int_equal(store_put(s, &c, NULL, NULL, 0), 0);
        for (size_t i = 0; i < 5; i++)
            nb_free((struct node_batch *)bs[i]);
    }
    struct store_view *v = store_acquire(s);
    struct store_iter it;
    struct store_node_metrics m;
    static const char *want_nodes[] = { "Node-Z", "node", "node-a", "node-a-1", "node-b" };
    store_iter_nodes(v, &it);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(store_next_node(&it, &m), 1);
        assert_string_equal(m.name, want_nodes[i]);
    }
    assert_int_equal(store_next_node(&it, &m), 0);

    static const char *want_pods[][2] = {
        { "default", "Web" },    { "default", "web-1" },
        { "default", "web-10" }, { "default", "web-15" },
        { "default", "web-2" },  { "kube", "a-b" },
        { "kube", "ab" },        { "kube", "x" },
        { "kube-system", "a" },  { "kube-system", "coredns" },
    };
    struct store_pod_metrics *pm = malloc(sizeof(*pm));
    store_iter_pods(v, NULL, &it);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(store_next_pod(&it, pm), 1);
        assert_string_equal(pm->namespace, want_pods[i][0]);
        assert_string_equal(pm->name, want_pods[i][1]);
        assert_int_equal(pm->ncontainers, 2);
        assert_string_equal(pm->containers[0].name, "a");
        assert_string_equal(pm->containers[1].name, "z");
    }
    assert_int_equal(store_next_pod(&it, pm), 0); /* web-3 has one sample only */

    store_iter_pods(v, "kube", &it);
    for (size_t i = 5; i < 8; i++) {
        assert_int_equal(store_next_pod(&it, pm), 1);
        assert_string_equal(pm->name, want_pods[i][1]);
        assert_string_equal(pm->namespace, "kube");
    }
    assert_int_equal(store_next_pod(&it, pm), 0);
    store_iter_pods(v, "kube-", &it);
    assert_int_equal(store_next_pod(&it, pm), 0);
    store_iter_pods(v, "zzz", &it);
    assert_int_equal(store_next_pod(&it, pm), 0);
    store_iter_pods(v, "", &it);
    assert_int_equal(store_next_pod(&it, pm), 0);
    assert_int_equal(store_pod_metrics(v, "default", "web-3", pm), -ENOENT);
    assert_int_equal(store_pod_metrics(v, "default", "web-15", pm), 0);
    assert_int_equal(store_node_metrics(v, "node-", &m), -ENOENT);
    assert_int_equal(store_node_metrics(v, NULL, &m), -ENOENT);
    assert_int_equal(store_pod_metrics(v, NULL, "x", pm), -ENOENT);
    struct store_stats st;
    store_view_stats(v, &st);
    assert_int_equal(st.pods, 11);
    assert_int_equal(st.containers, 21);
    assert_int_equal(st.container_points, 20);
    assert_int_equal(st.node_points, 5);
    assert_true(st.ready);
    assert_int_equal(st.seq, 4);
    free(pm);
    store_release(v);
    store_free(s);
}

/* Pods churn (new names every cycle): the string pool is compacted and stays bounded, and a
 * view held across compactions keeps its strings. */
static void test_pool_compaction(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 0);
    struct node_batch *b = nb_new("n", 1);
    nb_ctr(b, "ns", "first-pod", "c", T0 - 15 * SEC, T0, CORE_SEC, MIB);
    put_batches(s, T0 + SEC, b, NULL);
    struct store_view *held = store_acquire(s);
    size_t maxpool = 0;
    char name[128];
    for (int cyc = 1; cyc <= 60; cyc++) {
        b = nb_new("n", 2000);
        for (int i = 0; i < 2000; i++) {
            snprintf(name, sizeof(name), "pod-with-a-longish-generated-name-%d-%d", cyc, i);
            nb_ctr(b, "ns", name, "c", 0, T0 + cyc * SEC, CORE_SEC, MIB);
        }
        put_batches(s, T0 + cyc * SEC + 1, b, NULL);
        struct store_stats st = stats(s);
        assert_int_equal(st.pods, 2000);
        if (st.pool_bytes > maxpool)
            maxpool = st.pool_bytes;
    }
    /* live names ≈ 2000 × ~70 B = 140 KB; garbage is bounded by live + one 1 MiB chunk, and
     * the pool holds whole 1 MiB chunks; without compaction 60 cycles would need ~8 MB */
    assert_true(maxpool < 3u * 1024 * 1024);
    struct store_pod_metrics pm;
    assert_int_equal(store_pod_metrics(held, "ns", "first-pod", &pm), 0);
    assert_string_equal(pm.name, "first-pod");
    assert_string_equal(pm.namespace, "ns");
    assert_string_equal(pm.containers[0].name, "c");
    store_release(held);
    struct store_view *v = store_acquire(s);
    snprintf(name, sizeof(name), "pod-with-a-longish-generated-name-%d-%d", 60, 1999);
    assert_int_equal(store_pod_metrics(v, "ns", name, &pm), -ENOENT); /* one sample only */
    struct store_stats st;
    store_view_stats(v, &st);
    assert_int_equal(st.containers, 2000);
    store_release(v);
    store_free(s);
}

/* A view outlives the store. */
static void test_view_outlives_store(void **state)
{
    (void)state;
    struct store *s = mk(RES60, 0);
    put_pod1(s, "c", T0, T0 + 10 * SEC, CORE_SEC, MIB);
    struct store_view *v = store_acquire(s);
    store_free(s);
    struct store_pod_metrics pm;
    assert_int_equal(store_pod_metrics(v, "ns1", "pod1", &pm), 0);
    assert_string_equal(pm.containers[0].name, "c");
    store_release(v);
    store_release(NULL);
    store_free(NULL);
}

/* ---- randomized cycles: every path mixed (churn, failures, partial puts, duplicates, time
 * going backwards), checking invariants after each put; run under ASan/valgrind in CI ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static void check_view(const struct store_view *v)
{
    struct store_iter it;
    struct store_pod_metrics *pm = malloc(sizeof(*pm)), *pm2 = malloc(sizeof(*pm2));
    char ns[64] = "", name[64] = "";
    store_iter_pods(v, NULL, &it);
    while (store_next_pod(&it, pm)) {
        int c = strcmp(ns, pm->namespace);
        assert_true(c < 0 || (c == 0 && strcmp(name, pm->name) < 0));
        snprintf(ns, sizeof(ns), "%s", pm->namespace);
        snprintf(name, sizeof(name), "%s", pm->name);
        assert_int_equal(store_pod_metrics(v, pm->namespace, pm->name, pm2), 0);
        assert_int_equal(pm2->ncontainers, pm->ncontainers);
        assert_int_equal(pm2->timestamp_ns, pm->timestamp_ns);
        for (size_t i = 0; i < pm->ncontainers; i++) {
            assert_true(pm->window_ns > 0);
            if (i > 0)
                assert_true(strcmp(pm->containers[i - 1].name, pm->containers[i].name) < 0);
        }
    }
    struct store_node_metrics m, m2;
    char prev[64] = "";
    store_iter_nodes(v, &it);
    while (store_next_node(&it, &m)) {
        assert_true(strcmp(prev, m.name) < 0);
        snprintf(prev, sizeof(prev), "%s", m.name);
        assert_true(m.window_ns > 0);
        assert_int_equal(store_node_metrics(v, m.name, &m2), 0);
        assert_int_equal(m2.usage.cpu_nanocores, m.usage.cpu_nanocores);
    }
    free(pm);
    free(pm2);
}

static void test_random_cycles(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        struct store *s = mk(15 * SEC, mode);
        struct store_view *held = NULL;
        for (int cyc = 0; cyc < 300; cyc++) {
            const struct node_batch *bs[8];
            const char *failed[4];
            size_t nb = 0, nf = 0;
            char node[16], pod[32], ctr[8];
            for (int n = 0; n < 8; n++) {
                snprintf(node, sizeof(node), "node-%d", n);
                uint32_t what = rnd(10);
                if (what == 0 && nf < 4) {
                    static const char *names[] = { "node-0", "node-1", "node-2", "node-3",
                                                   "node-4", "node-5", "node-6", "node-7" };
                    failed[nf++] = names[n];
                    continue;
                }
                if (what == 1)
                    continue; /* absent */
                struct node_batch *b = nb_new(node, 64);
                int64_t ts = T0 + (int64_t)(cyc - (int)rnd(3)) * 5 * SEC;
                if (rnd(4))
                    nb_node(b, rnd(3) ? 0 : T0 + (int64_t)rnd(40) * SEC, ts,
                            (uint64_t)rnd(1000) * CORE_SEC, MIB);
                uint32_t npods = rnd(20);
                for (uint32_t p = 0; p < npods && b->ncontainers + 4 <= 64; p++) {
                    /* a small name space: pods move between nodes and collide */
                    snprintf(pod, sizeof(pod), "p-%u", rnd(60));
                    uint32_t nc = 1 + rnd(3);
                    for (uint32_t c = 0; c < nc; c++) {
                        snprintf(ctr, sizeof(ctr), "c%u", rnd(4));
                        int64_t start = rnd(2) ? 0 : ts - (int64_t)rnd(30) * SEC;
                        nb_ctr(b, rnd(5) ? "default" : "kube-system", pod, ctr, start,
                               ts + (int64_t)rnd(2) * MS, (uint64_t)rnd(1000) * CORE_SEC,
                               1 + rnd(1000));
                    }
                }
                bs[nb++] = b;
            }
            struct store_cycle c = { .batches = bs,
                                     .nbatches = nb,
                                     .failed_nodes = failed,
                                     .nfailed = nf,
                                     .now_ns = T0 + (int64_t)cyc * 5 * SEC,
                                     .partial = rnd(5) == 0 };
            struct store_put_result r;
            assert_int_equal(store_put(s, &c, &r, NULL, 0), 0);
            assert_int_equal(r.rejected, 0);
            for (size_t i = 0; i < nb; i++)
                nb_free((struct node_batch *)bs[i]);
            struct store_view *v = store_acquire(s);
            check_view(v);
            struct store_stats st;
            store_view_stats(v, &st);
            assert_int_equal(st.pods, r.pods);
            assert_int_equal(st.containers, r.containers);
            assert_true(st.container_points <= st.containers);
            assert_true(st.node_points <= st.nodes);
            store_release(v);
            if (rnd(10) == 0) { /* hold a view for a while, across puts */
                store_release(held);
                held = store_acquire(s);
            }
        }
        if (held != NULL)
            check_view(held);
        store_release(held);
        store_free(s);
    }
}

/* ---- readers under a writer ---- */

#define CONC_NODES 20
#define CONC_PODS 25 /* per node */
#define CONC_CYCLES 200

struct conc {
    struct store *s;
    atomic_int stop;
    atomic_long reads;
    atomic_int bad;
};

/* Every cycle k stores, for every container, cumulative CPU = k core-seconds at T0 + k s, so any
 * served rate is exactly one core and the window one second; a reader seeing anything else, an
 * unsorted list, or a torn count has caught a race. */
static void *reader(void *arg)
{
    struct conc *c = arg;
    struct store_pod_metrics *pm = malloc(sizeof(*pm));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!atomic_load(&c->stop)) {
        struct store_view *v = store_acquire(c->s);
        struct store_iter it;
        store_iter_pods(v, NULL, &it);
        char prevns[64] = "", prevname[64] = "";
        size_t n = 0;
        while (store_next_pod(&it, pm)) {
            n++;
            int order = strcmp(prevns, pm->namespace);
            if (order > 0 || (order == 0 && strcmp(prevname, pm->name) >= 0))
                atomic_store(&c->bad, 1);
            snprintf(prevns, sizeof(prevns), "%s", pm->namespace);
            snprintf(prevname, sizeof(prevname), "%s", pm->name);
            if (pm->ncontainers != 2 || pm->window_ns != SEC ||
                pm->containers[0].usage.cpu_nanocores != 1000000000 ||
                pm->containers[1].usage.cpu_nanocores != 1000000000)
                atomic_store(&c->bad, 2);
        }
        struct store_stats st;
        store_view_stats(v, &st);
        /* churning pods (1 in 5) are new in even cycles: one sample, not served */
        size_t want = st.seq <= 1       ? 0
                      : st.seq % 2 == 0 ? CONC_NODES * CONC_PODS * 4 / 5
                                        : CONC_NODES * CONC_PODS;
        if (n != want)
            atomic_store(&c->bad, 3);
        struct store_node_metrics m;
        if (st.seq >= 2 && store_node_metrics(v, "node-07", &m) != 0)
            atomic_store(&c->bad, 4);
        store_release(v);
        atomic_fetch_add(&c->reads, 1);
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 20)
            break; /* bound in time whatever happens */
    }
    free(pm);
    return NULL;
}

static void test_concurrent_readers(void **state)
{
    (void)state;
    struct conc c = { .s = mk(RES60, 0) };
    atomic_init(&c.stop, 0);
    atomic_init(&c.reads, 0);
    atomic_init(&c.bad, 0);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &c), 0);
    char node[32], pod[32];
    for (int k = 1; k <= CONC_CYCLES; k++) {
        const struct node_batch *bs[CONC_NODES];
        for (int n = 0; n < CONC_NODES; n++) {
            snprintf(node, sizeof(node), "node-%02d", n);
            struct node_batch *b = nb_new(node, 2 * CONC_PODS);
            nb_node(b, 0, T0 + k * SEC, (uint64_t)k * CORE_SEC, MIB);
            for (int p = CONC_PODS - 1; p >= 0; p--) {
                snprintf(pod, sizeof(pod), "pod-%02d-%02d", n, p);
                /* a few pods change names each cycle, to exercise the merge and compaction */
                const char *ns = (p % 5 == 0) ? "churn" : "stable";
                if (p % 5 == 0)
                    snprintf(pod, sizeof(pod), "pod-%02d-%02d-%d", n, p, k / 2);
                nb_ctr(b, ns, pod, "b", 0, T0 + k * SEC, (uint64_t)k * CORE_SEC, MIB);
                nb_ctr(b, ns, pod, "a", 0, T0 + k * SEC, (uint64_t)k * CORE_SEC, MIB);
            }
            bs[n] = b;
        }
        struct store_cycle cy = { .batches = bs, .nbatches = CONC_NODES, .now_ns = T0 + k * SEC };
        assert_int_equal(store_put(c.s, &cy, NULL, NULL, 0), 0);
        for (int n = 0; n < CONC_NODES; n++)
            nb_free((struct node_batch *)bs[n]);
    }
    atomic_store(&c.stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&c.bad), 0);
    assert_true(atomic_load(&c.reads) > 0);
    store_free(c.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_node_two_batches),
        cmocka_unit_test(test_ref_node_repeated),
        cmocka_unit_test(test_ref_node_points_gauge),
        cmocka_unit_test(test_ref_node_restart),
        cmocka_unit_test(test_ref_node_cpu_decrease),
        cmocka_unit_test(test_ref_node_older_than_prev),
        cmocka_unit_test(test_ref_node_between_prev_and_last),
        cmocka_unit_test(test_ref_node_zero_start),
        cmocka_unit_test(test_ref_resource_usage),
        cmocka_unit_test(test_ref_pod_two_batches),
        cmocka_unit_test(test_ref_pod_earliest_timestamp),
        cmocka_unit_test(test_ref_pod_repeated),
        cmocka_unit_test(test_ref_pod_restart_fresh),
        cmocka_unit_test(test_ref_pod_cpu_decrease),
        cmocka_unit_test(test_ref_pod_older_than_prev),
        cmocka_unit_test(test_ref_pod_between_prev_and_last),
        cmocka_unit_test(test_ref_pod_long_running_needs_two),
        cmocka_unit_test(test_ref_pod_fresh_one_cycle),
        cmocka_unit_test(test_ref_pod_start_after_timestamp),
        cmocka_unit_test(test_ref_pod_younger_than_10s),
        cmocka_unit_test(test_ref_pod_zero_start),
        cmocka_unit_test(test_ref_pod_new_second_container),
        cmocka_unit_test(test_ref_ready),
        cmocka_unit_test(test_fresh_band),
        cmocka_unit_test(test_restart_hides_one_cycle),
        cmocka_unit_test(test_partial_container_error),
        cmocka_unit_test(test_no_zero_prev_quirk),
        cmocka_unit_test(test_equal_to_prev_drops_prev),
        cmocka_unit_test(test_rescrape_same_timestamp),
        cmocka_unit_test(test_failed_node_kept),
        cmocka_unit_test(test_failed_node_reference),
        cmocka_unit_test(test_partial_put),
        cmocka_unit_test(test_swap),
        cmocka_unit_test(test_cpu_rate_edges),
        cmocka_unit_test(test_uint64_counters),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_invalid_input),
        cmocka_unit_test(test_max_containers),
        cmocka_unit_test(test_ordering),
        cmocka_unit_test(test_pool_compaction),
        cmocka_unit_test(test_view_outlives_store),
        cmocka_unit_test(test_random_cycles),
        cmocka_unit_test(test_concurrent_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
