#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests and bench: `initdb` in $PG_ROOT, a loopback
# port, no system service, never touches /etc/postgresql.
#   scripts/postgres-fixture.sh start   # prints URL and PID lines
#   scripts/postgres-fixture.sh stop
#   scripts/postgres-fixture.sh database NAME   # a new empty database (dropped first if it exists)
# Env: PG_ROOT (/tmp/pg-fixture), PG_PORT (15432), PG_PASSWORD (fixture-pw), PG_FRESH=1
# wipes the cluster first. Loopback connections authenticate with SCRAM as `postgres`, so
# the gateway's password handling is exercised, not bypassed with `trust`.
set -euo pipefail
ROOT=${PG_ROOT:-/tmp/pg-fixture}
PORT=${PG_PORT:-15432}
PASSWORD=${PG_PASSWORD:-fixture-pw}
BIN=/usr/lib/postgresql/15/bin

# Same reason as in dovecot-fixture.sh: the server must not inherit a test's pipes. Run it
# in a subshell: ( close_inherited_fds; cmd ... ).
close_inherited_fds() {
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# initdb and postgres refuse to run as root; root runs them as the package's `postgres` user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$ROOT/data/postmaster.pid" ]; then as_owner "$BIN/pg_ctl" -D "$ROOT/data" -m fast -w stop >/dev/null 2>&1 || true; fi
}

case "${1:-start}" in
  stop) stop; exit 0 ;;
  database)
    as_owner "$BIN/psql" -h "$ROOT" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "DROP DATABASE IF EXISTS \"$2\" WITH (FORCE)" -c "CREATE DATABASE \"$2\""
    echo "URL postgres://postgres:$PASSWORD@127.0.0.1:$PORT/$2"
    exit 0 ;;
  start) ;;
  *) echo "usage: $0 start|stop" >&2; exit 64 ;;
esac

[ -x "$BIN/initdb" ] || "$(dirname "$0")/install-packages.sh" postgresql-15
stop
[ "${PG_FRESH:-0}" = 1 ] && rm -rf "$ROOT"
mkdir -p "$ROOT"
if [ ! -f "$ROOT/data/PG_VERSION" ]; then
  printf '%s\n' "$PASSWORD" > "$ROOT/pwfile"
  [ "$(id -u)" -eq 0 ] && chown -R postgres "$ROOT"
  # --no-sync only skips flushing the fresh cluster's files; the server itself runs with
  # fsync on, so commits are as durable as in production.
  as_owner "$BIN/initdb" -D "$ROOT/data" -U postgres --pwfile="$ROOT/pwfile" --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$ROOT/initdb.log" 2>&1
fi
[ "$(id -u)" -eq 0 ] && chown -R postgres "$ROOT"
( close_inherited_fds; as_owner "$BIN/pg_ctl" -D "$ROOT/data" -l "$ROOT/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PORT -k $ROOT -c max_connections=200 -c fsync=on" start ) >/dev/null
as_owner "$BIN/psql" -h "$ROOT" -p "$PORT" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'listening_post'" | grep -q 1 \
  || as_owner "$BIN/psql" -h "$ROOT" -p "$PORT" -U postgres -d postgres -qc "CREATE DATABASE listening_post"
echo "URL postgres://postgres:$PASSWORD@127.0.0.1:$PORT/listening_post"
echo "PID $(head -1 "$ROOT/data/postmaster.pid")"
