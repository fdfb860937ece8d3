#!/usr/bin/env bash
# Installs every package kgauge needs to build, test, fuzz and lint on Debian 12.
# Idempotent: checks each package first and runs apt-get only for the missing ones.
#   scripts/install-deps.sh           install what is missing (as root, or through sudo)
#   scripts/install-deps.sh --check   exit 1 and list what is missing, install nothing
set -euo pipefail

packages=(
  # build
  gcc make cmake ninja-build pkg-config
  libmicrohttpd-dev libcurl4-openssl-dev libssl-dev libgnutls28-dev libjson-c-dev libfyaml-dev
  # tests, fuzzing, lint
  libcmocka-dev clang-14 libclang-rt-14-dev clang-format clang-tidy valgrind openssl curl
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "missing packages: ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
run=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    run=(sudo)
  else
    echo "install-deps: missing packages (${missing[*]}) and not root; run this script as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when apt has none (a fresh machine or image).
if ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
  "${run[@]}" apt-get update -q
fi
if ! "${run[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  "${run[@]}" apt-get update -q
  "${run[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
