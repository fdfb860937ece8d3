/*
 * The metrics store: the last two samples of every node and container, and the usage computed
 * from them (CPU rate over the window between the two samples, working-set memory and swap of
 * the newer one). It implements metrics-server's storage rules (spec/metrics-server.md §2):
 * prev/last rotation only when a sample's timestamp moved, the fresh-container rule, restart
 * detection, the "all containers present" pod rule and per-container rate errors.
 *
 * Concurrency: one writer (the scrape loop) calls store_put(); any number of readers (API
 * handlers) take an immutable view with store_acquire() and read it without locks. Every put
 * builds a new view and swaps it in; readers never wait for a put (acquire and release take a
 * mutex only for the pointer swap and a reference count). A view stays valid, and every string
 * it hands out stays valid, until store_release(), even after store_free().
 *
 * Difference from the reference (default; opts.reference_mode restores it): a node whose scrape
 * failed keeps its last good samples, and its pods theirs, served with their true timestamp and
 * window, until its newest sample is older than 2 × resolution. The reference drops a failed
 * node at once, which hides it and its pods for two cycles.
 */
#ifndef KGAUGE_METRICS_STORE_H
#define KGAUGE_METRICS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/sample.h"

/* Longest namespace, pod, container or node name accepted (DNS subdomain names are <= 253). */
#define KG_STORE_MAX_NAME 253
/* Containers in one pod. A pod reporting more is rejected as a whole rather than served with
 * part of its containers (which would under-report the pod's total to the HPA). */
#define KG_STORE_MAX_CONTAINERS 128
/* Fresh-container rule: minimum age of a container for its start time to serve as its first
 * sample (metrics-server's freshContainerMinMetricsResolution). */
#define KG_STORE_FRESH_MIN_NS (10 * INT64_C(1000000000))

struct store;
struct store_view;

struct store_opts {
    /* --metric-resolution, ns, > 0. Upper bound of the fresh-container band [10 s, resolution);
     * a failed node's samples are kept until they are older than 2 × resolution. */
    int64_t resolution_ns;
    /* 1: the reference's behaviour: a node whose scrape failed is dropped with its pods at
     * once. 0 (default): kept as described above. */
    int reference_mode;
};

/* Returns 0 and *out, or -EINVAL (opts invalid, described in err). */
int store_new(const struct store_opts *opts, struct store **out, char *err, size_t errlen);
/* Frees the writer's state. Views still held by readers stay valid until released. */
void store_free(struct store *s); /* accepts NULL */

/* One scrape cycle. */
struct store_cycle {
    /* Successful scrapes. Each batch's node must be set; a node appearing in two batches keeps
     * the first (as does a pod appearing in two nodes' batches, or a container twice in one
     * pod). The batches are only read; nothing points into them after store_put returns. */
    const struct node_batch *const *batches;
    size_t nbatches;
    /* Nodes whose scrape failed this cycle (kept or dropped per opts.reference_mode). */
    const char *const *failed_nodes;
    size_t nfailed;
    /* Wall clock (Unix ns) at the end of the scrape: ages the samples of failed nodes. */
    int64_t now_ns;
    /* 0: a full cycle: nodes in neither list are removed with their pods.
     * 1: a partial cycle (adaptive re-scrape of some nodes): nodes in neither list are kept
     *    unchanged. Costs as much as a full put (the view is rebuilt). */
    unsigned partial : 1;
};

/* What a put did (all counts for the new view unless noted). */
struct store_put_result {
    size_t nodes;         /* node entries (with or without a node sample) */
    size_t pods;          /* pods with at least one container sample */
    size_t containers;    /* container samples */
    size_t kept_nodes;    /* failed nodes kept with their last good samples */
    size_t dropped_nodes; /* failed nodes dropped (reference mode, or samples too old) */
    size_t duplicates;    /* node, pod or container entries ignored because seen before */
    size_t rejected;      /* batches, pods or samples rejected as invalid (first in err) */
};

/*
 * Stores one cycle and publishes the new view. Only one thread may put at a time.
 * Returns 0 (invalid entries skipped: counted in *res and the first described in err), or
 * -EINVAL when the cycle itself is malformed (NULL arrays with a count, now_ns <= 0); then
 * nothing changes. res may be NULL.
 */
