#!/usr/bin/env bash
# Durable ingest throughput and end-to-end latency, beside an nginx ceiling on the same
# machine in the same run; then the same webhook load on a second gateway that also has a
# dead push subscriber (a receiver that accepts connections and never answers), rounds
# alternating, to show a dead subscriber does not slow ingest.
# Usage: bench/ingest.sh   (env: DURATION=10 ROUNDS=3 RATE=2000; KEEP=1 keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-2000}
GATEWAY_PORT=${GATEWAY_PORT:-18181}
NGINX_PORT=${NGINX_PORT:-18182}
BASELINE_PORT=${BASELINE_PORT:-18183}
DEAD_GATEWAY_PORT=${DEAD_GATEWAY_PORT:-18184}
BLACKHOLE_PORT=${BLACKHOLE_PORT:-18185}
export LISTENING_POST_TOKEN=bench-reader-token-0001

scripts/install-packages.sh nginx-light wrk python3 libcurl4-openssl-dev >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null
swift build -c release --product hummingbird-baseline >/dev/null

work=$(mktemp -d /tmp/lp-bench.XXXXXX)
cleanup() {
  [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true
  [ -n "${baseline_pid:-}" ] && kill "$baseline_pid" 2>/dev/null || true
  [ -n "${dead_gateway_pid:-}" ] && kill "$dead_gateway_pid" 2>/dev/null || true
  [ -n "${blackhole_pid:-}" ] && kill "$blackhole_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  # The logs hold hundreds of MB of events; KEEP=1 keeps them (and the gateway log) to look at.
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# nginx answering 204: the machine's HTTP ceiling.
mkdir -p "$work/nginx"
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:$NGINX_PORT; location / { return 204; } }
}
CONF
nginx -c "$work/nginx.conf" -p "$work/nginx"

cat > "$work/channels.yaml" <<CONF
server: { host: 127.0.0.1, port: $GATEWAY_PORT }
store: { path: $work/data }
logging: { level: warning }
channels:
  - id: bench
    type: webhook
    path: /hooks/bench
    insecure: true
  - id: bench-sms
    type: sms
    provider: twilio
    path: /hooks/twilio
    twilio:
      auth_token: bench-auth-token
      public_url: http://127.0.0.1:$GATEWAY_PORT/hooks/twilio
subscribers:
  - { name: bench, token: $LISTENING_POST_TOKEN, streams: "*" }
CONF
# Signed Twilio bodies, enough that no request in the SMS rounds repeats a MessageSid.
# Each SMS round (one wrk run) takes its own slice of the file: TWILIO_SLICE=round.
python3 bench/twilio_bodies.py "http://127.0.0.1:$GATEWAY_PORT/hooks/twilio" bench-auth-token "${TWILIO_BODIES_COUNT:-$((ROUNDS * 500000))}" > "$work/twilio.bodies"
export TWILIO_BODIES="$work/twilio.bodies" TWILIO_SLICES="$ROUNDS"
.build/release/listening-post serve --config "$work/channels.yaml" 2>"$work/gateway.log" &
gateway_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$GATEWAY_PORT/readyz" >/dev/null && break; sleep 0.1; done
# Another process on the port would answer in its place: measure only our own gateway.
started() { kill -0 "$1" 2>/dev/null || { echo "the gateway did not start:"; tail -3 "$2"; exit 1; }; }
started "$gateway_pid" "$work/gateway.log"

