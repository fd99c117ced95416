#!/usr/bin/env bash
# Load benchmark of the REST API (issue 4): GET /api/projects (default page of 100, and
# ?limit=1000) with 1,000 projects, and GET /api/conversations/{id} with 200 messages, on loopback
# with wrk. Prints requests/s, p50/p99 latency and the host's peak RSS as a markdown table.
#
# Builds nothing: it runs the default build, build/bin/devkit with etc/devkit.ini (storage-local),
# on a free loopback port with a temporary data dir, and stops it on exit. Not part of the test
# command. Needs `wrk`, `curl` and `sqlite3` (scripts/deps.sh --bench).
#
# Usage: bench/api_load.sh [duration=10s] [connections=32] [threads=2]
#   bench/api_load.sh 10s 1   gives the service time (one connection, no queueing).
#
# The 1,000 projects and the conversation are created through the API (dev mode: every request is
# the dev user). The API cannot append messages yet (agent runs do that), so the 200 messages are
# inserted into the host's SQLite database (<data dir>/devkit.sqlite) with the sqlite3 CLI, in the
# format of docs/storage.md: user text messages alternating with assistant messages that hold a
# text, a tool_use and a tool_result block.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-10s}
connections=${2:-32}
threads=${3:-$((connections < 2 ? connections : 2))}  # wrk needs threads <= connections
bin=build/bin/devkit
if [[ ! -x $bin ]]; then
  echo "api_load: $bin is missing; build the default preset first:" >&2
  echo "  cmake --preset default && cmake --build build -j\$(nproc)   (or scripts/run.sh)" >&2
  exit 1
fi
for tool in wrk curl sqlite3; do
  command -v "$tool" >/dev/null || { echo "api_load: needs $tool (scripts/deps.sh --bench)" >&2; exit 1; }
done

work=$(mktemp -d)
pid=""
stop_host() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid" || true
  fi
  rm -rf "$work"
}
trap stop_host EXIT

# ---- start the host on a free port (port 0), read the port back from its listening socket ----
DEVKIT__DATA__DIR=$work/data DEVKIT__SERVER__PORT=0 DEVKIT__LOGGING__LEVEL=warn \
  "$bin" --config etc/devkit.ini 2>"$work/host.log" &
pid=$!

