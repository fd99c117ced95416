#!/usr/bin/env bash
# Benchmark of the foundation: devkit start-up latency (exec -> "listening"), resident memory once
# started with the five first-party plugins, and /healthz throughput and latency on loopback (wrk).
# Not part of the test command. Needs a build (scripts/run.sh or scripts/test.sh) and `wrk`
# (apt-get install wrk). Usage: bench/startup_and_healthz.sh [runs=20]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
bin=build/bin/devkit
[[ -x $bin ]] || { echo "build first: scripts/run.sh or scripts/test.sh" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/devkit.ini" <<INI
[server]
port = 0
webroot = $PWD/build/share/devkit/webroot
[data]
dir = $work/data
[plugins]
dir = $PWD/build/lib/devkit/plugins
[plugin.storage-local]
enabled = yes
[plugin.skills]
enabled = yes
[plugin.agent-claude]
enabled = yes
[plugin.mcp-databricks]
enabled = yes
INI

start_ms=()
for ((i = 0; i < runs; i++)); do
  t0=$(date +%s%N)
  "$bin" --config "$work/devkit.ini" 2>"$work/err" &
  pid=$!
  until grep -q "listening on" "$work/err" 2>/dev/null; do sleep 0.001; done
  t1=$(date +%s%N)
  start_ms+=($(((t1 - t0) / 1000)))
  if ((i == runs - 1)); then
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/err")
    rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    echo "healthz with wrk (2 threads, 16 connections, 10 s):"
    wrk -t2 -c16 -d10s --latency "http://127.0.0.1:$port/healthz" | sed -n '/Latency/p;/50%/p;/99%/p;/Requests\/sec/p'
    rss_after_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  fi
  kill -TERM "$pid"
  wait "$pid" || true
done
sorted=$(printf '%s\n' "${start_ms[@]}" | sort -n)
median=$(echo "$sorted" | awk -v n="$runs" 'NR == int((n + 1) / 2) {print}')
p90=$(echo "$sorted" | awk -v n="$runs" 'NR == int(n * 0.9 + 0.5) {print}')
echo "start-up to listening over $runs runs: median $((median / 1000)).$(printf '%03d' $((median % 1000))) ms, p90 $((p90 / 1000)).$(printf '%03d' $((p90 % 1000))) ms"
echo "RSS after start: $((rss_kb / 1024)) MiB; after the wrk run: $((rss_after_kb / 1024)) MiB"
