/*
 * bench_json: writes a metrics.k8s.io PodMetricsList of N PodMetrics (default 100,000: name,
 * namespace, creationTimestamp, two labels, timestamp, window, two containers with cpu and
 * memory usage) with the streaming writer, then parses it back with the reader and extracts
 * every field. Reports the best and median of R runs, throughput, output size and peak RSS.
 *
 *   bench_json [--pods N] [--runs R] [--mode write|read|both] [--pretty] [--out FILE]
 *
 * --mode write or read does only that half (the read half still builds its input first,
 * untimed), which is what hyperfine invocations use. See bench/json/README.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "json/json.h"
#include "json/writer.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/time.h"

#define MAX_RUNS 101

static int write_list(struct buf *out, long pods, bool pretty)
{
    static const int64_t base = INT64_C(1732521540) * NS_PER_SEC; /* 2024-11-25T07:59:00Z */
    char ts[TIME_RFC3339_LEN], created[TIME_RFC3339_LEN], tmp[64];
    struct json_writer *w = json_writer_new(out);
    if (pretty)
        json_writer_set_indent(w, "    ");
    time_format_rfc3339(base, ts, sizeof(ts));
    json_writer_begin_object(w);
    json_writer_member_string(w, "kind", "PodMetricsList");
    json_writer_member_string(w, "apiVersion", "metrics.k8s.io/v1beta1");
    json_writer_key(w, "metadata");
    json_writer_begin_object(w);
    json_writer_end_object(w);
    json_writer_key(w, "items");
    json_writer_begin_array(w);
    for (long i = 0; i < pods; i++) {
        json_writer_begin_object(w);
        json_writer_key(w, "metadata");
        json_writer_begin_object(w);
        snprintf(tmp, sizeof(tmp), "web-%ld-7d9f8c6b5-%05ld", i % 1000, i);
        json_writer_member_string(w, "name", tmp);
        snprintf(tmp, sizeof(tmp), "team-%ld", i % 50);
        json_writer_member_string(w, "namespace", tmp);
        time_format_rfc3339(base - (i % 3600) * NS_PER_SEC, created, sizeof(created));
        json_writer_member_string(w, "creationTimestamp", created);
        json_writer_key(w, "labels");
        json_writer_begin_object(w);
        snprintf(tmp, sizeof(tmp), "web-%ld", i % 1000);
        json_writer_member_string(w, "app", tmp);
        json_writer_member_string(w, "pod-template-hash", "7d9f8c6b5");
        json_writer_end_object(w);
        json_writer_end_object(w);
        json_writer_member_string(w, "timestamp", ts);
        json_writer_member_string(w, "window", "10.059s");
        json_writer_key(w, "containers");
        json_writer_begin_array(w);
        for (int c = 0; c < 2; c++) {
            json_writer_begin_object(w);
            json_writer_member_string(w, "name", c ? "istio-proxy" : "app");
            json_writer_key(w, "usage");
            json_writer_begin_object(w);
            snprintf(tmp, sizeof(tmp), "%ldn", 1000000 + i * 37 + c);
            json_writer_member_string(w, "cpu", tmp);
            snprintf(tmp, sizeof(tmp), "%ldKi", 20000 + (i * 13 + c) % 500000);
            json_writer_member_string(w, "memory", tmp);
            json_writer_end_object(w);
            json_writer_end_object(w);
        }
        json_writer_end_array(w);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    json_writer_end_object(w);
    char err[KG_ERRBUF];
    int rc = json_writer_finish(w, err, sizeof(err));
    if (rc)
        fprintf(stderr, "bench_json: %s\n", err);
    json_writer_free(w);
    return rc;
}

