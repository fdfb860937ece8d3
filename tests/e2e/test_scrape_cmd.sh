#!/usr/bin/env bash
# `kgauge scrape`: decode saved kubelet payloads (/metrics/resource text, /stats/summary JSON)
# and print their samples as JSON. Real payloads from the shared test data when present, plus
# the project's own small payloads for partial results, strict mode and usage errors.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

help=$("$KGAUGE" help 2>&1 || true)
if ! grep -q '^  scrape' <<<"$help"; then
  skip_note "kgauge has no scrape command yet (metrics/scrapecmd.h not wired into main.c)"
  pass
  exit 0
fi

testdata="${KGAUGE_TESTDATA:-$KGAUGE_SRC/../shared/testdata}"
if [[ -d "$testdata/kubelet" ]]; then
  out=$("$KGAUGE" scrape --file "$testdata/kubelet/metrics-resource/05_eks-k8s-ge1.30-2025-06_ersilia-hub.prom" --node n1)
  expect_contains "$out" '"format": "prom"'
  expect_contains "$out" '"node": "n1"'
  # node_cpu_usage_seconds_total 6197.005020909 1750705774670
  expect_contains "$out" '"cpuNanoseconds": 6197005020909'
  expect_contains "$out" '"timestamp": "2025-06-23T19:09:34.67Z"'
  expect_contains "$out" '"errors": 0'
  [[ $(grep -c '"container":' <<<"$out") -eq 12 ]] || fail "expected 12 containers: $out"
  out=$("$KGAUGE" scrape --file "$testdata/kubelet/stats-summary/k8s-v1.16.15_minikube-docker_nri-kubernetes.json" --compact)
  expect_contains "$out" '"format":"summary","node":"minikube"'
  expect_contains "$out" '"cpuNanoseconds":216639857637,"memoryBytes":1446182912'
else
  skip_note "no shared test data at $testdata/kubelet: real payloads skipped"
fi

cat >"$TMP/p.prom" <<'PROM'
node_cpu_usage_seconds_total 10.5 1000
node_memory_working_set_bytes 2048 1000
container_cpu_usage_seconds_total{container="a",namespace="ns",pod="p"} 1.5 2000
container_memory_working_set_bytes{container="a",namespace="ns",pod="p"} 100 2000
container_cpu_usage_seconds_total{container="b",namespace="ns",pod="q"} NaN 2000
container_memory_working_set_bytes{container="b",namespace="ns",pod="q"} 100 2000
PROM
out=$("$KGAUGE" scrape --file "$TMP/p.prom" --compact)
expect_contains "$out" '"containers":[{"namespace":"ns","pod":"p","container":"a","timestamp":"1970-01-01T00:00:02Z","cpuNanoseconds":1500000000,"memoryBytes":100}]'
expect_contains "$out" '"errors":2,"firstError":"line 5: container_cpu_usage_seconds_total: CPU usage value nan is not usable"'
# the same payload from standard input, and the reference's strict rule
out=$("$KGAUGE" scrape --file - --compact <"$TMP/p.prom")
expect_contains "$out" '"pod":"p"'
rc=0
err=$("$KGAUGE" scrape --file "$TMP/p.prom" --strict 2>&1 >/dev/null) || rc=$?
[[ $rc -eq 1 ]] || fail "expected exit 1 with --strict, got $rc"
expect_contains "$err" "line 5: "

expect_exit 2 "$KGAUGE" scrape
expect_exit 2 "$KGAUGE" scrape --file "$TMP/p.prom" --format xml
expect_exit 2 "$KGAUGE" scrape --bogus
expect_exit 1 "$KGAUGE" scrape --file "$TMP/absent.prom"
printf '{"pods":[' >"$TMP/broken.json"
expect_exit 1 "$KGAUGE" scrape --file "$TMP/broken.json"
pass
