#!/usr/bin/env bash
# Runs every unit-test binary of a build under valgrind memcheck; any error or leak fails.
#   scripts/valgrind-tests.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: valgrind-tests.sh BUILD_DIR}
export KGAUGE_TESTDATA=${KGAUGE_TESTDATA:-$(cd "$(dirname "$0")/.." && pwd)/../shared/testdata}
status=0
for t in "$build"/test_*; do
  [[ -x "$t" ]] || continue
  printf 'valgrind %-24s ' "${t##*/}"
  if valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
       --errors-for-leak-kinds=definite,indirect --track-fds=no "$t" >"$t.valgrind.log" 2>&1; then
    echo ok
  else
    echo "FAILED (log: $t.valgrind.log)"
    tail -n 40 "$t.valgrind.log" >&2
    status=1
  fi
done
exit $status