# The port of the TCP socket that process $1 listens on (state 0A in /proc/net/tcp), or nothing.
listen_port() {
  local inode hex
  for inode in $(find "/proc/$1/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null | tr -dc '0-9\n'); do
    hex=$(awk -v inode="$inode" '$4 == "0A" && $10 == inode {split($2, a, ":"); print a[2]}' \
      "/proc/$1/net/tcp")
    if [[ -n $hex ]]; then
      echo $((16#$hex))
      return
    fi
  done
}

port=""
for _ in $(seq 500); do
  kill -0 "$pid" 2>/dev/null || { echo "api_load: the host exited:" >&2; cat "$work/host.log" >&2; exit 1; }
  port=$(listen_port "$pid")
  if [[ -n $port ]] && curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; then
    break
  fi
  port=""
  sleep 0.02
done
[[ -n $port ]] || { echo "api_load: /healthz did not answer within 10 s" >&2; exit 1; }
base=http://127.0.0.1:$port
echo "host pid $pid on $base, data dir $work/data" >&2

# ---- seed: 1,000 projects through the API, in one curl process (one keep-alive connection) ----
nprojects=1000
{
  for ((i = 1; i <= nprojects; i++)); do
    printf 'url = "%s/api/projects"\nrequest = "POST"\nheader = "Content-Type: application/json"\n' "$base"
    printf 'data = "{\\"name\\": \\"Bench project %04d\\"}"\noutput = "/dev/null"\n' "$i"
    printf 'write-out = "%%{http_code}\\n"\n'
    ((i < nprojects)) && printf 'next\n'
  done
} >"$work/create.curl"
t0=$(date +%s%N)
created=$(curl -sS -K "$work/create.curl" | grep -c '^201$' || true)
t1=$(date +%s%N)
((created == nprojects)) || { echo "api_load: only $created of $nprojects projects created" >&2; exit 1; }
echo "created $nprojects projects in $(((t1 - t0) / 1000000)) ms" >&2

# ---- one conversation in the newest project, 200 messages written into SQLite ----
# nlohmann::json writes members in key order, so the project's own "id" comes before "settings".
project_id=$(curl -fsS "$base/api/projects?limit=1" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
[[ -n $project_id ]] || { echo "api_load: could not read a project id" >&2; exit 1; }
conversation_id=$(curl -fsS -X POST -H 'Content-Type: application/json' \
  -d "{\"project_id\": \"$project_id\", \"title\": \"Daily revenue pipeline\"}" \
  "$base/api/conversations" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
[[ -n $conversation_id ]] || { echo "api_load: could not create the conversation" >&2; exit 1; }

nmessages=200
db=$work/data/devkit.sqlite
[[ -f $db ]] || { echo "api_load: no database at $db" >&2; exit 1; }
now_us=$(($(date +%s%N) / 1000))
{
  echo ".timeout 10000"
  echo "BEGIN IMMEDIATE;"
  for ((seq = 0; seq < nmessages; seq++)); do
    created_us=$((now_us - (nmessages - seq) * 1000000))
    n=$((seq / 2 + 1))
    if ((seq % 2 == 0)); then
      role=user
      blocks="[{\"type\":\"text\",\"text\":\"Step $n: check the last 30 days of orders in main.sales.bronze_orders, then add the daily revenue aggregation to the silver layer of the pipeline and tell me if any day looks wrong.\"}]"
    else
      role=assistant
      rows=""
      for ((d = 1; d <= 10; d++)); do
        rows+="\\n2026-10-$((d + 10)) | $((1800 + (n * 37 + d * 11) % 400)) | $((90000 + (n * 131 + d * 977) % 9000)).$((n % 10))0"
      done
      blocks="[{\"type\":\"text\",\"text\":\"I'll query the bronze table for the daily counts and revenue before I change the pipeline (step $n).\"},"
      blocks+="{\"type\":\"tool_use\",\"id\":\"toolu_bench_$n\",\"name\":\"execute_sql\",\"input\":{\"sql_query\":\"SELECT order_date, count(*) AS orders, sum(amount) AS revenue FROM main.sales.bronze_orders WHERE order_date >= date_sub(current_date(), 30) GROUP BY order_date ORDER BY order_date\",\"warehouse_id\":\"4b9f1c2d3e4f5a6b\"}},"
      blocks+="{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_bench_$n\",\"content\":[{\"type\":\"text\",\"text\":\"order_date | orders | revenue$rows\\n(10 of 30 rows)\"}],\"is_error\":false}]"
    fi
    blocks=${blocks//\'/\'\'}
    echo "INSERT INTO messages (conversation_id, seq, role, blocks, run_id, created_us) VALUES ('$conversation_id', $seq, '$role', '$blocks', NULL, $created_us);"
  done
  echo "COMMIT;"
} >"$work/messages.sql"
sqlite3 "$db" <"$work/messages.sql"

conversation_json=$(curl -fsS "$base/api/conversations/$conversation_id")
got=$(grep -o '"seq":' <<<"$conversation_json" | wc -l)
((got == nmessages)) || { echo "api_load: the conversation has $got messages, expected $nmessages" >&2; exit 1; }

# ---- load ----
urls=(
  "/api/projects"
  "/api/projects?limit=1000"
  "/api/conversations/$conversation_id"
)
labels=(
  "GET /api/projects (100 of 1,000)"
  "GET /api/projects?limit=1000"
  "GET /api/conversations/{id} (200 messages)"
)
rss_before_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

# "1.23ms" / "870.00us" / "1.02s" -> milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

# CPU time (user + system) the host has used, in clock ticks.
host_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)

rows=()
for i in "${!urls[@]}"; do
  bytes=$(curl -fsS -o /dev/null -w '%{size_download}' "$base${urls[$i]}")
  ticks0=$(host_ticks)
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --timeout 30s --latency "$base${urls[$i]}")
  echo "$out" >>"$work/wrk.log"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "api_load: errors during ${labels[$i]}:" >&2
    echo "$out" >&2
    exit 1
  fi
  ticks=$(($(host_ticks) - ticks0))
  requests=$(awk '/ requests in / {print $1}' <<<"$out")
  # Host CPU per request: unlike latency, barely affected by other load on the machine.
  cpu=$(awk -v t="$ticks" -v hz="$hz" -v n="$requests" 'BEGIN {printf "%.2f", t * 1000 / hz / n}')
  rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  rows+=("| ${labels[$i]} | $((bytes / 1024)) KiB | $rps | $p50 ms | $p99 ms | $cpu ms |")
done
rss_peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")

echo
echo "wrk -t$threads -c$connections -d$duration --timeout 30s --latency; $nprojects projects, $nmessages messages; $(nproc) cores"
echo
echo "| Request | Response | Requests/s | p50 | p99 | Host CPU per request |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Host RSS after seeding: $((rss_before_kb / 1024)) MiB; peak (VmHWM) after the load: $((rss_peak_kb / 1024)) MiB"
