/*
 * `kgauge scrape --file PAYLOAD [--format auto|prom|summary]`: decode a saved kubelet payload
 * (/metrics/resource text or /stats/summary JSON) and print the node and container samples as
 * JSON, for users debugging a kubelet and for tests.
 *
 * Flags:
 *   --file PATH           the payload ("-" reads standard input); required
 *   --format F            auto (default: JSON object → summary, otherwise prom), prom, summary
 *   --node NAME           node name to report (summary: defaults to node.nodeName)
 *   --time RFC3339        timestamp for series without one (default: now, as when scraping)
 *   --strict              the reference's rule: any malformed line fails the whole payload
 *   --keep-partial-pods   keep a pod's complete containers when another one is incomplete
 *   --compact             one-line JSON instead of two-space indentation
 *
 * Output (stdout), times in RFC 3339 with nanoseconds, zero times omitted:
 *   {"format":"prom","node":"n1"|null,
 *    "nodeSample":{"timestamp":...,"startTime":...,"cpuNanoseconds":N,"memoryBytes":N,
 *                  "swapBytes":N (when reported)} | null,
 *    "containers":[{"namespace":...,"pod":...,"container":..., same sample fields}],
 *    "errors":N,"firstError":"..."|null}
 *
 * Exit status: 0 when decoded (even with errors counted), 1 when the file cannot be read or
 * the payload cannot be decoded at all, 2 on a usage error.
 */
#ifndef KGAUGE_METRICS_SCRAPECMD_H
#define KGAUGE_METRICS_SCRAPECMD_H

/* argv[0] is the subcommand name ("scrape"). */
int scrape_main(int argc, char **argv);

#endif
