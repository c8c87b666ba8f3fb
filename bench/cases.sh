#!/usr/bin/env bash
# Cases at scale, each figure beside its reference in the same run:
#  1. ingest with case rules on vs off, where 20 % of messages are detractors that open or
#     join a case (rounds alternate between two gateways that differ only in `cases:`);
#  2. idle CPU of a gateway holding OPEN (default 100,000) open cases with due times,
#     beside the same gateway before it held any;
#  3. breach latency with those cases open: BURST (default 2,000) cases due 30 s after they
#     open, each breach's stored time minus its due time (p50, p99, max; target p99 < 1 s);
#  4. RSS with the cases, and the case table's rebuild at restart.
# Usage: bench/cases.sh   (env: OPEN=100000 BURST=2000 DURATION=10 ROUNDS=5; INGEST_ONLY=1 stops after 1;
#        KEEP=1 keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
OPEN=${OPEN:-100000}
BURST=${BURST:-2000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-5}
ON_PORT=${ON_PORT:-18291}
OFF_PORT=${OFF_PORT:-18292}
TOKEN=bench-reader-token-0001

scripts/install-packages.sh wrk curl python3 >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null

work=$(mktemp -d /tmp/lp-cases-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

config() {  # config NAME PORT WITH_CASES
  cat > "$work/$1.yaml" <<CONF
server: { host: 127.0.0.1, port: $2 }
store: { path: $work/$1-data }
logging: { level: info }
channels:
  - {id: web, type: webhook, path: /hooks/web, insecure: true, mapping: {text: /reason, author_email: /email, dedup_key: /id, score: /score, reason: /reason}}
segments:
  - {name: soon, when: {email_domain: soon.example}, response_target: 30s}
  - {name: standard, response_target: 1d}
subscribers:
  - { name: bench, token: $TOKEN, streams: "*" }
CONF
  if [ "$3" = true ]; then
    cat >> "$work/$1.yaml" <<CONF
cases:
  rules:
    - {name: detractors, when: {feedback: detractor}}
CONF
  fi
}
start() {  # start NAME PORT -> pid in $started_pid
  .build/release/listening-post serve --config "$work/$1.yaml" 2>>"$work/$1.log" &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$2/readyz" >/dev/null && return; sleep 0.1; done
  echo "gateway $1 did not start"; tail -5 "$work/$1.log"; exit 1
}
rate() { awk '/Requests\/sec/ {print $2}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
head_of() {  # head_of PORT STREAM
  curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$1/v1/streams" | python3 -c "import json,sys; print(next((s['head'] for s in json.load(sys.stdin)['streams'] if s['name']=='$2'), 0))"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
idle_cpu() {  # idle_cpu PID SECONDS -> percent of one core
  local before after
  before=$(cpu_ticks "$1"); sleep "$2"; after=$(cpu_ticks "$1")
  awk -v b="$before" -v a="$after" -v s="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", 100 * (a - b) / hz / s }'
}

config on "$ON_PORT" true
config off "$OFF_PORT" false
start on "$ON_PORT"; on_pid=$started_pid
start off "$OFF_PORT"; off_pid=$started_pid

echo "== 1. ingest, case rules on vs off, 20 % detractors (${ROUNDS} x ${DURATION}s each, alternating)"
on_rates=(); off_rates=()
for round in $(seq "$ROUNDS"); do
  on_rates+=("$(wrk -t2 -c64 -d"${DURATION}s" -s bench/cases.lua "http://127.0.0.1:$ON_PORT" | rate)")
  off_rates+=("$(wrk -t2 -c64 -d"${DURATION}s" -s bench/cases.lua "http://127.0.0.1:$OFF_PORT" | rate)")
  echo "round $round: on ${on_rates[-1]} req/s, off ${off_rates[-1]} req/s"
done
on=$(median "${on_rates[@]}"); off=$(median "${off_rates[@]}")
mean_on=$(printf '%s\n' "${on_rates[@]}" | awk '{s+=$1} END {print s/NR}'); mean_off=$(printf '%s\n' "${off_rates[@]}" | awk '{s+=$1} END {print s/NR}')
awk -v on="$on" -v off="$off" -v mon="$mean_on" -v moff="$mean_off" 'BEGIN {
  printf "median: on %.0f, off %.0f req/s (cost %.1f %%); mean: on %.0f, off %.0f (cost %.1f %%); target <= 10 %%\n", on, off, 100 * (off - on) / off, mon, moff, 100 * (moff - mon) / moff }'
echo "cases opened or joined: $(head_of "$ON_PORT" cases) case events; messages: $(head_of "$ON_PORT" web)"
kill "$off_pid"; kill "$on_pid"; wait 2>/dev/null || true
[ "${INGEST_ONLY:-0}" = 1 ] && exit 0

echo "== 2. idle CPU with $OPEN open cases"
rm -rf "$work/on-data"; : > "$work/on.log"
start on "$ON_PORT"; on_pid=$started_pid
sleep 2
echo "reference: the same gateway with no cases, idle 20 s: $(idle_cpu "$on_pid" 20) % of a core"
echo "loading $OPEN detractors, one customer each..."
while [ "$(head_of "$ON_PORT" cases)" -lt "$OPEN" ]; do
  DETRACTOR_SHARE=1 UNIQUE_CUSTOMERS=1 wrk -t2 -c64 -d5s -s bench/cases.lua "http://127.0.0.1:$ON_PORT" >/dev/null
done
open=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ON_PORT/metrics" >/dev/null; head_of "$ON_PORT" cases)
echo "stored: $open case events (each an opened case, due in 1 day)"
sleep 5
echo "with the cases, idle 30 s: $(idle_cpu "$on_pid" 30) % of a core (target < 2 %)"
echo "RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$on_pid/status)"

echo "== 3. breach latency: $BURST cases due 30 s after opening, with the others open"
before=$(head_of "$ON_PORT" cases)
python3 - "$ON_PORT" "$BURST" <<'PY'
import json, sys, time, urllib.request
port, count = int(sys.argv[1]), int(sys.argv[2])
start = time.time()
for index in range(count):
    body = json.dumps({"id": f"soon-{index}-{start}", "email": f"s{index}-{int(start)}@soon.example", "score": 2, "reason": "late"}).encode()
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/hooks/web", data=body, headers={"Content-Type": "application/json"})).read()
    # Spread over about 20 s, so breaches come while others are still opening.
    time.sleep(max(0, start + (index + 1) * 20 / count - time.time()))
print(f"posted {count} in {time.time() - start:.1f} s")
PY
sleep 35
python3 - "$ON_PORT" "$TOKEN" "$before" "$BURST" <<'PY'
import json, sys, urllib.request, datetime
port, token, after, burst = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def parse(t): return datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp()
request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/streams/cases/events?after={after}", headers={"Authorization": f"Bearer {token}"})
lateness = []
with urllib.request.urlopen(request, timeout=60) as stream:
    for raw in stream:
        line = raw.decode()
        if not line.startswith("data:"): continue
        event = json.loads(line[5:])
        if event["type"] == "com.listeningpost.case.sla_breached.v1":
            lateness.append(parse(event["time"]) - parse(event["data"]["details"]["due"]))
            if len(lateness) == burst: break
lateness.sort()
pick = lambda p: lateness[min(len(lateness) - 1, int(p * len(lateness)))]
print(f"breaches: {len(lateness)} of {burst}; stored after due: p50 {pick(0.5)*1000:.0f} ms, p99 {pick(0.99)*1000:.0f} ms, max {lateness[-1]*1000:.0f} ms (target p99 < 1000 ms)")
PY

echo "== 4. rebuild at restart"
kill "$on_pid"; wait "$on_pid" 2>/dev/null || true
: > "$work/on.log"
begin=$(date +%s.%N)
start on "$ON_PORT"; on_pid=$started_pid
end=$(date +%s.%N)
grep -o "case projection rebuilt.*" "$work/on.log"
awk -v b="$begin" -v e="$end" 'BEGIN { printf "from process start to ready: %.1f s\n", e - b }'
echo "RSS after rebuild: $(awk '/VmRSS/ {print $2, $3}' /proc/$on_pid/status)"
echo "data directory: $(du -sh "$work/on-data" | cut -f1)"
