#!/usr/bin/env bash
# Installs what is missing, builds, and starts the host on its embedded defaults (etc/devkit.ini:
# storage-local, skills, agent-claude, mcp-databricks) at http://localhost:8000.
# Extra arguments go to devkit (e.g. --config FILE). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake --preset default >/dev/null
cmake --build build -j"$(nproc)" --target runtime
exec build/bin/devkit --config etc/devkit.ini "$@"
