/*
 * Kubelet /stats/summary (Summary API, k8s.io/kubelet/pkg/apis/stats/v1alpha1, JSON) →
 * struct node_batch. Used for kubelets older than 1.18, which have no /metrics/resource, and as
 * a fallback; follows the reference metrics-server's summary decoder (v0.4/v0.5):
 *
 *   node:      timestamp = node.cpu.time; cpu_ns = node.cpu.usageCoreNanoSeconds;
 *              memory_bytes = node.memory.workingSetBytes; start_time_ns = node.startTime
 *              (kgauge addition: the reference leaves it zero); swap from node.swap.swapUsageBytes
 *   container: pods[].podRef.{namespace,name}, pods[].containers[].name;
 *              timestamp = cpu.time, start_time_ns = startTime, cpu_ns = cpu.usageCoreNanoSeconds,
 *              memory_bytes = memory.workingSetBytes, swap from swap.swapUsageBytes
 *
 * Times are RFC 3339 strings (metav1.Time; null or absent = zero). Drop rules as the reference:
 * the node needs a non-zero cpu.time and non-zero CPU and memory values; a container needs a
 * startTime, a cpu.time and non-zero CPU and memory, otherwise its whole pod is dropped (unless
 * DECODE_KEEP_PARTIAL_PODS). batch->node is opts->node, or node.nodeName when opts->node is
 * NULL. opts->default_time_ns is not used (every Summary sample carries its time).
 *
 * Partial results (kgauge's default; the reference fails the whole document on any type
 * error): a field of the wrong type or out of range, a malformed time, a pod without
 * podRef.name/namespace or a container without a name loses only that container or pod; a
 * repeated (namespace, pod, container) keeps the first. Each such problem and each dropped
 * node or incomplete container adds 1 to nerrors. DECODE_STRICT fails the whole decode on the
 * first malformed field instead. A document that is not valid JSON, or whose root is not an
 * object, always fails.
 */
#ifndef KGAUGE_METRICS_SUMMARY_H
#define KGAUGE_METRICS_SUMMARY_H

#include <stddef.h>

#include "metrics/decode.h"

/*
 * Decodes len bytes of /stats/summary JSON. On success returns 0 and *out owns a new batch
 * (node_batch_free). Errors (*out NULL, detail in err): -E2BIG when len > KG_MAX_KUBELET_BODY;
 * -EINVAL for invalid JSON, a non-object root, or (DECODE_STRICT) a malformed field.
 */
int decode_summary(const void *data, size_t len, const struct decode_opts *opts,
                   struct node_batch **out, char *err, size_t errlen);

#endif
