/*
 * `kgauge scrape` (see scrapecmd.h): read a payload file, run the same decoder the metrics
 * server uses, print the batch with the streaming JSON writer.
 */
#include "metrics/scrapecmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json/writer.h"
#include "metrics/decode.h"
#include "metrics/summary.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/time.h"

enum fmt { FMT_AUTO, FMT_PROM, FMT_SUMMARY };

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: kgauge scrape --file PAYLOAD [--format auto|prom|summary] [--node NAME]\n"
            "                     [--time RFC3339] [--strict] [--keep-partial-pods] [--compact]\n"
            "\nDecodes a saved kubelet /metrics/resource (prom) or /stats/summary (summary)\n"
            "payload and prints its node and container samples as JSON.\n"
            "  --file PATH          the payload; - reads standard input\n"
            "  --format F           auto (default), prom or summary\n"
            "  --node NAME          node name to report\n"
            "  --time RFC3339       timestamp for series without one (default: now)\n"
            "  --strict             any malformed line fails the whole payload (reference)\n"
            "  --keep-partial-pods  keep complete containers of a pod with an incomplete one\n"
            "  --compact            print one line of JSON\n");
}

static int read_all(const char *path, struct buf *b, char *err, size_t errlen)
{
    int rc = 0;
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -errno;
    }
    for (;;) {
        size_t room = b->max - b->len;
        char *p = room ? buf_reserve(b, room < 65536 ? room : 65536, &rc) : NULL;
        char probe;
        ssize_t n = p ? read(fd, p, room < 65536 ? room : 65536) : read(fd, &probe, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (!p) {
            rc = -E2BIG;
            snprintf(err, errlen, "%s is larger than %u bytes", path,
                     (unsigned)KG_MAX_KUBELET_BODY);
            break;
        }
        buf_commit(b, (size_t)n);
    }
    if (fd != 0)
        close(fd);
    return rc;
}

static int flush_stdout(void *ud, const char *data, size_t len)
{
    (void)ud;
    return fwrite(data, 1, len, stdout) == len ? 0 : -EIO;
}

static void write_time(struct json_writer *w, const char *key, int64_t ns)
{
    char t[TIME_RFC3339_LEN];
    if (ns <= 0)
        return;
    time_format_rfc3339_nano(ns, 0, t, sizeof(t));
    json_writer_member_string(w, key, t);
}

static void write_point(struct json_writer *w, const struct sample_point *p)
{
    write_time(w, "timestamp", p->timestamp_ns);
    write_time(w, "startTime", p->start_time_ns);
    json_writer_key(w, "cpuNanoseconds");
    json_writer_uint64(w, p->cpu_ns);
    json_writer_key(w, "memoryBytes");
    json_writer_uint64(w, p->memory_bytes);
    if (p->has_swap) {
        json_writer_key(w, "swapBytes");
        json_writer_uint64(w, p->swap_bytes);
    }
}

static int print_batch(const struct node_batch *b, const char *format, bool compact, char *err,
                       size_t errlen)
{
    struct json_writer *w = json_writer_new_flush(flush_stdout, NULL, 0);
    if (!compact)
        json_writer_set_indent(w, "  ");
    json_writer_begin_object(w);
    json_writer_member_string(w, "format", format);
    json_writer_member_string(w, "node", b->node);
    json_writer_key(w, "nodeSample");
    if (b->has_node) {
        json_writer_begin_object(w);
        write_point(w, &b->node_point);
        json_writer_end_object(w);
    } else {
        json_writer_null(w);
    }
    json_writer_key(w, "containers");
    json_writer_begin_array(w);
    for (size_t i = 0; i < b->ncontainers; i++) {
        const struct container_sample *c = &b->containers[i];
        json_writer_begin_object(w);
        json_writer_member_string(w, "namespace", c->namespace);
        json_writer_member_string(w, "pod", c->pod);
        json_writer_member_string(w, "container", c->container);
        write_point(w, &c->point);
        json_writer_end_object(w);
    }
    json_writer_end_array(w);
    json_writer_key(w, "errors");
    json_writer_uint64(w, b->nerrors);
    json_writer_member_string(w, "firstError", b->first_error);
    json_writer_end_object(w);
    int rc = json_writer_finish(w, err, errlen);
    json_writer_free(w);
    if (!rc && fputc('\n', stdout) == EOF)
        rc = -EIO;
    if (!rc && fflush(stdout))
        rc = -EIO;
    return rc;
}

