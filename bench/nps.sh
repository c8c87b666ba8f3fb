#!/usr/bin/env bash
# NPS at scale, each figure beside its reference in the same run:
#  1. ingest of scored answers with the NPS projection on and off (rounds alternate between
#     two gateways that differ only in `nps.enabled`);
#  2. GET /v1/nps over ANSWERS stored answers (default 1,000,000), grouped by segment x
#     channel with a weekly trend over a year, beside a bare Hummingbird GET;
#  3. the projection's rebuild at start from those answers: time and RSS.
# Usage: bench/nps.sh   (env: ANSWERS=1000000 DURATION=10 ROUNDS=3; KEEP=1 keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
ANSWERS=${ANSWERS:-1000000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
ON_PORT=${ON_PORT:-18191}
OFF_PORT=${OFF_PORT:-18192}
BASELINE_PORT=${BASELINE_PORT:-18193}
TOKEN=bench-reader-token-0001

scripts/install-packages.sh wrk curl >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null
swift build -c release --product hummingbird-baseline >/dev/null

work=$(mktemp -d /tmp/lp-nps-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

config() {  # config NAME PORT ENABLED
  cat > "$work/$1.yaml" <<CONF
server: { host: 127.0.0.1, port: $2 }
store: { path: $work/$1-data }
logging: { level: info }
nps: { enabled: $3 }
channels:
$(for channel in web app mail; do printf '  - {id: %s, type: webhook, path: /hooks/%s, insecure: true, mapping: {text: /reason, author_email: /email, dedup_key: /id, occurred_at: /at, score: /score, reason: /reason, survey: /survey}}\n' "$channel" "$channel"; done)
segments:
  - {name: gold, when: {email_domain: gold.example}}
  - {name: partners, when: {email_domain: partner.example}}
  - {name: standard}
subscribers:
  - { name: bench, token: $TOKEN, streams: "*" }
CONF
}
start() {  # start NAME PORT -> pid in $started_pid
  .build/release/listening-post serve --config "$work/$1.yaml" 2>>"$work/$1.log" &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  echo "gateway $1 did not start"; tail -5 "$work/$1.log"; exit 1
}
rate() { awk '/Requests\/sec/ {print $2}'; }

config on "$ON_PORT" true
config off "$OFF_PORT" false
start on "$ON_PORT"; on_pid=$started_pid
start off "$OFF_PORT"; off_pid=$started_pid

echo "== 1. ingest of scored answers, NPS projection on vs off (${ROUNDS} x ${DURATION}s each, alternating)"
on_rates=(); off_rates=()
for round in $(seq "$ROUNDS"); do
  on_rates+=("$(wrk -t2 -c64 -d"${DURATION}s" -s bench/answers.lua "http://127.0.0.1:$ON_PORT" | rate)")
  off_rates+=("$(wrk -t2 -c64 -d"${DURATION}s" -s bench/answers.lua "http://127.0.0.1:$OFF_PORT" | rate)")
  echo "round $round: on ${on_rates[-1]} req/s, off ${off_rates[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
on=$(median "${on_rates[@]}"); off=$(median "${off_rates[@]}")
awk -v on="$on" -v off="$off" 'BEGIN { printf "median: on %.0f, off %.0f req/s; the projection costs %.1f %% (target <= 5 %%)\n", on, off, 100 * (off - on) / off }'
kill "$off_pid"

echo "== 2. loading answers until the 'on' gateway holds $ANSWERS"
head() { curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ON_PORT/v1/streams" | tr '{' '\n' | awk -F'"head":' '/"name":"all"/ {split($2, a, /[,}]/); print a[1]}'; }
while :; do
  stored=$(head)
  [ "${stored%.*}" -ge "$ANSWERS" ] && break
  wrk -t2 -c64 -d10s -s bench/answers.lua "http://127.0.0.1:$ON_PORT" >/dev/null
done
echo "stored: $(head) answers"
query="/v1/nps?group_by=segment,channel&window=365d&step=1w"
cells=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ON_PORT$query" | grep -o '"responses"' | wc -l)
echo "GET $query: $cells cells"
.build/release/hummingbird-baseline "$BASELINE_PORT" >/dev/null 2>&1 &
pids+=("$!")
sleep 1
echo "-- GET /v1/nps (1 connection, 20 s)"
wrk -t1 -c1 -d20s --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ON_PORT$query" | grep -E 'Latency|50%|90%|99%|Requests/sec'
echo "-- reference: bare Hummingbird GET (1 connection, 10 s)"
wrk -t1 -c1 -d10s --latency "http://127.0.0.1:$BASELINE_PORT/" | grep -E 'Latency|50%|90%|99%|Requests/sec'

echo "== 3. rebuild at start"
kill "$on_pid"; wait "$on_pid" 2>/dev/null || true
: > "$work/on.log"
begin=$(date +%s.%N)
start on "$ON_PORT"; on_pid=$started_pid
for _ in $(seq 1200); do grep -q "NPS projection rebuilt" "$work/on.log" && break; sleep 0.1; done
end=$(date +%s.%N)
grep -o "NPS projection rebuilt.*" "$work/on.log"
awk -v b="$begin" -v e="$end" 'BEGIN { printf "from process start to rebuilt: %.1f s\n", e - b }'
echo "RSS after rebuild: $(awk '/VmRSS/ {print $2, $3}' /proc/$on_pid/status); peak: $(awk '/VmHWM/ {print $2, $3}' /proc/$on_pid/status)"
echo "data directory: $(du -sh "$work/on-data" | cut -f1)"
