#!/usr/bin/env bash
# Scale-out on PostgreSQL, in one run on one machine: pgbench's single-row insert rate on
# the cluster (the ceiling), one gateway on PostgreSQL, two gateways on the same database
# with the load split between them, and one gateway on SQLite. For each: req/s, p99, the
# gateways' CPU per request and PostgreSQL's commits per second.
# What it must show on two shared cores: nothing serialises (two gateways together >= 0.9x
# one) and PostgreSQL costs at most half (one gateway on PostgreSQL >= 0.5x SQLite).
# Usage: bench/scaling.sh   (env: DURATION=10 ROUNDS=3 CONNECTIONS=64; KEEP=1 keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
PG_PORT=${PG_PORT:-18290}
PORT_A=${PORT_A:-18291}
PORT_B=${PORT_B:-18292}
PORT_SQLITE=${PORT_SQLITE:-18293}

scripts/install-packages.sh wrk postgresql-15 libcurl4-openssl-dev >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null

work=$(mktemp -d /tmp/lp-scaling.XXXXXX)
chmod 755 "$work"
export PG_ROOT=$work/pg PG_PORT PG_PASSWORD=bench-pw
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  bash scripts/postgres-fixture.sh stop || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
bash scripts/postgres-fixture.sh start >/dev/null
psql_() { PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${DB:-postgres}" -tAqc "$1"; }
commits() { psql_ "SELECT sum(xact_commit) FROM pg_stat_database"; }
# utime + stime of processes, in clock ticks.
ticks() { local sum=0 t; for pid in "$@"; do t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || t=0; sum=$((sum + ${t:-0})); done; echo "$sum"; }
# The bench cluster's server processes (its postmaster and children; a backend that ends
# between the two readings drops out, so this slightly undercounts).
pg_pids() { local main; main=$(head -1 "$PG_ROOT/data/postmaster.pid"); echo "$main" $(pgrep -P "$main"); }
hz=$(getconf CLK_TCK)
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

gateway_config() { # name port store-lines
  cat > "$work/$1.yaml" <<CONF
server: { host: 127.0.0.1, port: $2 }
logging: { level: warning }
store:
$3
channels:
  - id: bench
    type: webhook
    path: /hooks/bench
    insecure: true
CONF
}
start_gateway() { # name port
  .build/release/listening-post serve --config "$work/$1.yaml" 2>"$work/$1.log" &
  pids+=($!)
  eval "pid_$1=$!"
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  echo "gateway $1 did not start:"; tail -5 "$work/$1.log"; exit 1
}
stop_gateway() { local pid; eval "pid=\$pid_$1"; kill "$pid"; wait "$pid" 2>/dev/null || true; }

# wrk against each URL at once, connections split between them. Prints
# "req/s p99_ms gateway_cpu_us_per_request pg_commits_per_s pg_cpu_us_per_request" for
# one round.
round() { # pids... -- urls...
  local gateway_pids=() urls=()
  while [ "$1" != "--" ]; do gateway_pids+=("$1"); shift; done; shift
  urls=("$@")
  local per=$((CONNECTIONS / ${#urls[@]}))
  local before_ticks before_commits before_pg after_pg i
  before_ticks=$(ticks "${gateway_pids[@]}")
  before_pg=$(ticks $(pg_pids))
  before_commits=$(commits)
  local loaders=()
  for i in "${!urls[@]}"; do
    wrk -t1 -c"$per" -d"${DURATION}s" --latency -s bench/post.lua "${urls[$i]}" > "$work/wrk.$i" &
    loaders+=($!)
  done
  wait "${loaders[@]}"
  local after_ticks after_commits
  after_ticks=$(ticks "${gateway_pids[@]}")
  after_pg=$(ticks $(pg_pids))
  after_commits=$(commits)
  cat "$work"/wrk.* | awk -v t0="$before_ticks" -v t1="$after_ticks" -v c0="$before_commits" -v c1="$after_commits" -v p0="$before_pg" -v p1="$after_pg" -v hz="$hz" -v d="$DURATION" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps += $2 }
    $1 == "99%" { p = ms($2); if (p > p99) p99 = p }
    /Non-2xx/ { bad += $4 }
    END {
      if (bad > 0) { print "non-2xx answers: " bad > "/dev/stderr" }
      printf "%.0f %.2f %.0f %.0f %.0f\n", rps, p99, (t1 - t0) / hz * 1e6 / (rps * d), (c1 - c0) / d, (p1 - p0) / hz * 1e6 / (rps * d)
    }'
  rm -f "$work"/wrk.*
}
measure() { # name pids... -- urls...
  local name=$1; shift
  : > "$work/$name.rounds"
  local args=("$@") urls=() seen=0
  for a in "${args[@]}"; do [ $seen = 1 ] && urls+=("$a"); [ "$a" = "--" ] && seen=1; done
  for url in "${urls[@]}"; do wrk -t1 -c8 -d2s -s bench/post.lua "$url" >/dev/null; done
  for r in $(seq "$ROUNDS"); do round "$@" | tee -a "$work/$name.rounds" | sed "s/^/  $name round $r: /" >&2; done
  local column
  for column in 1 2 3 4 5; do cut -d' ' -f$column "$work/$name.rounds" | median; done | paste -sd' '
}

# pgbench first, then a checkpoint: a new cluster creates its WAL segments as it goes, and
# pgbench's run leaves them to recycle, so the gateways' rounds find the cluster as a
# running one would be.
echo "pgbench: single-row inserts of ~1 KB, $CONNECTIONS clients, 2 threads, ${DURATION}s (the cluster's ceiling)"
bash scripts/postgres-fixture.sh database pgbench >/dev/null
DB=pgbench psql_ "CREATE TABLE inserts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload bytea NOT NULL)"
echo "INSERT INTO inserts (payload) VALUES (convert_to(repeat('x', 1000), 'UTF8'));" > "$work/insert.sql"
: > "$work/pgbench.rounds"
for r in $(seq "$ROUNDS"); do
  PGPASSWORD=$PG_PASSWORD pgbench -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -c "$CONNECTIONS" -j 2 -T "$DURATION" -f "$work/insert.sql" pgbench 2>/dev/null \
    | awk '/^tps/ { printf "%.0f\n", $3 }' | tee -a "$work/pgbench.rounds" | sed "s/^/  pgbench round $r: /" >&2
done
pgbench_tps=$(median < "$work/pgbench.rounds")

psql_ "CHECKPOINT"
bash scripts/postgres-fixture.sh database listening_post >/dev/null
pg_store="  kind: postgres
  path: $work/data-%s
  postgres:
    url: postgres://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/listening_post?sslmode=disable"
gateway_config a "$PORT_A" "$(printf "$pg_store" a)"
gateway_config b "$PORT_B" "$(printf "$pg_store" b)"
gateway_config sqlite "$PORT_SQLITE" "  path: $work/data-sqlite"

echo "wrk: POST ~1 KB JSON webhooks, $CONNECTIONS connections in all, ${DURATION}s, $ROUNDS rounds (medians)"
start_gateway a "$PORT_A"
psql_ "CHECKPOINT"
read -r one_rps one_p99 one_cpu one_commits one_pg < <(measure postgres-1 "$pid_a" -- "http://127.0.0.1:$PORT_A/hooks/bench")
start_gateway b "$PORT_B"
psql_ "CHECKPOINT"
read -r two_rps two_p99 two_cpu two_commits two_pg < <(measure postgres-2 "$pid_a" "$pid_b" -- "http://127.0.0.1:$PORT_A/hooks/bench" "http://127.0.0.1:$PORT_B/hooks/bench")
stop_gateway a
stop_gateway b
start_gateway sqlite "$PORT_SQLITE"
read -r sqlite_rps sqlite_p99 sqlite_cpu sqlite_commits sqlite_pg < <(measure sqlite "$pid_sqlite" -- "http://127.0.0.1:$PORT_SQLITE/hooks/bench")
stop_gateway sqlite
heads=$(DB=listening_post psql_ "SELECT count(*) = max(\"offset\") FROM stream_entries WHERE stream = 'all'")
events=$(DB=listening_post psql_ "SELECT count(*) FROM events")

printf '%-36s %9s %9s %15s %15s %13s\n' "" "req/s" "p99 ms" "gateway us/req" "PG us/req" "PG commits/s"
printf '%-36s %9s %9s %15s %15s %13s\n' "pgbench single-row insert (ceiling)" "$pgbench_tps" "" "" "" "$pgbench_tps"
printf '%-36s %9s %9s %15s %15s %13s\n' "1 gateway, SQLite" "$sqlite_rps" "$sqlite_p99" "$sqlite_cpu" "-" "-"
printf '%-36s %9s %9s %15s %15s %13s\n' "1 gateway, PostgreSQL" "$one_rps" "$one_p99" "$one_cpu" "$one_pg" "$one_commits"
printf '%-36s %9s %9s %15s %15s %13s\n' "2 gateways, one PostgreSQL" "$two_rps" "$two_p99" "$two_cpu" "$two_pg" "$two_commits"
awk -v one="$one_rps" -v two="$two_rps" -v s="$sqlite_rps" -v pg="$pgbench_tps" 'BEGIN {
  printf "ratio 2 gateways / 1 gateway on PostgreSQL: %.2f (target >= 0.9)\n", two / one
  printf "ratio 1 gateway PostgreSQL / SQLite: %.2f (target >= 0.5)\n", one / s
  printf "ratio 1 gateway PostgreSQL / pgbench inserts: %.2f\n", one / pg }'
echo "events stored in PostgreSQL: $events; offsets of 'all' exactly 1...head: $heads"
