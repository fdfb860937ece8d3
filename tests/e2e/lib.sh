# Shared helpers for tests/e2e/*.sh. CTest sets KGAUGE (the binary), KGAUGE_SRC, KGAUGE_BUILD.
: "${KGAUGE:?KGAUGE must point at the kgauge binary (run through ctest)}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kgauge-e2e.XXXXXX")
_pids=()
cleanup() {
  local p
  for p in "${_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
# Remember a background process so that cleanup stops it.
track() { _pids+=("$1"); }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $(basename "$0")"; }
skip_note() { echo "NOTE: $*" >&2; }
expect_contains() { [[ "$1" == *"$2"* ]] || fail "expected to find [$2] in: $1"; }
expect_match() { grep -Eq -- "$2" <<<"$1" || fail "expected a line matching /$2/ in: $1"; }
expect_exit() {
  local want=$1; shift
  local rc=0
  "$@" >/dev/null 2>&1 || rc=$?
  [[ $rc -eq $want ]] || fail "expected exit $want from [$*], got $rc"
}