int store_put(struct store *s, const struct store_cycle *cycle, struct store_put_result *res,
              char *err, size_t errlen);
/* A partial cycle with one batch (re-scrape of a single node). */
int store_put_node(struct store *s, const struct node_batch *batch, int64_t now_ns,
                   struct store_put_result *res, char *err, size_t errlen);

/* ---- reading ---- */

/* Takes a reference on the current view (never NULL; empty before the first put). */
struct store_view *store_acquire(struct store *s);
void store_release(struct store_view *v); /* accepts NULL; thread-safe */

struct store_usage {
    uint64_t cpu_nanocores; /* trunc(Δcpu_ns / window_seconds), as metrics-server computes it */
    uint64_t memory_bytes;  /* working set of the newer sample */
    uint64_t swap_bytes;    /* swap of the newer sample, when has_swap */
    unsigned has_swap : 1;
};

struct store_node_metrics {
    const char *name;     /* valid while the view is held */
    int64_t timestamp_ns; /* newer sample's timestamp (serve truncated to seconds) */
    int64_t window_ns;    /* newer − older timestamp, > 0 */
    struct store_usage usage;
    unsigned stale : 1; /* the node's last scrape failed; these are its last good samples */
};

struct store_container_metrics {
    const char *name;
    struct store_usage usage;
};

struct store_pod_metrics {
    const char *namespace;
    const char *name;
    const char *node;
    /* Of the container whose newer sample is earliest (ties: first by name). Both 0 when
     * every container had a rate error: the pod is then served with no containers. */
    int64_t timestamp_ns;
    int64_t window_ns;
    unsigned stale : 1;
    size_t nskipped; /* containers left out for a rate error (CPU or start time decreased) */
    size_t ncontainers;
    struct store_container_metrics containers[KG_STORE_MAX_CONTAINERS]; /* sorted by name */
};

/* 0 and *out, or -ENOENT: unknown, only one sample, or a rate error (CPU or start time
 * decreased). */
int store_node_metrics(const struct store_view *v, const char *name,
                       struct store_node_metrics *out);
/* 0 and *out, or -ENOENT: unknown, or some container of the pod has only one sample. */
int store_pod_metrics(const struct store_view *v, const char *namespace, const char *name,
                      struct store_pod_metrics *out);

/* Iteration in the API's list order: nodes by name, pods by (namespace, name), byte-wise.
 * Entries without metrics are skipped. The iterator holds no resources. */
struct store_iter {
    const struct store_view *v;
    size_t pos, end;
};
void store_iter_nodes(const struct store_view *v, struct store_iter *it);
/* namespace NULL: all pods; otherwise one namespace's pods. */
void store_iter_pods(const struct store_view *v, const char *namespace, struct store_iter *it);
/* Return 1 and fill *out, or 0 at the end. */
int store_next_node(struct store_iter *it, struct store_node_metrics *out);
int store_next_pod(struct store_iter *it, struct store_pod_metrics *out);

struct store_stats {
    uint64_t seq;       /* puts so far */
    size_t nodes;       /* node entries (sample or not) */
    size_t pods;        /* pods with a sample */
    size_t containers;  /* container samples */
    size_t node_points; /* nodes with two samples: metrics_server_storage_points{type="node"} */
    size_t container_points; /* containers with two samples: ...{type="container"} */
    int ready;               /* node_points > 0 && container_points > 0 (spec §2.6) */
    size_t bytes;            /* memory held by the view (arrays; strings are shared, see pool) */
    size_t pool_bytes;       /* interned-string pool of the view's generation */
};
void store_view_stats(const struct store_view *v, struct store_stats *out);
/* Readiness of the current view (metric-storage-ready). */
int store_ready(struct store *s);

/* CPU rate exactly as metrics-server computes it: float64(delta) / window.Seconds(), truncated;
 * values beyond uint64 saturate; a window <= 0 gives 0 (the store never serves one). */
uint64_t store_cpu_rate(uint64_t delta_cpu_ns, int64_t window_ns);

#endif
