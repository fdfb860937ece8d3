/*
 * The decoded result of one kubelet scrape: what the decoders (/metrics/resource text,
 * /stats/summary JSON) produce and what the store consumes. Mirrors the reference's
 * MetricsPoint (start time, timestamp, cumulative CPU, working-set memory) plus swap.
 *
 * A node_batch owns its memory through its arena: container names point into it and stay
 * valid until node_batch_free(). Nothing here is shared between threads.
 */
#ifndef KGAUGE_METRICS_SAMPLE_H
#define KGAUGE_METRICS_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

struct arena;

/* One measurement of a node or a container. Times are Unix ns; 0 means "not reported". */
struct sample_point {
    int64_t timestamp_ns;  /* when the kubelet took the sample */
    int64_t start_time_ns; /* container/node start (0 when the kubelet format has none) */
    uint64_t cpu_ns;       /* cumulative CPU time used, ns (node_cpu_usage_seconds_total × 1e9) */
    uint64_t memory_bytes; /* working set bytes */
    uint64_t swap_bytes;   /* swap usage bytes, valid when has_swap */
    unsigned has_cpu : 1;
    unsigned has_memory : 1;
    unsigned has_swap : 1;
};

struct container_sample {
    const char *namespace; /* pod namespace */
    const char *pod;       /* pod name */
    const char *container; /* container name */
    struct sample_point point;
};

struct node_batch {
    const char *node; /* node name as reported (may be NULL: the caller knows it) */
    struct sample_point node_point;
    unsigned has_node : 1; /* node_point holds a complete, valid sample */
    struct container_sample *containers;
    size_t ncontainers;
    /* Problems that lost only a part of the payload (a malformed line, a container with a
     * missing metric): counted and the first described, never fatal for the whole node. */
    size_t nerrors;
    const char *first_error;
    struct arena *arena; /* owns every string and the containers array */
};

#endif
