/*
 * Kubelet /metrics/resource (Prometheus text) → struct node_batch (metrics/sample.h), plus the
 * node_batch constructor, destructor and invariant check shared by every decoder, the store
 * and the simulator.
 *
 * What is read (the reference metrics-server's decode.go, spec §3.4/§3.5):
 *   node_cpu_usage_seconds_total       node cpu_ns = value × 1e9 (truncated)
 *   node_memory_working_set_bytes      node memory_bytes
 *   node_swap_usage_bytes              node swap_bytes (has_swap)
 *   container_cpu_usage_seconds_total  per {namespace, pod, container}: cpu_ns
 *   container_memory_working_set_bytes memory_bytes
 *   container_swap_usage_bytes         swap_bytes (has_swap)
 *   container_start_time_seconds       start_time_ns = value × 1e9 (its own timestamp ignored)
 * and the kubelet 1.18.0 names without "_total" (node_/container_cpu_usage_seconds). Every
 * other family is skipped. A point's timestamp is that of the last cpu or memory line for it
 * (ms → ns); a line without a timestamp gets opts->default_time_ns (the time the request was
 * sent, as the reference does); when that is 0 the line contributes no timestamp.
 *
 * Drop rules. The node is kept (has_node) only with timestamp, CPU and memory all non-zero. A
 * container is complete with timestamp, CPU and memory all non-zero; one with every field zero
 * is ignored silently (reference). An incomplete container drops its whole pod (reference: the
 * HPA treats a missing pod specially, but would take a partial pod's sum at face value), unless
 * DECODE_KEEP_PARTIAL_PODS.
 *
 * Partial results (kgauge's default, better than the reference): a malformed line (syntax, bad
 * label escape or UTF-8, a missing namespace/pod/container label, NaN, ±Inf, negative or
 * out-of-range value, out-of-range timestamp) or a repeated series (the first one wins) loses
 * only that series; the container it belonged to then may be incomplete, which loses its pod as
 * above, never the node or other pods. Each malformed or repeated line and each dropped node or
 * incomplete container adds 1 to nerrors; first_error describes the first. Lines of families
 * kgauge does not read are not validated beyond their metric name. DECODE_STRICT restores the
 * reference: any malformed line in the payload fails the whole decode.
 *
 * Output order: containers in order of first appearance in the payload. Strings (node name,
 * namespaces, pods, containers, first_error) live in the batch's arena; equal namespace and
 * pod strings are shared. The input need not be NUL-terminated and is not referenced after the
 * call returns.
 */
#ifndef KGAUGE_METRICS_DECODE_H
#define KGAUGE_METRICS_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/sample.h"

/* Containers accepted in one batch: a kubelet runs at most a few hundred pods; beyond this the
 * payload is hostile and further containers are counted as errors and dropped. */
#define KG_MAX_BATCH_CONTAINERS 65536

enum decode_flags {
    DECODE_STRICT = 1u << 0,            /* reference: a malformed line fails the whole payload */
    DECODE_KEEP_PARTIAL_PODS = 1u << 1, /* keep a pod's complete containers when another of its
                                           containers is incomplete */
};

struct decode_opts {
    const char *node; /* copied to batch->node; NULL leaves it NULL (summary: from payload) */
    int64_t default_time_ns; /* timestamp for lines without one; 0 = none */
    unsigned flags;          /* enum decode_flags */
};

/*
 * Decodes len bytes of /metrics/resource text. opts may be NULL (all zero). On success returns
 * 0 and *out owns a new batch (node_batch_free), possibly empty and possibly with nerrors > 0.
 * Errors: -E2BIG when len > KG_MAX_KUBELET_BODY; -EINVAL with DECODE_STRICT and a malformed
 * line. On error *out is NULL and err says why (with the line number).
 */
int decode_resource(const void *data, size_t len, const struct decode_opts *opts,
                    struct node_batch **out, char *err, size_t errlen);

/* ---- node_batch construction (for decoders, the store's tests, the simulator) ---- */

/* An empty batch; node is copied (NULL allowed). arena_chunk 0 picks a small default. */
struct node_batch *node_batch_new(const char *node, size_t arena_chunk);
void node_batch_free(struct node_batch *b); /* accepts NULL */

/* Appends a container sample, copying the three names into the batch (equal to the previous
 * entry's namespace/pod → the same pointer is reused). No checks: callers add what they mean. */
struct container_sample *node_batch_add(struct node_batch *b, const char *ns, const char *pod,
                                        const char *container, const struct sample_point *pt);

/* Counts a lost part of the payload; the first message is kept as first_error. */
void node_batch_error(struct node_batch *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Checks what every decoder guarantees: has_node implies node timestamp, CPU and memory
 * non-zero; every container has non-empty namespace, pod and container names, has_cpu and
 * has_memory with non-zero values and a non-zero timestamp; no (namespace, pod, container)
 * appears twice; nerrors == 0 exactly when first_error is NULL. Returns 0 or -EINVAL with the
 * first violation in err. O(n) time; allocates a temporary index.
 */
int node_batch_check(const struct node_batch *b, char *err, size_t errlen);

/* ---- module-internal (decode__ prefix, shared with summary.c) ---- */

/* Open-addressing index over a batch's containers keyed by (namespace, pod, container). */
struct decode__index {
    uint32_t *slots; /* 0 = empty, else container index + 1 */
    uint32_t *hashes;
    size_t cap; /* power of two */
    size_t n;
};
void decode__index_init(struct decode__index *ix);
void decode__index_cleanup(struct decode__index *ix);
uint32_t decode__hash(const char *ns, size_t nslen, const char *pod, size_t podlen, const char *c,
                      size_t clen);
/* Index of the container with that key in b, or -1. */
long decode__index_find(const struct decode__index *ix, const struct node_batch *b, uint32_t h,
                        const char *ns, size_t nslen, const char *pod, size_t podlen, const char *c,
                        size_t clen);
void decode__index_put(struct decode__index *ix, uint32_t h, size_t idx);
/* Makes room for n entries without further growth. */
void decode__index_reserve(struct decode__index *ix, size_t n);
/* Removes containers for which keep[i] is 0, preserving order. */
void decode__compact(struct node_batch *b, const unsigned char *keep);

#endif
