#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only those that are missing.
# Used by scripts/run.sh and scripts/test.sh (--test); --bench adds what bench/ needs. Safe to run
# repeatedly. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake g++ binutils pkg-config
  libpoco-dev libboost-dev nlohmann-json3-dev libspdlog-dev
  libgtest-dev libpq-dev libsqlite3-dev libssl-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang-format curl postgresql)
elif [[ "${1:-}" == "--bench" ]]; then
  packages+=(curl sqlite3 wrk)  # bench/*.sh; no script runs them
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
