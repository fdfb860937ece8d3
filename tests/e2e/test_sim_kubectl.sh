#!/usr/bin/env bash
# `kgauge sim` against the real kubectl: the gcloud dispatcher on PATH (which execs kubectl 1.32
# for a v1.32 server) and kubectl.1.32 run directly. Expected output is what kubectl prints for
# a real cluster with these objects (column headers of kube-apiserver's printers, kubectl's
# error format), per docs/sim.md and the kubectl wire spec.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if ! command -v kubectl >/dev/null 2>&1; then
  skip_note "kubectl is not on PATH: skipping the kubectl checks"
  pass
  exit 0
fi
KDIR=$(dirname "$(readlink -f "$(command -v kubectl)")")
K132="$KDIR/kubectl.1.32"
[[ -x "$K132" ]] || K132=""

# Starts a sim in $1 with more flags; sets SIM_PID; waits (bounded) for the ready file.
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

# ---- flags ----
expect_exit 2 "$KGAUGE" sim
expect_exit 2 "$KGAUGE" sim --dir "$TMP/x" --nodes 99999999
expect_exit 2 "$KGAUGE" sim --dir "$TMP/x" --bogus 1
expect_exit 0 "$KGAUGE" sim --help
expect_contains "$("$KGAUGE" sim --dir "$TMP/bad" --kubelet-version 1.32 2>&1 || true)" \
  'invalid kubelet version "1.32"'