# Prints "req/s p50_ms p99_ms" for one wrk round. $2: the wrk script (default bench/post.lua).
round() {
  wrk -t2 -c64 -d"${DURATION}s" --latency -s "${2:-bench/post.lua}" "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

measure() {
  local name=$1 url=$2 script=${3:-bench/post.lua}
  : > "$work/$name.rounds"
  # A short unmeasured round first, the same for every server: connection pools, page
  # cache and allocator arenas warm up before the rounds that count.
  wrk -t2 -c64 -d3s -s "$script" "$url" >/dev/null
  for r in $(seq "$ROUNDS"); do round "$url" "$script" | tee -a "$work/$name.rounds" | sed "s/^/  $name round $r: /" >&2; done
  echo "$(cut -d' ' -f1 "$work/$name.rounds" | median) $(cut -d' ' -f2 "$work/$name.rounds" | median) $(cut -d' ' -f3 "$work/$name.rounds" | median)"
}

# A bare Hummingbird handler (read the body, answer 204): the second reference.
.build/release/hummingbird-baseline "$BASELINE_PORT" >/dev/null 2>&1 &
baseline_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null -X POST "http://127.0.0.1:$BASELINE_PORT/hooks/bench" && break; sleep 0.1; done

echo "wrk: POST ~1 KB JSON, 64 connections, 2 threads, ${DURATION}s, ${ROUNDS} rounds (medians)"
read -r nginx_rps nginx_p50 nginx_p99 < <(measure nginx "http://127.0.0.1:$NGINX_PORT/hooks/bench")
read -r hb_rps hb_p50 hb_p99 < <(measure hummingbird "http://127.0.0.1:$BASELINE_PORT/hooks/bench")
kill "$baseline_pid" 2>/dev/null || true
baseline_pid=
# Webhook and SMS rounds alternate, so a log that grows during the run weighs on both alike.
webhook_url="http://127.0.0.1:$GATEWAY_PORT/hooks/bench"
sms_url="http://127.0.0.1:$GATEWAY_PORT/hooks/twilio"
: > "$work/gateway.rounds"
: > "$work/sms.rounds"
wrk -t2 -c64 -d3s -s bench/post.lua "$webhook_url" >/dev/null
for r in $(seq "$ROUNDS"); do
  round "$webhook_url" | tee -a "$work/gateway.rounds" | sed "s/^/  gateway webhook round $r: /" >&2
  TWILIO_SLICE=$((r - 1)) round "$sms_url" bench/twilio.lua | tee -a "$work/sms.rounds" | sed "s/^/  gateway twilio-sms round $r: /" >&2
done
column_median() { cut -d' ' -f"$2" "$work/$1.rounds" | median; }
read -r gw_rps gw_p50 gw_p99 <<< "$(column_median gateway 1) $(column_median gateway 2) $(column_median gateway 3)"
read -r sms_rps sms_p50 sms_p99 <<< "$(column_median sms 1) $(column_median sms 2) $(column_median sms 3)"
printf '%-34s %10s %10s %10s\n' "" "req/s" "p50 ms" "p99 ms"
printf '%-34s %10s %10s %10s\n' "nginx 204 (ceiling)" "$nginx_rps" "$nginx_p50" "$nginx_p99"
printf '%-34s %10s %10s %10s\n' "bare Hummingbird 204" "$hb_rps" "$hb_p50" "$hb_p99"
printf '%-34s %10s %10s %10s\n' "gateway webhook, fsync'd log" "$gw_rps" "$gw_p50" "$gw_p99"
printf '%-34s %10s %10s %10s\n' "gateway Twilio SMS, signed form" "$sms_rps" "$sms_p50" "$sms_p99"
awk -v g="$gw_rps" -v n="$nginx_rps" -v h="$hb_rps" 'BEGIN { printf "ratio gateway/nginx: %.2f (target >= 0.30); bare Hummingbird/nginx: %.2f; gateway/bare Hummingbird: %.2f\n", g / n, h / n, g / h }'
awk -v s="$sms_rps" -v g="$gw_rps" 'BEGIN { printf "SMS cost vs plain webhook: %.1f%% (target <= 10%%)\n", (1 - s / g) * 100 }'
rejected=$(curl -s "http://127.0.0.1:$GATEWAY_PORT/metrics" | awk '/^listening_post_rejected_total/ { sum += $2 } END { print sum + 0 }')
echo "requests rejected (must be 0: every SMS signature verified): $rejected"
duplicates=$(curl -s "http://127.0.0.1:$GATEWAY_PORT/metrics" | awk '/^listening_post_duplicate_total/ { sum += $2 } END { print sum + 0 }')
echo "duplicates (must be 0: every request was a new event, so every one was a durable append): $duplicates"
stored=$(curl -s -H "Authorization: Bearer $LISTENING_POST_TOKEN" "http://127.0.0.1:$GATEWAY_PORT/v1/streams" | python3 -c 'import json,sys; print(next(s["head"] for s in json.load(sys.stdin)["streams"] if s["name"]=="all"))')
echo "events stored: $stored"

echo "end-to-end: webhook POST -> SSE subscriber, ${RATE} events/s for ${DURATION}s"
expected=$(python3 -c "print(int($RATE * $DURATION) // 8 * 8)")
python3 bench/e2e_latency.py receive "$GATEWAY_PORT" "$expected" $((DURATION + 20)) all > "$work/e2e.out" &
receiver=$!
for _ in $(seq 50); do grep -q ready "$work/e2e.out" 2>/dev/null && break; sleep 0.1; done
python3 bench/e2e_latency.py send "$GATEWAY_PORT" "$RATE" "$DURATION" /hooks/bench >/dev/null
wait "$receiver" || true
grep -v ready "$work/e2e.out" | sed 's/^/  /'
echo "  target: p99 <= 10 ms"

rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$gateway_pid/status")
echo "gateway RSS after the run: $((rss_kb / 1024)) MB (target <= 150 MB)"

# A dead subscriber: a listener that completes TCP handshakes and never answers, so every
# push attempt waits for its timeout and then the retry schedule.
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $BLACKHOLE_PORT)); s.listen(1024); time.sleep(10**9)" &
blackhole_pid=$!
sed -e "s/port: $GATEWAY_PORT/port: $DEAD_GATEWAY_PORT/" -e "s#$work/data#$work/data-dead#" "$work/channels.yaml" > "$work/dead.yaml"
cat >> "$work/dead.yaml" <<CONF
  - name: dead
    token: dead-subscriber-token-0001
    streams: [all]
    webhook: { url: "http://127.0.0.1:$BLACKHOLE_PORT/hook", secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, timeout: 2s, retry_schedule: [1s, 5s, 30s] }
