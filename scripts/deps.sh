#!/usr/bin/env bash
# Installs the Debian 12 packages the project needs, only those that are missing.
# Used by scripts/run.sh and scripts/test.sh (--test); --bench adds what bench/ needs. Safe to run
# repeatedly. Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake g++ binutils pkg-config
  libpoco-dev libboost-dev nlohmann-json3-dev libspdlog-dev
  libgtest-dev libpq-dev libsqlite3-dev libssl-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang-format curl postgresql python3-yaml)  # python3-yaml: tests/skills code blocks
elif [[ "${1:-}" == "--bench" ]]; then
  packages+=(curl sqlite3 wrk)  # bench/*.sh; no script runs them
fi

# Node.js and npm install the Claude Code CLI and the web UI's packages (webroot/). Machines of this
# project's kind come with a newer Node.js; elsewhere Debian's packages do (the CLI needs >= 18).
if ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

install_packages() {
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "deps: need root to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
if ((${#missing[@]} > 0)); then
  install_packages
fi

# The pinned Claude Code CLI that agent-claude drives (plugins/agent-claude/cli/package-lock.json).
# Reinstalled only when the lockfile changed. The package's install script only links the native
# binary out of its platform package (no download).
cli=plugins/agent-claude/cli
if [[ ! -x $cli/node_modules/.bin/claude || $cli/package-lock.json -nt $cli/node_modules/.package-lock.json ]]; then
  echo "deps: installing the Claude Code CLI ($cli)" >&2
  npm ci --prefix "$cli" --no-audit --no-fund --loglevel=error >/dev/null
fi

# bench/mcp_bench's reference MCP server (bench/mcp-reference/package-lock.json), with --bench only.
# Reinstalled only when the lockfile changed.
ref=bench/mcp-reference
if [[ "${1:-}" == "--bench" ]] &&
  [[ ! -f $ref/node_modules/.package-lock.json || $ref/package-lock.json -nt $ref/node_modules/.package-lock.json ]]; then
  echo "deps: installing the reference MCP server ($ref)" >&2
  npm ci --prefix "$ref" --no-audit --no-fund --loglevel=error >/dev/null
fi

# The MCP conformance suite, the Node.js 22 it needs and the MCP Inspector CLI
# (tests/mcp/conformance/package-lock.json), with --test only: the mcp_conformance and
# mcp_inspector tests run them. Reinstalled only when the lockfile changed.
conf=tests/mcp/conformance
if [[ "${1:-}" == "--test" ]] &&
  [[ ! -f $conf/node_modules/.package-lock.json || $conf/package-lock.json -nt $conf/node_modules/.package-lock.json ]]; then
  echo "deps: installing the MCP conformance suite and Inspector CLI ($conf)" >&2
  npm ci --prefix "$conf" --no-audit --no-fund --loglevel=error >/dev/null
fi

# The web UI's packages (webroot/package-lock.json: React, Vite, TypeScript, Vitest,
# playwright-core), for the webroot target's build and the webui tests. Reinstalled only when the
# lockfile changed.
webui=webroot
if [[ ! -f $webui/node_modules/.package-lock.json || $webui/package-lock.json -nt $webui/node_modules/.package-lock.json ]]; then
  echo "deps: installing the web UI's packages ($webui)" >&2
  npm ci --prefix "$webui" --no-audit --no-fund --loglevel=error >/dev/null
fi
# The UI's end-to-end test (tests/webui/e2e) drives Debian's chromium with playwright-core.
if [[ "${1:-}" == "--test" ]] && ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "install ok installed"; then
  missing=(chromium)
  install_packages
fi
