#!/usr/bin/env bash
# The kgauge binary's front door: dispatch, help, version, exit codes, klog flags, and the
# kubectl plugin path through the real kubectl.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

out=$("$KGAUGE" help)
expect_contains "$out" "Usage: kgauge COMMAND"
expect_contains "$out" "version"

out=$("$KGAUGE" version)
expect_match "$out" '^kgauge [0-9]+\.[0-9]+\.[0-9]+'
expect_contains "$out" "commit:"
expect_match "$out" 'libraries: OpenSSL 3\.[0-9.]+.*libcurl 7\.[0-9.]+.*libmicrohttpd 0\.9\.[0-9]+.*json-c 0\.[0-9.]+.*libfyaml'

# No command and an unknown command: usage on stderr, nothing on stdout, exit 2.
expect_exit 2 "$KGAUGE"
expect_exit 2 "$KGAUGE" frobnicate
"$KGAUGE" frobnicate >"$TMP/out" 2>"$TMP/err" || true
[[ ! -s "$TMP/out" ]] || fail "unknown command wrote to stdout: $(cat "$TMP/out")"
expect_contains "$(cat "$TMP/err")" 'unknown command "frobnicate"'
expect_contains "$(cat "$TMP/err")" "Usage: kgauge COMMAND"

# Every command answers --help on stdout with exit 0, as the usage text promises.
for cmd in $("$KGAUGE" help | awk '/^Commands:/{on=1; next} on && NF==0{exit} on{print $1}'); do
  [[ "$cmd" == help || "$cmd" == version ]] && continue
  out=$("$KGAUGE" "$cmd" --help 2>/dev/null) || fail "kgauge $cmd --help exited non-zero"
  expect_contains "$out" "$cmd"
done

# klog flags are accepted anywhere; a bad value names the flag.
"$KGAUGE" -v 3 version --logtostderr >/dev/null
"$KGAUGE" version --v=2 >/dev/null
expect_exit 2 "$KGAUGE" -v=loud version
expect_contains "$("$KGAUGE" -v=loud version 2>&1 || true)" '"loud" for flag -v'

# As a kubectl plugin: the real kubectl finds kubectl-kgauge on PATH and runs it.
if command -v kubectl >/dev/null; then
  mkdir -p "$TMP/plugins"
  ln -s "$KGAUGE" "$TMP/plugins/kubectl-kgauge"
  out=$(PATH="$TMP/plugins:$PATH" timeout 60 kubectl kgauge version)
  expect_match "$out" '^kgauge [0-9]+\.[0-9]+\.[0-9]+'
  err=$(PATH="$TMP/plugins:$PATH" timeout 60 kubectl kgauge nope 2>&1 >/dev/null || true)
  expect_contains "$err" "Usage: kubectl kgauge COMMAND"
else
  skip_note "kubectl not on PATH: plugin check skipped"
fi
pass
