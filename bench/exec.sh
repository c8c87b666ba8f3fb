#!/usr/bin/env bash
# Exec adapter throughput and backpressure, beside a reference run on this machine.
# A Python plugin floods COUNT message lines (about 400 bytes each) as fast as it can:
#   - reference: the same plugin read by a bare Python reader (the plugin's own ceiling);
#   - gateway: listening-post running it as a `type: exec` channel, timed from launch to
#     the last event committed (fsync'd, routed, indexed), with the gateway's RSS sampled.
# The flood is far larger than the gateway's memory growth: the pipe, not a buffer, holds
# it back while batches commit.
# Usage: bench/exec.sh   (env: COUNT=200000)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-200000}
PORT=${PORT:-18186}
TOKEN=bench-token-0123456789abcdef
echo "building release..."
swift build -c release --product listening-post >/dev/null
work=$(mktemp -d /tmp/lp-exec-bench.XXXXXX)
cleanup() { [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cat > "$work/flood.py" <<'PY'
import json, os, sys, threading
count = int(sys.argv[1])
threading.Thread(target=lambda: [None for _ in sys.stdin], daemon=True).start()  # drain acks
start = int(os.environ.get("LISTENING_POST_CHECKPOINT") or 0)
text = "The new plan is great but the export still drops the last row. " * 3
for first in range(start, count, 1000):
    sys.stdout.write("".join(json.dumps({"v": 1, "type": "message", "dedupKey": f"flood-{i}", "text": text,
        "author": {"email": f"c{i % 5000}@example.com"}, "score": i % 11, "checkpoint": str(i + 1)}) + "\n"
        for i in range(first, min(first + 1000, count))))
    sys.stdout.flush()
threading.Event().wait()  # stay up, as a tailing plugin does
PY

# Reference: the plugin's own rate into a reader that does nothing with the lines.
read -r ref_rate ref_bytes < <(python3 - "$work/flood.py" "$COUNT" <<'PY'
import subprocess, sys, time
plugin, count = sys.argv[1], int(sys.argv[2])
start = time.perf_counter()
p = subprocess.Popen([sys.executable, plugin, str(count)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
lines = size = 0
while lines < count:
    chunk = p.stdout.read1(1 << 16)
    if not chunk: break
    lines += chunk.count(b"\n"); size += len(chunk)
took = time.perf_counter() - start
p.kill()
print(f"{lines / took:.0f} {size}")
PY
)

cat > "$work/channels.yaml" <<CONF
server: { host: 127.0.0.1, port: $PORT }
store: { path: $work/data }
logging: { level: warning }
channels:
  - id: flood
    type: exec
    command: python3
    args: [$work/flood.py, "$COUNT"]
subscribers:
  - name: bench
    token: \${BENCH_TOKEN}
    streams: [all]
CONF

start=$(date +%s.%N)
BENCH_TOKEN=$TOKEN .build/release/listening-post serve --config "$work/channels.yaml" 2> "$work/gateway.log" &
gateway_pid=$!
rss_max=0
head=0
while [ "$head" -lt "$COUNT" ]; do
  sleep 0.1
  rss=$(ps -o rss= -p "$gateway_pid" 2>/dev/null | tr -d ' ' || echo 0)
  [ "${rss:-0}" -gt "$rss_max" ] && rss_max=$rss
  head=$(curl -s -H "authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/streams" | python3 -c 'import json,sys
try: print(int(next(s["head"] for s in json.load(sys.stdin)["streams"] if s["name"]=="all")))
except Exception: print(0)')
  if ! kill -0 "$gateway_pid" 2>/dev/null; then echo "gateway exited:"; cat "$work/gateway.log"; exit 1; fi
done
end=$(date +%s.%N)
python3 - "$COUNT" "$start" "$end" "$ref_rate" "$ref_bytes" "$rss_max" <<'PY'
import sys
count, start, end, ref, size, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
rate = count / (end - start)
print(f"lines: {count}, plugin output {size / 1e6:.1f} MB")
print(f"reference (plugin into a bare reader): {ref:,.0f} lines/s")
print(f"gateway (exec channel, committed):     {rate:,.0f} lines/s  ({rate / ref:.2f}x the reference; includes startup)")
print(f"gateway RSS max while flooded:         {rss / 1024:.0f} MB")
PY
