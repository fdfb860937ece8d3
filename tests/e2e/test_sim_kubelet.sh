#!/usr/bin/env bash
# kgauge sim's usage model over the wire: GET /sim/v1/truth is admin only (401 anonymous, 403
# for a non-admin client certificate is covered once kubelet client certs exist) and reports
# every node and every Running pod with its containers, deterministically for a --seed.
# The simulated kubelets' /metrics/resource listeners are not wired yet (see
# docs/internals/sim.md); their payload format is covered by tests/unit/test_sim_model.c.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

start_sim() {
  local dir=$1; shift
  "$KGAUGE" sim --dir "$dir" --port 0 "$@" 2>"$dir.log" &
  SIM_PID=$!
  track "$SIM_PID"
  local i
  for i in $(seq 200); do
    [[ -f "$dir/ready" ]] && return 0
    kill -0 "$SIM_PID" 2>/dev/null || fail "sim exited early: $(cat "$dir.log")"
    sleep 0.025
  done
  fail "sim did not become ready in 5 s: $(cat "$dir.log")"
}

truth() {
  curl -sS --max-time 10 --cacert "$1/ca.crt" --cert "$1/admin.crt" --key "$1/admin.key" \
    "$(cat "$1/ready")/sim/v1/truth"
}

SIM="$TMP/sim"
start_sim "$SIM" --nodes 4 --seed 11
URL=$(cat "$SIM/ready")

# anonymous: 401 Status
out=$(curl -sk --max-time 10 "$URL/sim/v1/truth")
expect_contains "$out" '"code": 401'

# admin: the truth document; 4 nodes, 4 kube-proxy + 4 kindnet + 2 coredns pods
out=$(truth "$SIM")
python3 - "$out" <<'PY' || fail "bad truth document: $out"
import json, sys
d = json.loads(sys.argv[1])
assert d["kind"] == "SimTruth" and d["apiVersion"] == "sim.kgauge.io/v1", d
assert len(d["nodes"]) == 4, d["nodes"]
assert len(d["pods"]) == 10, len(d["pods"])
for p in d["pods"]:
    assert p["cpuNanocores"] == sum(c["cpuNanocores"] for c in p["containers"]), p
    assert p["memoryBytes"] == sum(c["memoryBytes"] for c in p["containers"]), p
for n in d["nodes"]:
    pods = [p for p in d["pods"] if p["nodeName"] == n["name"]]
    # node = its pods + a system overhead of about 50m CPU and 400 MiB (+-25%)
    oc = n["cpuNanocores"] - sum(p["cpuNanocores"] for p in pods)
    om = n["memoryBytes"] - sum(p["memoryBytes"] for p in pods)
    assert 37500000 <= oc < 62500000, (n, oc)
    assert 300 * 2**20 - 4096 <= om < 500 * 2**20, (n, om)
kp = [c for p in d["pods"] for c in p["containers"] if c["name"] == "kube-proxy"]
assert len(kp) == 4 and all(1500000 <= c["cpuNanocores"] < 2500000 for c in kp), kp
PY

# deterministic: a second sim with the same seed reports the same numbers
SIM2="$TMP/sim2"
start_sim "$SIM2" --nodes 4 --seed 11
strip() { sed -E "s/\"timeUnixNano\": *[0-9]+//"; }
[[ "$(truth "$SIM" | strip)" == "$(truth "$SIM2" | strip)" ]] || fail "same seed, different truth"

# other methods: 405
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$SIM/ca.crt" \
  --cert "$SIM/admin.crt" --key "$SIM/admin.key" -X POST "$URL/sim/v1/truth")
[[ $code == 405 ]] || fail "POST /sim/v1/truth answered $code"
pass
