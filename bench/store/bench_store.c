/*
 * bench_store: cost of the metrics store at cluster scale (see bench/store/README.md).
 *
 * Builds N nodes × P pods × C containers of node_batch input once (names shaped like real
 * Deployment pods, 50 namespaces), then times store_put for several cycles (the first one sees
 * only new pods, later ones the steady state), a full iteration of all pods and nodes, one
 * namespace's pods, and single-pod lookups; reports the store's own accounting and the process
 * RSS (the input batches are measured separately and freed before the final RSS reading).
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/sample.h"
#include "metrics/store.h"
#include "util/arena.h"

#define SEC INT64_C(1000000000)

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* VmRSS / VmHWM in KiB from /proc/self/status. */
static long proc_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t klen = strlen(key);
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtol(line + klen + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

static long arg_long(int argc, char **argv, const char *name, long def)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0) {
            char *end;
            errno = 0;
            long v = strtol(argv[i + 1], &end, 10);
            if (errno == 0 && *end == '\0' && v >= 0)
                return v;
            fprintf(stderr, "bad value for %s\n", name);
            exit(2);
        }
    return def;
}

int main(int argc, char **argv)
{
    long nnodes = arg_long(argc, argv, "--nodes", 5000);
    long npods = arg_long(argc, argv, "--pods", 110);
    long nctr = arg_long(argc, argv, "--containers", 0); /* 0: alternate 1 and 2 */
    long cycles = arg_long(argc, argv, "--cycles", 4);
    long runs = arg_long(argc, argv, "--runs", 5);
    if (nnodes < 1 || cycles < 2 || runs < 1 || nctr > 8) {
        fprintf(stderr, "usage: bench_store [--nodes N] [--pods P] [--containers 0|1..8] "
                        "[--cycles K>=2] [--runs R]\n");
        return 2;
    }
    static const char *cnames[] = { "app", "istio-proxy", "sidecar", "log", "a", "b", "c", "d" };
    const int64_t t0 = INT64_C(1750000000) * SEC;
    long rss0 = proc_kib("VmRSS");

    /* input */
    double t = now_s();
    struct node_batch **bs = calloc((size_t)nnodes, sizeof(*bs));
    size_t nsamples = 0;
    for (long n = 0; n < nnodes; n++) {
        struct arena *a = arena_new(0);
        struct node_batch *b = arena_alloc(a, sizeof(*b));
        char buf[128];
        b->arena = a;
        snprintf(buf, sizeof(buf), "ip-10-%ld-%ld-%ld.ec2.internal", n / 65536, (n / 256) % 256,
                 n % 256);
        b->node = arena_strdup(a, buf);
        b->has_node = 1;
        b->node_point = (struct sample_point){ .timestamp_ns = t0,
                                               .cpu_ns = 1000 * SEC,
                                               .memory_bytes = 8ull << 30,
                                               .has_cpu = 1,
                                               .has_memory = 1 };
        size_t cap = (size_t)npods * (nctr ? (size_t)nctr : 2);
        b->containers = arena_alloc(a, (cap ? cap : 1) * sizeof(*b->containers));
        for (long p = 0; p < npods; p++) {
            long id = n * npods + p;
            char ns[32], pod[96];
            snprintf(ns, sizeof(ns), "team-%02ld", id % 50);
            snprintf(pod, sizeof(pod), "service-%04ld-7d9f8b6c%02lx-%05lx", (id / 10) % 5000,
                     id % 256, (unsigned long)(id * 2654435761u) & 0xfffff);
            const char *nsp = arena_strdup(a, ns), *podp = arena_strdup(a, pod);
            long k = nctr ? nctr : 1 + (id & 1);
            for (long c = 0; c < k; c++) {
                struct container_sample *cs = &b->containers[b->ncontainers++];
                cs->namespace = nsp;
                cs->pod = podp;
                cs->container = cnames[c];
                cs->point = (struct sample_point){ .timestamp_ns = t0,
                                                   .start_time_ns = t0 - 86400 * SEC,
                                                   .cpu_ns = (uint64_t)(id + 1) * SEC,
                                                   .memory_bytes = 100u << 20,
                                                   .has_cpu = 1,
                                                   .has_memory = 1 };
                nsamples++;
            }
        }
        bs[n] = b;
    }
    double t_gen = now_s() - t;
    long rss_input = proc_kib("VmRSS");
    printf("input: %ld nodes, %ld pods, %zu containers; built in %.3f s, +%.1f MiB RSS\n", nnodes,
           nnodes * npods, nsamples, t_gen, (double)(rss_input - rss0) / 1024);

    struct store *s;
    char err[256];
    struct store_opts o = { .resolution_ns = 15 * SEC };
    if (store_new(&o, &s, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (long cyc = 0; cyc < cycles; cyc++) {
        int64_t ts = t0 + cyc * 15 * SEC;
        for (long n = 0; n < nnodes; n++) {
            bs[n]->node_point.timestamp_ns = ts;
            bs[n]->node_point.cpu_ns += 15 * SEC;
            for (size_t c = 0; c < bs[n]->ncontainers; c++) {
                bs[n]->containers[c].point.timestamp_ns = ts;
                bs[n]->containers[c].point.cpu_ns += (uint64_t)(c + 1) * SEC / 10;
            }
        }
        struct store_cycle cy = { .batches = (const struct node_batch *const *)bs,
                                  .nbatches = (size_t)nnodes,
                                  .now_ns = ts + SEC };
        struct store_put_result r;
        t = now_s();
        if (store_put(s, &cy, &r, err, sizeof(err)) != 0 || r.rejected) {
            fprintf(stderr, "put: %s\n", err);
            return 1;
        }
        printf("put %ld: %.3f s (%zu nodes, %zu pods, %zu containers)\n", cyc + 1, now_s() - t,
               r.nodes, r.pods, r.containers);
    }
    for (long n = 0; n < nnodes; n++)
        arena_free(bs[n]->arena);
    free(bs);

    struct store_view *v = store_acquire(s);
    struct store_stats st;
    store_view_stats(v, &st);
    struct store_pod_metrics *pm = malloc(sizeof(*pm));
    struct store_node_metrics nm;
    struct store_iter it;
    double best_pods = 1e9, best_nodes = 1e9, best_ns = 1e9, best_get = 1e9;
    size_t served = 0, nserved = 0, nsserved = 0;
    uint64_t sink = 0;
    for (long r = 0; r < runs; r++) {
        t = now_s();
        store_iter_pods(v, NULL, &it);
        served = 0;
        while (store_next_pod(&it, pm)) {
            served++;
            sink += pm->containers[0].usage.cpu_nanocores;
        }
        double d = now_s() - t;
        best_pods = d < best_pods ? d : best_pods;

        t = now_s();
        store_iter_nodes(v, &it);
        nserved = 0;
        while (store_next_node(&it, &nm)) {
            nserved++;
            sink += nm.usage.cpu_nanocores;
        }
        d = now_s() - t;
        best_nodes = d < best_nodes ? d : best_nodes;

        t = now_s();
        store_iter_pods(v, "team-07", &it);
        nsserved = 0;
        while (store_next_pod(&it, pm))
            nsserved++;
        d = now_s() - t;
        best_ns = d < best_ns ? d : best_ns;

        t = now_s();
        for (long i = 0; i < 100000; i++) {
            long id = (i * 7919) % (nnodes * npods);
            char ns[32], pod[96];
            snprintf(ns, sizeof(ns), "team-%02ld", id % 50);
            snprintf(pod, sizeof(pod), "service-%04ld-7d9f8b6c%02lx-%05lx", (id / 10) % 5000,
                     id % 256, (unsigned long)(id * 2654435761u) & 0xfffff);
            if (store_pod_metrics(v, ns, pod, pm) == 0)
                sink++;
        }
        d = (now_s() - t) / 100000;
        best_get = d < best_get ? d : best_get;
    }
    printf("iterate all pods: %.4f s (%zu pods served, %.0f ns/pod)\n", best_pods, served,
           best_pods / (double)(served ? served : 1) * 1e9);
    printf("iterate all nodes: %.6f s (%zu nodes)\n", best_nodes, nserved);
    printf("iterate one namespace: %.6f s (%zu pods)\n", best_ns, nsserved);
    printf("get one pod (incl. formatting its name): %.0f ns\n", best_get * 1e9);
    printf("store accounting: arrays %.1f MiB + strings %.1f MiB = %.1f MiB "
           "(%.1f bytes/container)\n",
           (double)st.bytes / 1048576, (double)st.pool_bytes / 1048576,
           (double)(st.bytes + st.pool_bytes) / 1048576,
           (double)(st.bytes + st.pool_bytes) / (double)st.containers);
    store_release(v);
    free(pm);
    long rss_end = proc_kib("VmRSS");
    malloc_trim(0); /* give glibc's freed-but-kept heap back, to see what is live */
    long rss_trim = proc_kib("VmRSS");
    printf("process RSS: start %.1f MiB, with input %.1f MiB, end (input freed) %.1f MiB, "
           "after malloc_trim %.1f MiB, peak %.1f MiB\n",
           (double)rss0 / 1024, (double)rss_input / 1024, (double)rss_end / 1024,
           (double)rss_trim / 1024, (double)proc_kib("VmHWM") / 1024);
    store_free(s);
    return sink == 42 ? 1 : 0;
}
