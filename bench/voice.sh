#!/usr/bin/env bash
# Voice callbacks beside the webhook channel, same gateway, same run: rounds alternate
# between Twilio Voice `<Record action>` callbacks (bench/voicemail.lua, a new voicemail
# each) and webhook posts of about the same size (bench/post.lua). Target: voice within
# 10 % of webhook. Both channels are unsigned (`insecure: true`) so the rounds compare the
# channels' own work; the signature is an HMAC-SHA1 of under 1 KB either way.
# Usage: bench/voice.sh   (env: DURATION=10 ROUNDS=5 PORT=18491; KEEP=1 keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-5}
PORT=${PORT:-18491}

scripts/install-packages.sh wrk curl >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null

work=$(mktemp -d /tmp/lp-voice-bench.XXXXXX)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
cat > "$work/channels.yaml" <<CONF
server: { host: 127.0.0.1, port: $PORT }
store: { path: $work/data }
logging: { level: info }
channels:
  - {id: hotline, type: voice, path: /hooks/voice, insecure: true}
  - {id: survey, type: webhook, path: /hooks/survey, insecure: true, mapping: {text: /text, author_email: /email, dedup_key: /id, score: /score}}
CONF
.build/release/listening-post serve --config "$work/channels.yaml" 2>>"$work/gateway.log" &
pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

round() {  # round URL SCRIPT -> "req/s p99"
  wrk -t2 -c64 -d"${DURATION}s" --latency -s "$2" "$1" | awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {print r, p}'
}
voice=(); webhook=()
for n in $(seq "$ROUNDS"); do
  read -r vr vp < <(round "http://127.0.0.1:$PORT/hooks/voice/recorded" bench/voicemail.lua)
  read -r wr wp < <(round "http://127.0.0.1:$PORT/hooks/survey" bench/post.lua)
  voice+=("$vr"); webhook+=("$wr")
  echo "round $n: voice $vr req/s (p99 $vp), webhook $wr req/s (p99 $wp)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
awk -v v="$(median "${voice[@]}")" -v w="$(median "${webhook[@]}")" 'BEGIN {
  printf "median: voice %.0f, webhook %.0f req/s: voice is %.1f %% below (target <= 10 %%)\n", v, w, 100 * (w - v) / w }'
stored=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^listening_post_accepted_total\{channel="hotline"/ {print $2}')
echo "voicemails stored: ${stored:-?}"
