#!/usr/bin/env bash
# Themes and insights at scale, each figure beside its reference in the same run:
#  1. ingest of answers with reasons, 20 themes on vs none (rounds alternate between two
#     gateways that differ only in `themes:`);
#  2. GET /v1/themes over ANSWERS stored answers (default 1,000,000), grouped by segment x
#     channel over a year, and GET /v1/nps/compare?against=previous, beside a bare
#     Hummingbird GET;
#  3. GET /v1/themes/suggestions over the window holding SUGGEST_REASONS answers (default
#     100,000): time and the gateway's RSS before and after.
# Usage: bench/themes.sh   (env: ANSWERS=1000000 SUGGEST_REASONS=100000 DURATION=10 ROUNDS=3; KEEP=1)
set -euo pipefail
cd "$(dirname "$0")/.."
ANSWERS=${ANSWERS:-1000000}
SUGGEST_REASONS=${SUGGEST_REASONS:-100000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
ON_PORT=${ON_PORT:-18291}
OFF_PORT=${OFF_PORT:-18292}
BASELINE_PORT=${BASELINE_PORT:-18293}
TOKEN=bench-reader-token-0001

scripts/install-packages.sh wrk curl >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null
swift build -c release --product hummingbird-baseline >/dev/null

work=$(mktemp -d /tmp/lp-themes-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Twenty themes over the words reasons.lua draws from, one to three words a phrase.
themes() {
  cat <<THEMES
themes:
  - {name: delivery, phrases: {en: [delivery was slow, courier, parcel, shipping]}}
  - {name: lost, phrases: {en: [lost my parcel, missing]}}
  - {name: refund, phrases: {en: [refund, money back]}}
  - {name: app, phrases: {en: [app keeps crashing, crashing]}}
  - {name: price, phrases: {en: [price too high, expensive, fees]}}
  - {name: ease, phrases: {en: [easy to use]}}
  - {name: callback, phrases: {en: [never called back]}}
  - {name: rude, phrases: {en: [rude, rude agent]}}
  - {name: wait-time, phrases: {en: [long queue, waited hours, slow]}}
  - {name: billing, phrases: {en: [billing error, charged twice]}}
  - {name: support, phrases: {en: [helpful support, quick answer]}}
  - {name: website, phrases: {en: [website confusing, login broken, password reset]}}
  - {name: damaged, phrases: {en: [arrived damaged, cracked]}}
  - {name: wrong-item, phrases: {en: [wrong size]}}
  - {name: value, phrases: {en: [good value, value for money, cheap]}}
  - {name: quality, phrases: {en: [quality poor, poor packaging]}}
  - {name: late, phrases: {en: [late again, late]}}
  - {name: chatbot, phrases: {en: [chat bot useless, bot]}}
  - {name: contract, phrases: {en: [cancel contract, hidden fees, hard to cancel]}}
  - {name: network, phrases: {en: [signal, coverage, battery dies]}}
THEMES
}

config() {  # config NAME PORT WITH_THEMES
  cat > "$work/$1.yaml" <<CONF
server: { host: 127.0.0.1, port: $2 }
store: { path: $work/$1-data }
logging: { level: info }
channels:
$(for channel in web app mail; do printf '  - {id: %s, type: webhook, path: /hooks/%s, insecure: true, mapping: {text: /reason, author_email: /email, dedup_key: /id, occurred_at: /at, score: /score, reason: /reason, survey: /survey}}\n' "$channel" "$channel"; done)
segments:
  - {name: gold, when: {email_domain: gold.example}}
  - {name: partners, when: {email_domain: partner.example}}
  - {name: standard}
subscribers:
  - { name: bench, token: $TOKEN, streams: "*" }
$([ "$3" = true ] && themes)
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
rss() { awk '/VmRSS/ {print $2, $3}' "/proc/$1/status"; }

config on "$ON_PORT" true
config off "$OFF_PORT" false
start on "$ON_PORT"; on_pid=$started_pid
start off "$OFF_PORT"; off_pid=$started_pid

echo "== 1. ingest of answers with reasons, 20 themes vs none (${ROUNDS} x ${DURATION}s each, alternating)"
on_rates=(); off_rates=()
for round in $(seq "$ROUNDS"); do
  on_rates+=("$(wrk -t2 -c64 -d"${DURATION}s" -s bench/reasons.lua "http://127.0.0.1:$ON_PORT" | rate)")
  off_rates+=("$(wrk -t2 -c64 -d"${DURATION}s" -s bench/reasons.lua "http://127.0.0.1:$OFF_PORT" | rate)")
  echo "round $round: themes ${on_rates[-1]} req/s, none ${off_rates[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mean() { printf '%s\n' "$@" | awk '{s+=$1} END {print s/NR}'; }
on=$(median "${on_rates[@]}"); off=$(median "${off_rates[@]}")
awk -v on="$on" -v off="$off" -v mon="$(mean "${on_rates[@]}")" -v moff="$(mean "${off_rates[@]}")" 'BEGIN {
  printf "median: themes %.0f, none %.0f req/s (%.1f %%); mean: %.0f, %.0f (%.1f %%); target <= 5 %%\n", on, off, 100 * (off - on) / off, mon, moff, 100 * (moff - mon) / moff }'
kill "$off_pid"

echo "== 2. loading answers until the themes gateway holds $ANSWERS"
head() { curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ON_PORT/v1/streams" | tr '{' '\n' | awk -F'"head":' '/"name":"all"/ {split($2, a, /[,}]/); print a[1]}'; }
while :; do
  stored=$(head)
  [ "${stored%.*}" -ge "$ANSWERS" ] && break
  wrk -t2 -c64 -d10s -s bench/reasons.lua "http://127.0.0.1:$ON_PORT" >/dev/null
done
stored=$(head)
echo "stored: $stored answers; gateway RSS $(rss "$on_pid")"
.build/release/hummingbird-baseline "$BASELINE_PORT" >/dev/null 2>&1 &
pids+=("$!")
sleep 1
auth="Authorization: Bearer $TOKEN"
for query in "/v1/themes?group_by=segment,channel&window=365d" "/v1/nps/compare?against=previous&group_by=segment,channel&window=180d"; do
  echo "-- GET $query: $(curl -s -H "$auth" "http://127.0.0.1:$ON_PORT$query" | wc -c) bytes (1 connection, 20 s)"
  wrk -t1 -c1 -d20s --latency -H "$auth" "http://127.0.0.1:$ON_PORT$query" | grep -E 'Latency|50%|90%|99%|Requests/sec'
done
echo "-- reference: bare Hummingbird GET (1 connection, 10 s)"
wrk -t1 -c1 -d10s --latency "http://127.0.0.1:$BASELINE_PORT/" | grep -E 'Latency|50%|90%|99%|Requests/sec'

echo "== 3. suggestions over about $SUGGEST_REASONS reasons"
# Answers are spread evenly over 365 days: the window that holds SUGGEST_REASONS of them.
days=$(awk -v want="$SUGGEST_REASONS" -v have="$stored" 'BEGIN { d = int(365 * want / have + 0.5); print (d < 1 ? 1 : d) }')
query="/v1/themes/suggestions?window=${days}d"
echo "RSS before: $(rss "$on_pid")"
for attempt in 1 2 3; do
  curl -s -o "$work/suggestions.json" -w "GET $query: %{time_total} s, %{size_download} bytes\n" -H "$auth" "http://127.0.0.1:$ON_PORT$query"
done
python3 - "$work/suggestions.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"answers with a reason: {report['answers']['responses']}; detractor phrases {len(report['detractorPhrases'])}, promoter phrases {len(report['promoterPhrases'])}")
for side in ("detractorPhrases", "promoterPhrases"):
    print(side + ":", ", ".join(f"{p['phrase']} (z {p['z']})" for p in report[side][:5]))
PY
echo "RSS after: $(rss "$on_pid"); peak: $(awk '/VmHWM/ {print $2, $3}' /proc/$on_pid/status)"
echo "-- reference: GET /v1/nps over the same window"
curl -s -o /dev/null -w "GET /v1/nps?window=${days}d: %{time_total} s\n" -H "$auth" "http://127.0.0.1:$ON_PORT/v1/nps?window=${days}d"
