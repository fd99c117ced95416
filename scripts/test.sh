#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test:
#   1. the formatting check (.clang-format),
#   2. all GoogleTest suites through CTest (unit, abi, integration, storage); the storage suites run
#      against a throwaway PostgreSQL 15 cluster that CTest starts and stops (scripts/pg-test-cluster.sh),
#   3. the ABI and REST API suites again in an AddressSanitizer + UBSan build (preset "asan").
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/deps.sh --test

echo "== build" >&2
cmake --preset default >/dev/null
cmake --build build -j"$jobs"

echo "== format check" >&2
cmake --build build --target format-check

echo "== tests" >&2
ctest --test-dir build --output-on-failure -j"$jobs" --timeout 300

echo "== ABI and API suites under AddressSanitizer + UBSan" >&2
cmake --preset asan >/dev/null
cmake --build --preset asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j"$jobs" --timeout 600