/* Parses the list and reads every field, as a consumer (kubectl top, the HPA) would. */
static int read_list(const struct buf *in, long pods)
{
    char err[KG_ERRBUF];
    struct json_doc *doc = NULL;
    const struct json_value *items = NULL;
    size_t n = 0;
    int rc = json_parse(in->ptr, in->len, &doc, err, sizeof(err));
    if (rc == 0)
        rc = json_get_array(json_doc_root(doc), "items", &items, &n, err, sizeof(err));
    uint64_t checksum = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const struct json_value *it = json_array_at(items, i);
        const char *s;
        size_t len;
        static const char *fields[] = { "metadata.name",
                                        "metadata.namespace",
                                        "metadata.creationTimestamp",
                                        "metadata.labels.app",
                                        "timestamp",
                                        "window",
                                        "containers[0].name",
                                        "containers[0].usage.cpu",
                                        "containers[0].usage.memory",
                                        "containers[1].name",
                                        "containers[1].usage.cpu",
                                        "containers[1].usage.memory" };
        for (size_t f = 0; rc == 0 && f < sizeof(fields) / sizeof(fields[0]); f++) {
            rc = json_get_string(it, fields[f], &s, &len, err, sizeof(err));
            if (rc == 0)
                checksum += len;
        }
    }
    if (rc == 0 && n != (size_t)pods) {
        snprintf(err, sizeof(err), "expected %ld items, got %zu", pods, n);
        rc = -EINVAL;
    }
    if (rc)
        fprintf(stderr, "bench_json: read: %s\n", err);
    json_doc_free(doc);
    return rc ? rc : (checksum ? 0 : -EINVAL);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, int64_t *ns, int runs, size_t bytes)
{
    qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_i64);
    double best = (double)ns[0] / 1e9, median = (double)ns[runs / 2] / 1e9;
    printf("%-6s best %.3f s, median %.3f s over %d run(s): %.0f MB/s (best), %.0f MB/s "
           "(median)\n",
           what, best, median, runs, (double)bytes / 1e6 / best, (double)bytes / 1e6 / median);
}

static long arg_long(const char *s, const char *flag)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || v <= 0) {
        fprintf(stderr, "bench_json: %s needs a positive integer, got \"%s\"\n", flag, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    long pods = 100000, runs = 5;
    const char *mode = "both", *outfile = NULL;
    bool pretty = false;
    int64_t wns[MAX_RUNS], rns[MAX_RUNS];
    struct buf out;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--pods") == 0 && i + 1 < argc) {
            pods = arg_long(argv[++i], "--pods");
        } else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = arg_long(argv[++i], "--runs");
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            mode = argv[++i];
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            outfile = argv[++i];
        } else if (strcmp(argv[i], "--pretty") == 0) {
            pretty = true;
        } else {
            fprintf(stderr, "usage: bench_json [--pods N] [--runs R] [--mode write|read|both] "
                            "[--pretty] [--out FILE]\n");
            return 2;
        }
    }
    if (runs > MAX_RUNS)
        runs = MAX_RUNS;
    bool do_write = strcmp(mode, "read") != 0, do_read = strcmp(mode, "write") != 0;

    buf_init(&out, KG_MAX_JSON_DOC);
    for (long r = 0; r < (do_write ? runs : 1); r++) {
        buf_reset(&out);
        int64_t t0 = time_mono_ns();
        rc = write_list(&out, pods, pretty);
        wns[r] = time_mono_ns() - t0;
        if (rc)
            goto done;
    }
    printf("document: %ld PodMetrics, %zu bytes (%.1f MB)%s\n", pods, out.len,
           (double)out.len / 1e6, pretty ? ", indented" : "");
    if (do_write)
        report("write", wns, (int)runs, out.len);
    if (outfile) {
        FILE *f = fopen(outfile, "wb");
        if (!f || fwrite(out.ptr, 1, out.len, f) != out.len) {
            fprintf(stderr, "bench_json: cannot write %s\n", outfile);
            rc = 1;
        }
        if (f)
            fclose(f);
    }
    for (long r = 0; do_read && rc == 0 && r < runs; r++) {
        int64_t t0 = time_mono_ns();
        rc = read_list(&out, pods);
        rns[r] = time_mono_ns() - t0;
    }
    if (do_read && rc == 0)
        report("read", rns, (int)runs, out.len);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS: %.1f MB\n", (double)ru.ru_maxrss / 1024.0);
done:
    buf_cleanup(&out);
    return rc ? 1 : 0;
}
