#!/usr/bin/env bash
# Disk per event, the time migration 4 takes to index an existing log, and ingest while
# retention deletes beside ingest without it, on the same log in the same run (rounds
# alternate, so the log's growth weighs on both alike).
# Usage: bench/retention.sh   (env: FILL=20 seconds of filling, DURATION=10, ROUNDS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
FILL=${FILL:-20}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18191}
export LISTENING_POST_TOKEN=bench-reader-token-0001

scripts/install-packages.sh wrk sqlite3 curl python3 >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null

work=$(mktemp -d /tmp/lp-retention.XXXXXX)
cleanup() {
  [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

config() { # config RETENTION: write channels.yaml with `store.retention` set to RETENTION (or none)
  cat > "$work/channels.yaml" <<CONF
server: { host: 127.0.0.1, port: $PORT }
store:
  path: $work/data
${1:+  retention: $1}
logging: { level: warning }
channels:
  - { id: bench, type: webhook, path: /hooks/bench, insecure: true }
subscribers:
  - { name: bench, token: $LISTENING_POST_TOKEN, streams: "*" }
CONF
}
start() {
  local began=$(date +%s.%N)
  .build/release/listening-post serve --config "$work/channels.yaml" >/dev/null 2>>"$work/gateway.log" &
  gateway_pid=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  kill -0 "$gateway_pid" || { tail -5 "$work/gateway.log"; exit 1; }
  # Not printed: `$(start)` would run it in a subshell and lose gateway_pid.
  awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }' > "$work/started-in"
}
stop() { kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true; gateway_pid=; }
head_of_all() {
  curl -s -H "Authorization: Bearer $LISTENING_POST_TOKEN" "http://127.0.0.1:$PORT/v1/streams" \
    | python3 -c 'import json,sys; s={x["name"]: x for x in json.load(sys.stdin)["streams"]}["all"]; print(s["head"], s["oldest"])'
}
round() { # prints "req/s p99_ms"
  wrk -t2 -c64 -d"${DURATION}s" --latency -s bench/post.lua "http://127.0.0.1:$PORT/hooks/bench" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 } $1 == "99%" { p99 = ms($2) } END { printf "%.0f %.2f\n", rps, p99 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# 1. Fill, and measure what an event costs on disk (bench/post.lua: ~1 KB JSON each).
config ""
start
wrk -t2 -c64 -d"${FILL}s" -s bench/post.lua "http://127.0.0.1:$PORT/hooks/bench" >/dev/null
read -r events _ < <(head_of_all)
stop
sqlite3 "$work/data/events.sqlite" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
bytes=$(stat -c %s "$work/data/events.sqlite")
echo "filled: $events events, $bytes bytes: $((bytes / events)) bytes per event (payload ~1,000 bytes); by table and index:"
sqlite3 "$work/data/events.sqlite" "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC;" \
  | awk -F'|' -v n="$events" '{ printf "  %-28s %12d bytes  %6.1f per event\n", $1, $2, $2 / n }'

# 2. Migration 4 on that log: a start as it is, then one after dropping the index and
# marking the log version 3, so the start builds the index again.
start; plain=$(cat "$work/started-in"); stop
sqlite3 "$work/data/events.sqlite" "DROP INDEX stream_entries_by_seq; PRAGMA user_version = 3;"
start; migrating=$(cat "$work/started-in"); stop
echo "start with migration 4 on $events events: ${migrating}s (a start without it: ${plain}s)"

# 3. Ingest with retention deleting beside ingest without it. The limit is under what the
# log holds, so every retention round deletes all the while.
limit=$(( bytes / 2 ))
: > "$work/off.rounds"; : > "$work/on.rounds"
for r in $(seq "$ROUNDS"); do
  config ""; start
  round | tee -a "$work/off.rounds" | sed "s/^/  round $r, no retention: /" >&2
  stop
  config "{max_size: $limit, interval: 1s}"; start
  before=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^listening_post_retention_deleted_events_total/ { print $2 }')
  round | tee -a "$work/on.rounds" | sed "s/^/  round $r, retention deleting: /" >&2
  deleted=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^listening_post_retention_deleted_events_total/ { print $2 }')
  read -r head oldest < <(head_of_all)
  echo "    deleted during the round: $(( ${deleted:-0} - ${before:-0} )) events; all is now $oldest…$head" >&2
  stop
done
off_rps=$(cut -d' ' -f1 "$work/off.rounds" | median); off_p99=$(cut -d' ' -f2 "$work/off.rounds" | median)
on_rps=$(cut -d' ' -f1 "$work/on.rounds" | median); on_p99=$(cut -d' ' -f2 "$work/on.rounds" | median)
printf '%-36s %10s %10s\n' "" "req/s" "p99 ms"
printf '%-36s %10s %10s\n' "ingest, no retention" "$off_rps" "$off_p99"
printf '%-36s %10s %10s\n' "ingest, retention deleting" "$on_rps" "$on_p99"
awk -v a="$on_rps" -v b="$off_rps" 'BEGIN { printf "ingest with retention / without: %.2f\n", a / b }'