CONF
kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true; gateway_pid=
rm -rf "$work/data"
.build/release/listening-post serve --config "$work/channels.yaml" 2>"$work/gateway.log" &
gateway_pid=$!
.build/release/listening-post serve --config "$work/dead.yaml" 2>"$work/dead-gateway.log" &
dead_gateway_pid=$!
for port in "$GATEWAY_PORT" "$DEAD_GATEWAY_PORT"; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
done
started "$gateway_pid" "$work/gateway.log"
started "$dead_gateway_pid" "$work/dead-gateway.log"
echo "dead subscriber: webhook load on two fresh gateways, rounds alternating; the second pushes stream all to a receiver that never answers"
healthy_url="http://127.0.0.1:$GATEWAY_PORT/hooks/bench"
dead_url="http://127.0.0.1:$DEAD_GATEWAY_PORT/hooks/bench"
: > "$work/healthy.rounds"
: > "$work/dead.rounds"
wrk -t2 -c64 -d3s -s bench/post.lua "$healthy_url" >/dev/null
wrk -t2 -c64 -d3s -s bench/post.lua "$dead_url" >/dev/null
for r in $(seq "$ROUNDS"); do
  round "$healthy_url" | tee -a "$work/healthy.rounds" | sed "s/^/  no subscriber round $r: /" >&2
  round "$dead_url" | tee -a "$work/dead.rounds" | sed "s/^/  dead subscriber round $r: /" >&2
done
healthy_rps=$(column_median healthy 1)
dead_rps=$(column_median dead 1)
printf '%-34s %10s\n' "webhook, no subscriber" "$healthy_rps"
printf '%-34s %10s\n' "webhook, dead push subscriber" "$dead_rps"
awk -v h="$healthy_rps" -v d="$dead_rps" 'BEGIN { printf "dead subscriber impact on ingest: %+.1f%% (target within 5%%)\n", (d / h - 1) * 100 }'
attempts=$(curl -s "http://127.0.0.1:$DEAD_GATEWAY_PORT/metrics" | awk '/^listening_post_push_deliveries_total/ { sum += $2 } END { print sum + 0 }')
echo "push attempts the dead subscriber absorbed (retried + dead-lettered): $attempts"
