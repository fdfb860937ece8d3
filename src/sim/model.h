/*
 * The simulated kubelets' usage model and the /metrics/resource renderer.
 *
 * Usage model (slice 2, constant demand): every container has a CPU demand in nanocores and a
 * memory working set in bytes, derived only from --seed and the container's namespace, pod and
 * container names (so the same seed gives the same numbers on every run and every machine).
 * kube-proxy is about 2m CPU / 20 MiB, kindnet about 1m / 12 MiB, coredns about 3m / 18 MiB,
 * anything else about 5m / 32 MiB, each scaled by a seeded factor in [0.75, 1.25).
 * A node's usage is the sum of its running containers plus a seeded system overhead.
 *
 * Counters: cumulative CPU is the integral of the demand from the container's (or node's) start
 * to the sample time. Sample times advance on a housekeeping interval like cAdvisor's: each
 * series has a seeded phase in [0, interval), and the sample time at wall time t is the latest
 * phase + k*interval <= t. So two reads inside one interval return the same sample, and the rate
 * between two consecutive samples equals the demand exactly (the truth).
 *
 * All functions are pure; nothing here allocates except into the caller's buf.
 */
#ifndef KGAUGE_SIM_MODEL_H
#define KGAUGE_SIM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/world.h"
#include "util/buf.h"

/* Default cAdvisor-like housekeeping interval (--housekeeping-interval). */
#define KG_SIM_DEFAULT_HOUSEKEEPING_NS (10LL * 1000000000LL)
/* Node system overhead: CPU base (nanocores) and memory base (bytes), both seeded +-25%. */
#define KG_SIM_NODE_OVERHEAD_CPU 50000000LL
#define KG_SIM_NODE_OVERHEAD_MEM (400LL * 1024 * 1024)

struct sim_usage {
    int64_t cpu_nanocores;
    int64_t memory_bytes;
};

/* The demand of one container (deterministic in seed and names). */
struct sim_usage sim_model_container_demand(uint64_t seed, const char *ns, const char *pod,
                                            const char *container);
/* The system overhead of a node (not including its containers). */
struct sim_usage sim_model_node_overhead(uint64_t seed, const char *node);
/* A node's true usage: overhead + the demand of every Running container of pods bound to it
 * (pods[i]->node_name equal to the node's name; others are ignored). */
struct sim_usage sim_model_node_usage(uint64_t seed, const struct sim_node *node,
                                      const struct sim_pod *const *pods, size_t n_pods);

/* The latest sample time <= now_ns for a series named key: phase + k * interval_ns with
 * phase = hash(seed, key) mod interval_ns. interval_ns must be > 0. Never earlier than
 * start_ns (a series first sampled at its start). */
int64_t sim_model_sample_ns(uint64_t seed, const char *key, int64_t start_ns, int64_t now_ns,
                            int64_t interval_ns);
/* Cumulative CPU nanoseconds of a constant demand from start_ns to at_ns (0 if at <= start).
 * Exact (128-bit intermediate), truncated toward zero. */
uint64_t sim_model_cpu_ns(int64_t nanocores, int64_t start_ns, int64_t at_ns);

/* Formats v exactly as Go's strconv.FormatFloat(v, 'g', -1, 64), which the Prometheus text
 * encoder uses: shortest round-trip digits; exponent form when the decimal exponent is < -4 or
 * >= 6 (Go's rule for the shortest precision), with at least two exponent digits ("e+06");
 * NaN as "NaN", infinities as "+Inf"/"-Inf". out needs 32 bytes. */
void sim_go_float(double v, char *out, size_t outlen);

/* Parses "v<major>.<minor>..." into minor (major must be 1). Returns 0 or -EINVAL. */
int sim_kubelet_minor(const char *version, int *minor);

/*
 * Appends the /metrics/resource payload of one node at wall time now_ns, in the format of the
 * node's kubelet version (node->kubelet_version): >= 1.29 STABLE with resource_scrape_error and
 * untimestamped start times; 1.22-1.28 ALPHA with scrape_error and start times carrying a
 * timestamp; 1.18-1.21 ALPHA without start times. Pods not bound to the node, not Running, or
 * containers not running are omitted. Returns 0; -ENOENT for kubelets < 1.18 (no endpoint: the
 * server answers 404); -EINVAL for an unparsable version; -ENOSPC if out's limit is reached.
 */
int sim_model_render_resource(struct buf *out, uint64_t seed, const struct sim_node *node,
                              const struct sim_pod *const *pods, size_t n_pods, int64_t now_ns,
                              int64_t interval_ns);

struct json_writer;
struct store;

/*
 * Writes the truth document of GET /sim/v1/truth at wall time now_ns (the caller holds the
 * store's read lock):
 *   {"kind":"SimTruth","apiVersion":"sim.kgauge.io/v1","timeUnixNano":N,
 *    "nodes":[{"name":..,"cpuNanocores":..,"memoryBytes":..}...],          (store order)
 *    "pods":[{"namespace":..,"name":..,"nodeName":..,"cpuNanocores":..,"memoryBytes":..,
 *             "containers":[{"name":..,"cpuNanocores":..,"memoryBytes":..}...]}...]}
 * Only Running pods bound to a node are listed, with their running containers; node values are
 * sim_model_node_usage(). Returns 0 or the writer's negative error.
 */
int sim_model_truth_json(struct json_writer *w, uint64_t seed, const struct store *st,
                         int64_t now_ns);

#endif
