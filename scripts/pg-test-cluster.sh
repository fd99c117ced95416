#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: pg-test-cluster.sh start|stop|restart|status <dir>
#
#   start    initialises a fresh cluster in <dir>/data (unless one is already running there), starts
#            it on a free 127.0.0.1 port and writes postgresql://postgres@127.0.0.1:<port>/postgres
#            to <dir>/dsn once it accepts connections.
#   stop     stops it (fast shutdown); succeeds when nothing runs.
#   restart  stops and starts it again on the same port with the same data (recovery tests).
#   status   exits 0 when it runs.
#
# Needs Debian's postgresql-15 (initdb and pg_ctl in /usr/lib/postgresql/15/bin; PG_BIN overrides),
# not a running system cluster. Run as root it runs the server as the postgres user. Loopback
# connections are trusted, except for members of the role devkit_password_auth, which must give
# their password (scram): tests use that to prove which password a client sent. Durability is off
# (fsync, synchronous_commit, full_page_writes) because the data is thrown away.
set -euo pipefail

usage() {
  echo "usage: $0 start|stop|restart|status <dir>" >&2
  exit 2
}
(($# == 2)) || usage
command=$1
dir=$2

find_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    echo "$PG_BIN"
    return
  fi
  if [[ -x /usr/lib/postgresql/15/bin/pg_ctl ]]; then
    echo /usr/lib/postgresql/15/bin
    return
  fi
  # Another Debian major works too; take the newest.
  local found
  found=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [[ -z "$found" || ! -x "$found/pg_ctl" ]]; then
    echo "pg-test-cluster: no PostgreSQL server binaries (install postgresql-15)" >&2
    exit 1
  fi
  echo "$found"
}
bin=$(find_bin)

# The server refuses to run as root: run its tools as postgres then.
as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# The server's own files live in <dir>, or in a /tmp directory named by <dir>/server_dir when the
# postgres user cannot reach <dir> (e.g. a build tree under /root).
locate() {
  local base="$dir"
  if [[ -f "$dir/server_dir" ]]; then
    base=$(cat "$dir/server_dir")
  fi
  data="$base/data"
  log="$base/server.log"
}
locate

running() {
  [[ -f "$data/PG_VERSION" ]] && as_server_user "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

port_free() {
  # Nothing listens when a connect fails.
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if port_free "$port"; then
      echo "$port"
      return
    fi
  done
  echo "pg-test-cluster: no free port found" >&2
  exit 1
}

initialise() {
  if [[ -f "$dir/server_dir" && "$(cat "$dir/server_dir")" == /tmp/devkit-pg-* ]]; then
    rm -rf "$(cat "$dir/server_dir")"
  fi
  rm -rf "$dir/data" "$dir/dsn" "$dir/port" "$dir/server.log" "$dir/server_dir"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$dir"
    if ! runuser -u postgres -- test -w "$dir" 2>/dev/null; then
      local tmp
      tmp=$(mktemp -d /tmp/devkit-pg-XXXXXX)
      chown postgres: "$tmp"
      echo "$tmp" >"$dir/server_dir"
    fi
  fi
  locate
  as_server_user "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
    --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  cat >"$data/pg_hba.conf" <<'EOF'
# pg-test-cluster.sh: trust on loopback, except for password-checked test roles.
host all +devkit_password_auth 127.0.0.1/32 scram-sha-256
host all +devkit_password_auth ::1/128 scram-sha-256
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
EOF
  cat >>"$data/postgresql.conf" <<'EOF'
# pg-test-cluster.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 300
log_min_messages = warning
EOF
}

start_server() {
  local port=$1
  if ! as_server_user "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 -o "-p $port" start \
    >/dev/null; then
    echo "pg-test-cluster: the server did not start; its log:" >&2
    tail -n 30 "$log" >&2 || true
    return 1
  fi
  echo "$port" >"$dir/port"
  # pg_ctl -w returns when the postmaster says "ready"; check the TCP listener as well.
  for _ in $(seq 1 100); do
    if pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null || ! port_free "$port"; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/dsn.tmp"
      mv "$dir/dsn.tmp" "$dir/dsn"
      return 0
    fi
    sleep 0.1
  done
  echo "pg-test-cluster: the server does not accept connections on port $port" >&2
  return 1
}

case "$command" in
  start)
    if running && [[ -f "$dir/dsn" ]]; then
      exit 0
    fi
    if running; then
      as_server_user "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    initialise
    # A port can be taken between the check and the bind: try a few.
    for _ in 1 2 3 4 5; do
      port=$(pick_port)
      if start_server "$port"; then
        echo "pg-test-cluster: running on 127.0.0.1:$port ($dir)"
        exit 0
      fi
    done
    exit 1
    ;;
  stop)
    if running; then
      as_server_user "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    fi
    exit 0
    ;;
  restart)
    [[ -f "$data/PG_VERSION" && -f "$dir/port" ]] ||
      { echo "pg-test-cluster: no cluster in $dir (start it first)" >&2; exit 1; }
    port=$(cat "$dir/port")
    if running; then
      as_server_user "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    fi
    start_server "$port"
    ;;
  status)
    running
    ;;
  *)
    usage
    ;;
esac
