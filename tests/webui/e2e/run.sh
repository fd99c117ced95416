#!/usr/bin/env bash
# End-to-end test of the web UI: Debian's chromium (headless, driven by playwright-core from
# webroot/node_modules) against the real host, the real Claude Code CLI, the tests' mock Anthropic
# API (tests/support, scenario.json beside this file) and the fake Databricks workspace
# (tests/fixtures/fake-databricks). Screenshots of each screen go to the artifacts dir.
#
#   tests/webui/e2e/run.sh BUILD_DIR [ARTIFACTS_DIR]
#
# Exit 77 (CTest: skipped) when chromium, playwright-core, the CLI or a binary is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [ARTIFACTS_DIR]}" && pwd)
artifacts=${2:-$build/tests/webui/e2e-artifacts}
chromium=${CHROMIUM:-$(command -v chromium || true)}
claude=$src/plugins/agent-claude/cli/node_modules/.bin/claude

skip() { echo "e2e: skipped: $*" >&2; exit 77; }
[[ -x $chromium ]] || skip "no chromium (apt-get install chromium)"
[[ -f $src/webroot/node_modules/playwright-core/package.json ]] || skip "no playwright-core in webroot/node_modules (scripts/deps.sh)"
[[ -x $claude ]] || skip "no Claude Code CLI ($claude; scripts/deps.sh)"
[[ -x $build/bin/devkit && -x $build/bin/mock-anthropic ]] || skip "devkit or mock-anthropic not built in $build"
[[ -f $build/share/devkit/webroot/index.html ]] || skip "the web UI is not built ($build/share/devkit/webroot)"

work=$(mktemp -d /tmp/devkit-ui-e2e.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ ${KEEP_WORK:-0} == 1 ]]; then echo "e2e: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$artifacts" "$work/data"
rm -f "$artifacts"/*.png

wait_for_file() { for _ in $(seq 1 100); do [[ -s $1 ]] && return 0; sleep 0.1; done; echo "e2e: timed out waiting for $1" >&2; return 1; }

python3 "$src/tests/fixtures/fake-databricks/fake_databricks.py" --port 0 --port-file "$work/fake.port" \
  >"$work/fake-databricks.log" 2>&1 &
pids+=($!)
"$build/bin/mock-anthropic" --port 0 --scenario "$here/scenario.json" >"$work/mock.out" 2>"$work/mock.log" &
pids+=($!)
wait_for_file "$work/fake.port"
for _ in $(seq 1 100); do grep -q '^port=' "$work/mock.out" && break; sleep 0.1; done
fake_port=$(cat "$work/fake.port")
mock_port=$(sed -n 's/^port=//p' "$work/mock.out")
[[ -n $mock_port ]] || { echo "e2e: mock-anthropic did not start" >&2; cat "$work/mock.log" >&2; exit 1; }
# The orders table the SQL turn reads.
curl -fsS -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$fake_port/__fake/sql" \
  -d '{"match": "FROM main\\.sales\\.orders", "columns": [{"name": "id", "type_name": "LONG"}, {"name": "customer", "type_name": "STRING"}], "rows": [["1", "Alice"], ["2", null]], "pending_polls": 2}' >/dev/null

host_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/devkit.ini" <<INI
[server]
host = 127.0.0.1
port = $host_port
webroot = $build/share/devkit/webroot
[logging]
level = info
[data]
dir = $work/data
[auth]
mode = dev
dev_user_email = developer@localhost
[projects]
default_catalog = main
[backup]
enabled = yes
[plugins]
dir = $build/lib/devkit/plugins
[plugin.storage-local]
enabled = yes
[plugin.skills]
enabled = yes
dir = $build/share/devkit/skills
[plugin.agent-claude]
enabled = yes
claude_path = $claude
llm = http://127.0.0.1:$mock_port
permission_mode = ask
api_max_retries = 0
[plugin.mcp-databricks]
enabled = yes
INI
env -u DATABRICKS_CONFIG_PROFILE DEVKIT__PLUGIN__AGENT_CLAUDE__ANTHROPIC_API_KEY=test-key-not-secret \
  DATABRICKS_HOST="http://127.0.0.1:$fake_port" DATABRICKS_TOKEN=dapi-alice HOME="$work" \
  "$build/bin/devkit" --config "$work/devkit.ini" >"$work/devkit.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do curl -fsS "http://127.0.0.1:$host_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$host_port/healthz" >"$artifacts/healthz.json" || { cat "$work/devkit.log" >&2; exit 1; }

status=0
CHROMIUM=$chromium node "$here/ui.e2e.mjs" "http://127.0.0.1:$host_port" "$artifacts" "http://127.0.0.1:$mock_port" "$work/data" \
  "http://127.0.0.1:$fake_port" || status=$?
cp "$work/devkit.log" "$work/mock.log" "$work/fake-databricks.log" "$artifacts/" 2>/dev/null || true
if [[ $status -ne 0 ]]; then
  echo "e2e: failed; logs and screenshots in $artifacts" >&2
  tail -n 40 "$work/devkit.log" >&2
fi
exit $status
