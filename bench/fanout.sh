#!/usr/bin/env bash
# Fan-out: SUBSCRIBERS concurrent SSE subscribers on one stream while webhooks arrive at
# RATE events/s; delivery latency (POST -> each subscriber) p50/p99 and gateway RSS. The
# references, in the same run: one subscriber at the same rate, and the peer row, nchan
# (Debian's libnginx-mod-nchan: one nginx worker, an in-memory channel) driven by the same
# client with the same subscribers, rate and bodies.
# Usage: bench/fanout.sh   (env: SUBSCRIBERS=1000 RATE=1000 DURATION=10; ON_RUN=cmd runs
# `cmd <gateway pid>` 4 s into each run, e.g. a `perf record -p` wrapper for profiling)
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIBERS=${SUBSCRIBERS:-1000}
RATE=${RATE:-1000}
DURATION=${DURATION:-10}
PORT=${PORT:-18191}
TOKEN=fanout-bench-token-0001

NCHAN_PORT=${NCHAN_PORT:-18192}
scripts/install-packages.sh libcurl4-openssl-dev nginx-light libnginx-mod-nchan >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null
swift build -c release --product fanout-client >/dev/null
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

work=$(mktemp -d /tmp/lp-fanout.XXXXXX)
cleanup() {
  [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  wait 2>/dev/null || true; rm -rf "$work"
}
trap cleanup EXIT

run() {
  local subscribers=$1
  rm -rf "$work/data"
  cat > "$work/channels.yaml" <<CONF
server: { host: 127.0.0.1, port: $PORT }
store: { path: $work/data }
logging: { level: warning }
channels:
  - { id: bench, type: webhook, path: /hooks/bench, insecure: true, include_payload: false }
subscribers:
  - { name: fanout, token: $TOKEN, streams: [bench] }
CONF
  .build/release/listening-post serve --config "$work/channels.yaml" 2>"$work/gateway.log" &
  gateway_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  local before
  before=$(awk '/VmRSS/ { print $2 }' "/proc/$gateway_pid/status")
  [ -n "${ON_RUN:-}" ] && (sleep 4; $ON_RUN $gateway_pid) &
  .build/release/fanout-client "$PORT" "$TOKEN" bench "$subscribers" "$RATE" "$DURATION" /hooks/bench | sed "s/^/  /"
  local after
  after=$(awk '/VmRSS/ { print $2 }' "/proc/$gateway_pid/status")
  echo "  gateway RSS: $((before / 1024)) MB idle, $((after / 1024)) MB after the run"
  kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true; gateway_pid=
}

echo "reference: 1 SSE subscriber, $RATE events/s for ${DURATION}s"
run 1
echo "fan-out: $SUBSCRIBERS SSE subscribers on one stream, $RATE events/s for ${DURATION}s"
run "$SUBSCRIBERS"
# The peer: nchan, publishing what the gateway's webhook receives, to EventSource subscribers.
mkdir -p "$work/nginx"
cat > "$work/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $work/nginx;
  proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$NCHAN_PORT;
    location = /pub { nchan_publisher; nchan_channel_id bench; nchan_message_buffer_length 1000; }
    location = /sub { nchan_subscriber eventsource; nchan_channel_id bench; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work/nginx"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$NCHAN_PORT/pub" && break; sleep 0.1; done
echo "peer: nchan (1 nginx worker, in-memory channel), $SUBSCRIBERS EventSource subscribers, $RATE events/s for ${DURATION}s"
SUBSCRIBE_PATH=/sub .build/release/fanout-client "$NCHAN_PORT" none bench "$SUBSCRIBERS" "$RATE" "$DURATION" /pub | sed "s/^/  /"
kill "$(cat "$work/nginx.pid")"

echo "target: delivery p99 <= 50 ms with $SUBSCRIBERS subscribers, and at most half of nchan's"
