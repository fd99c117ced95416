#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in package-lock.json)
# against the host's /mcp: every server scenario (--suite all), through the bearer proxy, with the
# scenarios the host does not support listed in expected-failures.yml. The suite's own exit status
# decides: 1 for a failure not in the baseline, and for a baseline entry that now passes.
#
#   tests/mcp/conformance/run_conformance.sh [results-dir]
#
# Environment: see harness.sh. Results (one checks.json per scenario) go to results-dir, by
# default $DEVKIT_ARTIFACTS_DIR/conformance. The CTest test mcp_conformance runs it.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

results=${1:-${DEVKIT_ARTIFACTS_DIR:-$work/artifacts}/conformance}
rm -rf "$results"
mkdir -p "$results"

# 127.0.0.1 is a localhost URL for the dns-rebinding-protection scenario, which sends its Host and
# Origin through the proxy unchanged.
set +e
"$node" "$conf_dir/node_modules/@modelcontextprotocol/conformance/dist/index.js" server \
  --url "http://127.0.0.1:$proxy_port/mcp" --suite all \
  --expected-failures "$conf_dir/expected-failures.yml" --output-dir "$results" \
  2>&1 | tee "$results/summary.txt"
status=${PIPESTATUS[0]}
set -e
echo "results: $results" >&2
exit "$status"
