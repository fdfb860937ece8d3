/*
 * libFuzzer target for metrics/api: arbitrary method, path, Accept, selectors and flags
 * (newline-separated fields; "-" means absent) against a small fixed store and cluster.
 * Invariants: the handler always answers; the status is one it documents; JSON bodies are one
 * valid JSON document plus a newline; nothing leaks (ASan).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"
#include "metrics/api.h"
#include "metrics/sample.h"
#include "metrics/store.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

#define SEC INT64_C(1000000000)
#define NFIELDS 9

static const struct label lbl[] = { { "app", "web" }, { "zone", "z1" }, { "app", "dup" } };

static int node_cb(void *ud, const char *name, struct metrics_api_object *out)
{
    (void)ud;
    if (strcmp(name, "n1") != 0 && strcmp(name, "n2") != 0 && strcmp(name, "n3") != 0)
        return 0;
    out->labels = name[1] == '1' ? lbl : NULL;
    out->nlabels = name[1] == '1' ? 3 : 0;
    return 1;
}

static int pod_cb(void *ud, const char *ns, const char *name, struct metrics_api_object *out)
{
    (void)ud;
    if (strcmp(ns, "default") != 0 && strcmp(ns, "kube-system") != 0)
        return 0;
    out->labels = lbl;
    out->nlabels = name[0] == 'p' ? 2 : 0;
    out->node_name = "n1";
    out->phase = strcmp(name, "pending") == 0 ? "Pending" : NULL;
    return name[0] != 'x';
}

static void add_ctr(struct node_batch *b, const char *ns, const char *pod, const char *ctr,
                    int64_t ts, uint64_t cpu)
{
    struct container_sample *c = &b->containers[b->ncontainers++];
    c->namespace = arena_strdup(b->arena, ns);
    c->pod = arena_strdup(b->arena, pod);
    c->container = arena_strdup(b->arena, ctr);
    c->point = (struct sample_point){ ts, ts - 3600 * SEC, cpu, 1 << 20, 0, 1, 1, 0 };
}

static struct store_view *fixed_view(void)
{
    static struct store *s;
    static struct store_view *v;
    if (v != NULL)
        return v;
    struct store_opts o = { .resolution_ns = 15 * SEC };
    char err[256];
    CHECK(store_new(&o, &s, err, sizeof err) == 0);
    for (int k = 0; k < 2; k++) {
        int64_t ts = INT64_C(1700000000) * SEC + k * 15 * SEC;
        const char *names[] = { "n1", "n2", "ghost" };
        struct node_batch *bs[3];
        for (int i = 0; i < 3; i++) {
            struct arena *a = arena_new(0);
            struct node_batch *b = arena_alloc(a, sizeof *b);
            b->arena = a;
            b->node = arena_strdup(a, names[i]);
            b->containers = arena_alloc(a, 8 * sizeof *b->containers);
            b->node_point =
                (struct sample_point){ ts, 1, (uint64_t)(k + 1) * 5000000000ull, 3ull << 30, 0, 1,
                                       1,  0 };
            b->has_node = 1;
            bs[i] = b;
        }
        add_ctr(bs[0], "default", "p1", "b", ts, (uint64_t)(k + 1) * 100000000ull);
        add_ctr(bs[0], "default", "p1", "a", ts, (uint64_t)(k + 1) * 200000000ull);
        add_ctr(bs[0], "default", "pending", "a", ts, (uint64_t)(k + 1) * 200000000ull);
        add_ctr(bs[1], "kube-system", "q", "a", ts, (uint64_t)(k + 1) * 300000000ull);
        add_ctr(bs[1], "default", "x", "a", ts, (uint64_t)(k + 1) * 300000000ull);
        const struct node_batch *cb[] = { bs[0], bs[1], bs[2] };
        struct store_cycle c = { .batches = cb, .nbatches = 3, .now_ns = ts + SEC };
        CHECK(store_put(s, &c, NULL, err, sizeof err) == 0);
        for (int i = 0; i < 3; i++)
            arena_free(bs[i]->arena);
    }
    v = store_acquire(s);
    return v; /* kept for the process lifetime */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    const char *f[NFIELDS] = { 0 };
    size_t nf = 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *p = copy;
    while (nf < NFIELDS) {
        char *nl = strchr(p, '\n');
        f[nf++] = strcmp(p, "-") == 0 && nl == NULL ? NULL : p;
        if (nl == NULL)
            break;
        *nl = '\0';
        if (strcmp(p, "-") == 0)
            f[nf - 1] = NULL;
        p = nl + 1;
    }
    if (f[1] == NULL) { /* path is required */
        free(copy);
        return 0;
    }
    struct metrics_api_cluster cl = { NULL, node_cb, pod_cb };
    struct metrics_api_config cfg = { .cluster = &cl,
                                      .server_address = f[8],
                                      .no_v1 = f[8] != NULL && f[8][0] == '1' };
    struct metrics_api_request req = { .method = f[0],
                                       .path = f[1],
                                       .accept = f[2],
                                       .label_selector = f[3],
                                       .field_selector = f[4],
                                       .watch = f[5],
                                       .pretty = f[6],
                                       .include_object = f[7],
                                       .now_ns = INT64_C(1700000100) * SEC };
    struct metrics_api_response resp;
    CHECK(metrics_api_handle(&cfg, fixed_view(), &req, &resp) == 0);
    int st = resp.status;
    CHECK(st == 200 || st == 400 || st == 404 || st == 405 || st == 406 || st == 500);
    size_t n = buf_len(&resp.body);
    const char *body = buf_str(&resp.body);
    CHECK(n > 0 && body[n - 1] == '\n');
    if (strcmp(resp.content_type, "application/json") == 0) {
        struct json_doc *doc = NULL;
        char err[256];
        CHECK(json_parse(body, n - 1, &doc, err, sizeof err) == 0);
        json_doc_free(doc);
    } else {
        CHECK(st == 404);
    }
    metrics_api_response_cleanup(&resp);
    free(copy);
    return 0;
}