/* "--name VALUE" or "--name=VALUE": returns 1 when argv[*i] is that flag (*v is its value, or
 * NULL when the value is missing), advancing *i past a separate value; 0 otherwise. */
static int flag_value(int argc, char **argv, int *i, const char *name, const char **v)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *v = NULL;
    if (strncmp(a, name, n) != 0 || (a[n] != '=' && a[n] != '\0'))
        return 0;
    if (a[n] == '=')
        *v = a + n + 1;
    else if (*i + 1 < argc)
        *v = argv[++*i];
    return 1;
}

int scrape_main(int argc, char **argv)
{
    const char *file = NULL, *format = "auto", *node = NULL, *tstr = NULL;
    bool strict = false, partial = false, compact = false;
    char err[KG_ERRBUF] = "";
    int status = 1;
    struct buf in;
    struct node_batch *b = NULL;
    buf_init(&in, KG_MAX_KUBELET_BODY);

    for (int i = 1; i < argc; i++) {
        const char *v = NULL, **dst = NULL;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            status = 0;
            goto out;
        }
        if (flag_value(argc, argv, &i, "--file", &v))
            dst = &file;
        else if (flag_value(argc, argv, &i, "--format", &v))
            dst = &format;
        else if (flag_value(argc, argv, &i, "--node", &v))
            dst = &node;
        else if (flag_value(argc, argv, &i, "--time", &v))
            dst = &tstr;
        if (dst && v) {
            *dst = v;
            continue;
        }
        if (!dst && !strcmp(argv[i], "--strict")) {
            strict = true;
        } else if (!dst && !strcmp(argv[i], "--keep-partial-pods")) {
            partial = true;
        } else if (!dst && !strcmp(argv[i], "--compact")) {
            compact = true;
        } else {
            fprintf(stderr, "kgauge scrape: %s \"%s\"\n",
                    dst ? "missing value for flag" : "unknown argument", argv[i]);
            usage(stderr);
            status = 2;
            goto out;
        }
    }
    enum fmt f;
    if (!strcmp(format, "auto"))
        f = FMT_AUTO;
    else if (!strcmp(format, "prom"))
        f = FMT_PROM;
    else if (!strcmp(format, "summary"))
        f = FMT_SUMMARY;
    else {
        fprintf(stderr, "kgauge scrape: --format must be auto, prom or summary, not \"%s\"\n",
                format);
        status = 2;
        goto out;
    }
    if (!file) {
        fprintf(stderr, "kgauge scrape: --file is required\n");
        usage(stderr);
        status = 2;
        goto out;
    }
    struct decode_opts o = { node, 0, 0 };
    if (tstr) {
        if (time_parse_rfc3339(tstr, &o.default_time_ns)) {
            fprintf(stderr, "kgauge scrape: --time: invalid RFC 3339 time \"%s\"\n", tstr);
            status = 2;
            goto out;
        }
    } else {
        o.default_time_ns = time_wall_ns();
    }
    o.flags = (strict ? DECODE_STRICT : 0) | (partial ? DECODE_KEEP_PARTIAL_PODS : 0);

    if (read_all(file, &in, err, sizeof(err))) {
        fprintf(stderr, "kgauge scrape: %s\n", err);
        goto out;
    }
    if (f == FMT_AUTO) {
        const char *p = buf_str(&in), *e = p + buf_len(&in);
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            p++;
        f = p < e && *p == '{' ? FMT_SUMMARY : FMT_PROM;
    }
    int rc = f == FMT_SUMMARY
                 ? decode_summary(buf_str(&in), buf_len(&in), &o, &b, err, sizeof(err))
                 : decode_resource(buf_str(&in), buf_len(&in), &o, &b, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "kgauge scrape: %s: %s\n", file, err);
        goto out;
    }
    if (print_batch(b, f == FMT_SUMMARY ? "summary" : "prom", compact, err, sizeof(err))) {
        fprintf(stderr, "kgauge scrape: writing the output: %s\n", err);
        goto out;
    }
    status = 0;
out:
    node_batch_free(b);
    buf_cleanup(&in);
    return status;
}
