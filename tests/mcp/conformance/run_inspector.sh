#!/usr/bin/env bash
# The MCP Inspector CLI (@modelcontextprotocol/inspector-cli, pinned in package-lock.json) as an
# outside MCP client of the host, over both transports: it lists the conformance-tools fixture's
# tools and calls them over `devkit mcp --stdio`, and over /mcp with its own
# `--header "Authorization: Bearer ..."` (as Claude Code and Cursor are configured in docs/mcp.md).
# Without the header, /mcp must refuse it. The CTest test mcp_inspector runs it.
#
# Environment: see harness.sh.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

inspector=$conf_dir/node_modules/@modelcontextprotocol/inspector-cli/build
failures=0

# inspect <output-file> <inspector arguments...>: runs the CLI; its exit status is returned. It
# runs in the CLI's own build dir because it finds its package.json relative to the working dir.
inspect() {
  local out=$1
  shift
  (cd "$inspector" && "$node" index.js "$@") >"$out" 2>"$out.err"
}

# check <description> <output-file> <python expression over `r`, the parsed JSON output>
check() {
  if "${DEVKIT_PYTHON3:-python3}" - "$2" "$3" <<'EOF'; then
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    sys.exit(0 if eval(sys.argv[2]) else 1)
except Exception as e:
    print(f"  {type(e).__name__}: {e}")
    sys.exit(1)
EOF
    echo "PASS: $1"
  else
    echo "FAIL: $1"
    echo "  output: $(head -c 2000 "$2")"
    echo "  stderr: $(tail -c 2000 "$2.err")"
    failures=$((failures + 1))
  fi
}

# The host may list its own tools beside them (check_operation_status).
tools='["json_schema_2020_12_tool", "test_audio_content", "test_embedded_resource",
  "test_error_handling", "test_image_content", "test_multiple_content_types", "test_simple_text",
  "test_tool_with_logging", "test_tool_with_progress"]'
simple_text='This is a simple text response for testing.'

# stdio: the Inspector starts `devkit mcp --stdio` itself. Its own data dir, so that it shares no
# storage with the running host.
stdio_ini=$work/stdio.ini
sed "s|^dir = $work/data\$|dir = $work/stdio-data|" "$ini" >"$stdio_ini"
stdio=("$DEVKIT_BINARY" mcp --stdio --config "$stdio_ini")

inspect "$work/stdio-list.json" "${stdio[@]}" --method tools/list || true
check "stdio: tools/list names every fixture tool" "$work/stdio-list.json" \
  "set($tools) <= {t['name'] for t in r['tools']}"
inspect "$work/stdio-call.json" "${stdio[@]}" --method tools/call --tool-name test_simple_text ||
  true
check "stdio: tools/call test_simple_text answers its text" "$work/stdio-call.json" \
  "r['content'] == [{'type': 'text', 'text': '$simple_text'}] and not r.get('isError')"

# Streamable HTTP, straight to the host with the Inspector's own Authorization header.
url=http://127.0.0.1:$host_port/mcp
auth=(--transport http --header "Authorization: Bearer dapi-alice")

inspect "$work/http-list.json" "$url" --method tools/list "${auth[@]}" || true
check "http: tools/list names every fixture tool" "$work/http-list.json" \
  "set($tools) <= {t['name'] for t in r['tools']}"
check "http: the 2020-12 inputSchema reaches the client whole" "$work/http-list.json" \
  "[t for t in r['tools'] if t['name'] == 'json_schema_2020_12_tool'][0]['inputSchema']['\$defs']['address']['properties']['city'] == {'type': 'string'}"
inspect "$work/http-call.json" "$url" --method tools/call --tool-name test_simple_text \
  "${auth[@]}" || true
check "http: tools/call test_simple_text answers its text" "$work/http-call.json" \
  "r['content'] == [{'type': 'text', 'text': '$simple_text'}] and not r.get('isError')"
# A \$ref'd object argument: the host's argument check must let it through unchanged.
inspect "$work/http-schema.json" "$url" --method tools/call --tool-name json_schema_2020_12_tool \
  --tool-arg name=Ada 'address={"street":"1 Main St","city":"Springfield"}' "${auth[@]}" || true
check "http: json_schema_2020_12_tool accepts a \$ref'd argument" "$work/http-schema.json" \
  "not r.get('isError') and json.loads(r['content'][0]['text'][len('Received: '):]) == {'name': 'Ada', 'address': {'street': '1 Main St', 'city': 'Springfield'}}"
inspect "$work/http-error.json" "$url" --method tools/call --tool-name test_error_handling \
  "${auth[@]}" || true
check "http: test_error_handling is a tool error (isError)" "$work/http-error.json" \
  "r.get('isError') is True and 'intentionally' in r['content'][0]['text']"

# No token: the host refuses it (401, with the host's "unauthorized" message, which is what the
# Inspector prints), and the Inspector fails.
if inspect "$work/http-noauth.json" "$url" --method tools/list --transport http; then
  echo "FAIL: http without a token: the Inspector listed the tools"
  failures=$((failures + 1))
elif grep -q '"unauthorized: ' "$work/http-noauth.json.err"; then
  echo "PASS: http without a token is refused (unauthorized)"
else
  echo "FAIL: http without a token failed, but not as unauthorized:" \
    "$(tail -c 1000 "$work/http-noauth.json.err")"
  failures=$((failures + 1))
fi

((failures == 0)) || { echo "$failures Inspector check(s) failed" >&2; exit 1; }
echo "all Inspector checks passed"
