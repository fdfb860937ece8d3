#!/usr/bin/env bash
# Runs every libFuzzer target in a fuzz build for a few seconds each.
#   scripts/run-fuzzers.sh BUILD_DIR SECONDS
# Seeds come from tests/fuzz/corpus/<name>/ (read-only); new inputs go to a scratch corpus
# under BUILD_DIR so the tree stays clean. Any crash, leak or timeout fails the run and leaves
# the reproducer in BUILD_DIR/fuzz-artifacts/.
set -euo pipefail
build=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
secs=${2:-10}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$build/fuzz-artifacts"
shopt -s nullglob
targets=("$build"/fuzz_*)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "run-fuzzers: no fuzz targets in $build" >&2
  exit 1
fi
status=0
for t in "${targets[@]}"; do
  [[ -x "$t" ]] || continue
  name=${t##*/fuzz_}
  work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  seeds=()
  [[ -d "$src/tests/fuzz/corpus/$name" ]] && seeds=("$src/tests/fuzz/corpus/$name")
  dict=()
  [[ -f "$src/tests/fuzz/$name.dict" ]] && dict=(-dict="$src/tests/fuzz/$name.dict")
  printf 'fuzz %-20s %ss ... ' "$name" "$secs"
  if "$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/fuzz-artifacts/$name-" "${dict[@]}" "$work" "${seeds[@]}" \
       >"$build/fuzz-artifacts/$name.log" 2>&1; then
    grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-artifacts/$name.log" \
      | sed 's/.*: */ok, runs: /' || echo ok
  else
    echo "FAILED (log: $build/fuzz-artifacts/$name.log)"
    tail -n 30 "$build/fuzz-artifacts/$name.log" >&2
    status=1
  fi
done
exit $status
