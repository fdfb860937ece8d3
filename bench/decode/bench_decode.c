/*
 * bench_decode: time decode_resource() on a generated kubelet /metrics/resource payload shaped
 * like a real STABLE (>= 1.30) one: HELP/TYPE lines, container cpu/memory/start-time families,
 * pod families (skipped by the decoder), node lines, resource_scrape_error. Also times
 * decode_summary() on the equivalent /stats/summary document.
 *
 *   bench_decode [--pods N] [--containers-per-pod K] [--iters N] [--only prom|summary] [--dump]
 *
 * Prints payload size, best and median time per decode over 9 runs of --iters decodes, MB/s,
 * and allocations per decode (util/alloc counter).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/decode.h"
#include "metrics/summary.h"
#include "util/alloc.h"
#include "util/buf.h"
#include "util/time.h"

#define RUNS 9

static void gen_prom(struct buf *b, int pods, int cpp)
{
    static const char *const fam[] = { "container_cpu_usage_seconds_total",
                                       "container_memory_working_set_bytes",
                                       "container_start_time_seconds" };
    static const char *const help[] = {
        "counter Cumulative cpu time consumed by the container in core-seconds",
        "gauge Current working set of the container in bytes",
        "gauge Start time of the container since unix epoch in seconds"
    };
    for (int f = 0; f < 3; f++) {
        const char *t = help[f];
        const char *sp = strchr(t, ' ');
        buf_printf(b, "# HELP %s [STABLE] %s\n# TYPE %s %.*s\n", fam[f], sp + 1, fam[f],
                   (int)(sp - t), t);
        for (int p = 0; p < pods; p++) {
            for (int c = 0; c < cpp; c++) {
                buf_printf(b,
                           "%s{container=\"app-container-%d\",namespace=\"team-%02d-namespace\","
                           "pod=\"workload-%03d-7f9c8d6b5-x%04d\"} ",
                           fam[f], c, p % 12, p, p * 7 % 10000);
                if (f == 0)
                    buf_printf(b, "%d.%09d 1750705768%03d\n", 10 + p, 123456789 + p, p % 1000);
                else if (f == 1)
                    buf_printf(b, "%d.%06de+07 1750705768%03d\n", 1 + p % 9, 391616 + p, p % 1000);
                else
                    buf_printf(b, "1.75060784%08de+09\n", 18297591 + p);
            }
        }
    }
    buf_printf(b, "# HELP node_cpu_usage_seconds_total [STABLE] Cumulative cpu time\n"
                  "# TYPE node_cpu_usage_seconds_total counter\n"
                  "node_cpu_usage_seconds_total 6197.005020909 1750705774670\n"
                  "# HELP node_memory_working_set_bytes [STABLE] Current working set\n"
                  "# TYPE node_memory_working_set_bytes gauge\n"
                  "node_memory_working_set_bytes 1.137475584e+09 1750705774670\n");
    for (int f = 0; f < 2; f++) {
        buf_printf(b, "# HELP pod_%s [STABLE] pod level\n# TYPE pod_%s gauge\n",
                   f ? "memory_working_set_bytes" : "cpu_usage_seconds_total",
                   f ? "memory_working_set_bytes" : "cpu_usage_seconds_total");
        for (int p = 0; p < pods; p++)
            buf_printf(b,
                       "pod_%s{namespace=\"team-%02d-namespace\",pod=\"workload-%03d-7f9c8d6b5-"
                       "x%04d\"} %d.5 1750705768%03d\n",
                       f ? "memory_working_set_bytes" : "cpu_usage_seconds_total", p % 12, p,
                       p * 7 % 10000, 100 + p, p % 1000);
    }
    buf_printf(b, "# HELP resource_scrape_error [STABLE] 1 if there was an error\n"
                  "# TYPE resource_scrape_error gauge\nresource_scrape_error 0\n");
}

static void gen_summary(struct buf *b, int pods, int cpp)
{
    buf_printf(b,
               "{\"node\":{\"nodeName\":\"node-1\",\"startTime\":\"2025-06-22T15:00:00Z\","
               "\"cpu\":{\"time\":\"2025-06-23T19:09:34Z\",\"usageNanoCores\":123456,"
               "\"usageCoreNanoSeconds\":6197005020909},\"memory\":{\"time\":"
               "\"2025-06-23T19:09:34Z\",\"workingSetBytes\":1137475584,\"usageBytes\":2000000000,"
               "\"rssBytes\":1000000}},\"pods\":[");
    for (int p = 0; p < pods; p++) {
        buf_printf(b,
                   "%s{\"podRef\":{\"name\":\"workload-%03d-7f9c8d6b5-x%04d\",\"namespace\":"
                   "\"team-%02d-namespace\",\"uid\":\"0b283892-c517-4df9-8999-%012d\"},"
                   "\"startTime\":\"2025-06-22T15:50:41Z\",\"containers\":[",
                   p ? "," : "", p, p * 7 % 10000, p % 12, p);
        for (int c = 0; c < cpp; c++)
            buf_printf(b,
                       "%s{\"name\":\"app-container-%d\",\"startTime\":\"2025-06-22T15:50:41Z\","
                       "\"cpu\":{\"time\":\"2025-06-23T19:09:28Z\",\"usageNanoCores\":2000,"
                       "\"usageCoreNanoSeconds\":%d123456789},\"memory\":{\"time\":"
                       "\"2025-06-23T19:09:28Z\",\"usageBytes\":20000000,\"workingSetBytes\":"
                       "%d391616,\"rssBytes\":100000,\"pageFaults\":1716,\"majorPageFaults\":0},"
                       "\"rootfs\":{\"time\":\"2025-06-23T19:09:28Z\",\"availableBytes\":1,"
                       "\"capacityBytes\":2,\"usedBytes\":3},\"logs\":{\"time\":"
                       "\"2025-06-23T19:09:28Z\",\"usedBytes\":4}}",
                       c ? "," : "", c, 10 + p, 1 + p % 9);
        buf_printf(b, "]}");
    }
    buf_printf(b, "]}");
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

typedef int (*decode_fn)(const void *, size_t, const struct decode_opts *, struct node_batch **,
                         char *, size_t);

static void run(const char *what, decode_fn fn, const struct buf *in, int iters, size_t want)
{
    struct decode_opts o = { "node-1", 1750705774000000000, 0 };
    int64_t t[RUNS];
    char err[512];
    unsigned long allocs = 0;
    for (int r = 0; r < RUNS; r++) {
        unsigned long a0 = xalloc_count();
        int64_t t0 = time_mono_ns();
        for (int i = 0; i < iters; i++) {
            struct node_batch *b;
            if (fn(in->ptr, in->len, &o, &b, err, sizeof(err)) || b->ncontainers != want ||
                b->nerrors || !b->has_node) {
                fprintf(stderr, "%s: unexpected result: %s\n", what, err);
                exit(1);
            }
            node_batch_free(b);
        }
        t[r] = (time_mono_ns() - t0) / iters;
        allocs = (xalloc_count() - a0) / (unsigned long)iters;
    }
    qsort(t, RUNS, sizeof(t[0]), cmp_i64);
    printf("%-8s %8zu bytes  best %7.1f us  median %7.1f us  %6.0f MB/s  %lu allocations/decode\n",
           what, in->len, t[0] / 1e3, t[RUNS / 2] / 1e3, (double)in->len / (double)t[0] * 1e3,
           allocs);
}

int main(int argc, char **argv)
{
    int pods = 110, cpp = 1, iters = 2000, dump = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--pods") && i + 1 < argc)
            pods = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--containers-per-pod") && i + 1 < argc)
            cpp = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--iters") && i + 1 < argc)
            iters = (int)strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--dump"))
            dump = 1;
        else {
            fprintf(stderr, "usage: bench_decode [--pods N] [--containers-per-pod K] "
                            "[--iters N] [--only prom|summary] [--dump]\n");
            return 2;
        }
    }
    if (pods < 1 || pods > 5000 || cpp < 1 || cpp > 10 || iters < 1) {
        fprintf(stderr, "bench_decode: out-of-range argument\n");
        return 2;
    }
    struct buf prom, sum;
    buf_init(&prom, 64u << 20);
    buf_init(&sum, 64u << 20);
    gen_prom(&prom, pods, cpp);
    gen_summary(&sum, pods, cpp);
    if (dump) {
        fwrite(prom.ptr, 1, prom.len, stdout);
        return 0;
    }
    printf("%d pods x %d container(s), %d decodes per run, %d runs\n", pods, cpp, iters, RUNS);
    if (!only || !strcmp(only, "prom"))
        run("prom", decode_resource, &prom, iters, (size_t)(pods * cpp));
    if (!only || !strcmp(only, "summary"))
        run("summary", decode_summary, &sum, iters / 10 ? iters / 10 : 1, (size_t)(pods * cpp));
    buf_cleanup(&prom);
    buf_cleanup(&sum);
    return 0;
}