# ---- start: 10 nodes, well under a second ----
SIM="$TMP/sim"
t0=$(date +%s%N)
start_sim "$SIM" --nodes 10 --seed 7
SIM1_PID=$SIM_PID
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "sim ready after ${ms} ms"
(( ms < 1000 )) || fail "sim took ${ms} ms to become ready (want < 1 s for 10 nodes)"
URL=$(cat "$SIM/ready")
[[ "$URL" =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || fail "ready file holds [$URL]"
expect_contains "$(cat "$SIM/kubeconfig")" "server: \"$URL\""
for f in ca.crt ca.key apiserver.crt apiserver.key admin.crt admin.key front-proxy-ca.crt \
  front-proxy-ca.key front-proxy-client.crt front-proxy-client.key kubeconfig; do
  [[ -s "$SIM/$f" ]] || fail "missing $SIM/$f"
done

# Unauthenticated: a 401 Status; /version is public.
out=$(curl -sk "$URL/api/v1/nodes")
expect_contains "$out" '"reason": "Unauthorized"'
expect_contains "$out" '"code": 401'
[[ $(curl -sk -o /dev/null -w '%{http_code}' "$URL/api/v1/nodes") == 401 ]] || fail "want 401"
expect_contains "$(curl -sk "$URL/version")" '"gitVersion": "v1.32.5"'

check_kubectl() {
  local name=$1; shift
  local kc=("$@" --kubeconfig "$SIM/kubeconfig" --cache-dir "$(mktemp -d "$TMP/cache.XXXXXX")")
  local out

  out=$("${kc[@]}" get nodes)
  expect_match "$out" '^NAME +STATUS +ROLES +AGE +VERSION$'
  [[ $(grep -c '^sim-node-00[0-9][0-9] \+Ready \+<none> \+[0-9]\+s \+v1\.32\.5$' <<<"$out") == 10 ]] \
    || fail "$name get nodes: want 10 Ready rows: $out"

  out=$("${kc[@]}" get nodes -o wide)
  expect_match "$out" '^NAME +STATUS +ROLES +AGE +VERSION +INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME$'
  expect_match "$out" '^sim-node-0001 +Ready .* 127\.1\.0\.1 +<none> +Debian GNU/Linux 12 \(bookworm\) +6\.1\.0-28-cloud-amd64 +containerd://1\.7\.24$'

  out=$("${kc[@]}" get pods -A)
  expect_match "$out" '^NAMESPACE +NAME +READY +STATUS +RESTARTS +AGE$'
  [[ $(grep -c '^kube-system .* 1/1 \+Running \+0 ' <<<"$out") == 22 ]] \
    || fail "$name get pods -A: want 22 Running pods: $out"

  out=$("${kc[@]}" get pods -A --chunk-size=4)
  [[ $(tail -n +2 <<<"$out" | wc -l) == 22 ]] || fail "$name paginated get pods: $out"

  out=$("${kc[@]}" get pods -n kube-system -l k8s-app=kube-proxy)
  [[ $(grep -c '^kube-proxy-[a-z0-9]\{5\} ' <<<"$out") == 10 ]] || fail "$name -l: $out"

  out=$("${kc[@]}" get pods -A --field-selector spec.nodeName=sim-node-0003 -o wide)
  [[ $(tail -n +2 <<<"$out" | wc -l) == 2 ]] || fail "$name --field-selector: $out"
  expect_match "$out" 'kindnet-[a-z0-9]{5} .* 127\.1\.0\.3 +sim-node-0003 +<none> +<none>$'

  out=$("${kc[@]}" get pods -A --field-selector spec.nodeName=sim-node-0001,status.phase=Running)
  [[ $(tail -n +2 <<<"$out" | wc -l) == 3 ]] || fail "$name two field terms: $out"

  local rc=0 err
  err=$("${kc[@]}" get pods -A --field-selector spec.bogus=1 2>&1 >/dev/null) || rc=$?
  [[ $rc == 1 ]] || fail "$name bad field selector: rc $rc"
  expect_contains "$err" 'field label not supported: spec.bogus'

  out=$("${kc[@]}" get ns)
  expect_match "$out" '^NAME +STATUS +AGE$'
  [[ $(grep -c ' Active ' <<<"$out") == 4 ]] || fail "$name get ns: $out"

  "${kc[@]}" get node sim-node-0001 -o json | python3 -c '
import json, sys
n = json.load(sys.stdin)
assert n["kind"] == "Node" and n["apiVersion"] == "v1", n.get("kind")
assert n["metadata"]["name"] == "sim-node-0001"
assert n["status"]["nodeInfo"]["kubeletVersion"] == "v1.32.5"
assert n["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"] == 10250
assert {"type": "InternalIP", "address": "127.1.0.1"} in n["status"]["addresses"]
assert [c["status"] for c in n["status"]["conditions"] if c["type"] == "Ready"] == ["True"]
assert n["status"]["allocatable"]["cpu"] == "3920m" and n["status"]["capacity"]["pods"] == "110"
' || fail "$name get node -o json"

  "${kc[@]}" get pods -n kube-system -o json | python3 -c '
import json, sys
l = json.load(sys.stdin)
assert l["kind"] == "List" and len(l["items"]) == 22
assert all(p["kind"] == "Pod" and p["status"]["phase"] == "Running" for p in l["items"])
' || fail "$name get pods -o json"

  rc=0
  err=$("${kc[@]}" get pod nope 2>&1 >/dev/null) || rc=$?
  [[ $rc == 1 ]] || fail "$name get pod nope: rc $rc"
  [[ "$err" == 'Error from server (NotFound): pods "nope" not found' ]] \
    || fail "$name get pod nope: [$err]"

  out=$("${kc[@]}" get --raw /version)
  expect_contains "$out" '"gitVersion": "v1.32.5"'

  out=$("${kc[@]}" api-resources)
  expect_match "$out" '^NAME +SHORTNAMES +APIVERSION +NAMESPACED +KIND$'
  expect_match "$out" '^pods +po +v1 +true +Pod$'
  expect_match "$out" '^nodes +no +v1 +false +Node$'
  expect_match "$out" '^namespaces +ns +v1 +false +Namespace$'

  out=$("${kc[@]}" api-versions)
  [[ "$out" == "v1" ]] || fail "$name api-versions: [$out]"

  out=$("${kc[@]}" version)
  expect_contains "$out" "Server Version: v1.32.5"
  echo "ok: $name"
}

check_kubectl "kubectl (dispatcher)" kubectl
if [[ -n "$K132" ]]; then
  check_kubectl "kubectl.1.32" "$K132"
else
  skip_note "no kubectl.1.32 beside $(command -v kubectl)"
fi

# ---- another sim at the same time: its own port, kubelet version and seed ----
SIM2="$TMP/sim2"
start_sim "$SIM2" --nodes 2 --seed 8 --kubelet-version v1.30.14
SIM2_PID=$SIM_PID
out=$(kubectl --kubeconfig "$SIM2/kubeconfig" --cache-dir "$TMP/cache2" get nodes)
[[ $(grep -c ' Ready .* v1\.30\.14$' <<<"$out") == 2 ]] || fail "second sim: $out"
[[ $(cat "$SIM2/ready") != "$URL" ]] || fail "two sims on one port"

# ---- SIGTERM: exit 0, ready removed ----
kill -TERM "$SIM2_PID"
rc=0
wait "$SIM2_PID" || rc=$?
[[ $rc == 0 ]] || fail "sim exited $rc on SIGTERM"
[[ ! -e "$SIM2/ready" ]] || fail "ready file left behind"
kill -INT "$SIM1_PID"
rc=0
wait "$SIM1_PID" || rc=$?
[[ $rc == 0 ]] || fail "sim exited $rc on SIGINT"
[[ ! -e "$SIM/ready" ]] || fail "ready file left behind"
pass
