#!/usr/bin/env bash
# `kgauge hpa vectors`: every shared HPA vector and the project's own pass; a wrong
# expectation, a malformed file and a missing file are reported and make the exit status 1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

testdata="${KGAUGE_TESTDATA:-$KGAUGE_SRC/../shared/testdata}"
if [[ -d "$testdata/hpa" ]]; then
  out=$("$KGAUGE" hpa vectors "$testdata"/hpa/*.json)
  expect_match "$out" '^[0-9]+ passed, 0 failed$'
  [[ "$(grep -c '^FAIL' <<<"$out" || true)" == 0 ]] || fail "failures reported: $out"
else
  skip_note "no shared test data at $testdata/hpa: shared vectors skipped"
fi

out=$("$KGAUGE" hpa vectors "$KGAUGE_SRC"/tests/data/hpa/*.json)
expect_match "$out" '^[0-9]+ passed, 0 failed$'

# A vector with a wrong expectation: one FAIL line naming it and what differed; exit 1.
cat >"$TMP/wrong.json" <<'JSON'
[{"id": "e2e/legacy-cap", "kind": "convert_desired_replicas_with_rules",
  "input": {"current_replicas": 5, "desired_replicas": 50, "min_replicas": 1, "max_replicas": 20,
            "scale_up_limit_factor": 2.0, "scale_up_limit_minimum": 4.0},
  "expected": {"replicas": 11, "condition_reason": "ScaleUpLimit"}},
 {"id": "e2e/legacy-cap-ok", "kind": "convert_desired_replicas_with_rules",
  "input": {"current_replicas": 5, "desired_replicas": 50, "min_replicas": 1, "max_replicas": 20,
            "scale_up_limit_factor": 2.0, "scale_up_limit_minimum": 4.0},
  "expected": {"replicas": 10, "condition_reason": "ScaleUpLimit"}}]
JSON
rc=0
out=$("$KGAUGE" hpa vectors "$TMP/wrong.json") || rc=$?
[[ $rc -eq 1 ]] || fail "expected exit 1 for a failing vector, got $rc"
expect_contains "$out" "FAIL e2e/legacy-cap: replicas: got 10, want 11"
expect_contains "$out" "1 passed, 1 failed"

# Malformed and missing files count as failures.
printf '[{"id": "x", "kind": ' >"$TMP/broken.json"
rc=0
out=$("$KGAUGE" hpa vectors "$TMP/broken.json" "$TMP/absent.json") || rc=$?
[[ $rc -eq 1 ]] || fail "expected exit 1 for unreadable files, got $rc"
expect_contains "$out" "FAIL $TMP/broken.json: "
expect_contains "$out" "absent.json: cannot open"
expect_contains "$out" "0 passed, 2 failed"

# Usage errors.
expect_exit 2 "$KGAUGE" hpa vectors
expect_exit 2 "$KGAUGE" hpa vectors --bogus
pass
