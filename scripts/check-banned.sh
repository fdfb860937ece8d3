#!/usr/bin/env bash
# Rejects C library functions that kgauge never uses (DESIGN style rule 10): unbounded copies
# and formatting, a non-reentrant tokenizer, and conversions that cannot report errors.
# Use snprintf, memcpy with a known length, util/buf.h, strtok_r, strtol/strtoll instead.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|gets)[[:space:]]*\('
if hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' src tests bench 2>/dev/null); then
  echo "banned functions used (see scripts/check-banned.sh for the alternatives):" >&2
  echo "$hits" >&2
  exit 1
fi
