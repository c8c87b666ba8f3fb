#!/usr/bin/env bash
# The example transcriber's real-time factor on a voicemail synthesised offline, and the
# gateway's RSS while it transcribes. In the same run:
#   reference: the transcriber run directly on the file, N times (its own RTF);
#   gateway:   N voicemails posted to a voice channel with `transcriber:`, the audio served
#              by a local HTTP server; the time from the first post to the last transcript,
#              and the gateway's peak RSS (VmHWM) meanwhile. Target: gateway RSS <= 150 MB.
# RTF = seconds of processing / seconds of audio (below 1 is faster than real time).
# Usage: bench/transcribe.sh   (env: N=8 PORT=18493 MEDIA_PORT=18494; KEEP=1 keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-8}
PORT=${PORT:-18493}
MEDIA_PORT=${MEDIA_PORT:-18494}

scripts/install-packages.sh espeak-ng sox curl jq >/dev/null
scripts/setup-interop.sh >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null

work=$(mktemp -d /tmp/lp-transcribe-bench.XXXXXX)
pid=; media=
cleanup() {
  for p in $pid $media; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir -p "$work/media"
espeak-ng -w "$work/spoken.wav" "Hello, this is Ann calling about my order. The delivery was late again, the parcel was \
damaged, and nobody called me back after I wrote to you last week. Please call me back today."
sox "$work/spoken.wav" -r 8000 -c 1 -b 16 "$work/media/voicemail.wav"
audio=$(soxi -D "$work/media/voicemail.wav")
python=.venv-stt/bin/python
transcriber=Plugins/examples/transcribe-pocketsphinx/transcribe.py
echo "voicemail: ${audio}s of 8 kHz speech"

start=$(date +%s.%N)
for _ in $(seq "$N"); do "$python" "$transcriber" "$work/media/voicemail.wav" >"$work/direct.json"; done
direct=$(echo "$(date +%s.%N) - $start" | bc)
echo "reference (direct): $N runs in ${direct}s; text: $(jq -r .text "$work/direct.json")"

(cd "$work/media" && exec python3 -m http.server "$MEDIA_PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
media=$!
cat > "$work/channels.yaml" <<CONF
server: { host: 127.0.0.1, port: $PORT }
store: { path: $work/data }
channels:
  - id: hotline
    type: voice
    path: /hooks/voice
    insecure: true
    transcriber:
      command: [$PWD/$python, $PWD/$transcriber]
subscribers:
  - {name: bench, token: bench-reader-token-0123456789, streams: ["*"]}
CONF
.build/release/listening-post serve --config "$work/channels.yaml" 2>>"$work/gateway.log" &
pid=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
idle=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")

start=$(date +%s.%N)
for n in $(seq "$N"); do
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$PORT/hooks/voice/recorded" \
    --data "CallSid=CA$n&From=%2B12125550123&To=%2B14155550100&RecordingSid=RE$n&RecordingDuration=10&RecordingUrl=http://127.0.0.1:$MEDIA_PORT/voicemail"
done
peak_children=0
while :; do
  done_count=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^listening_post_accepted_total\{channel="hotline"/ {print $2}')
  children=0
  for child in $(pgrep -P "$pid" || true); do children=$((children + $(awk '/VmRSS/ {print $2}' "/proc/$child/status" 2>/dev/null || echo 0))); done
  [ "$children" -gt "$peak_children" ] && peak_children=$children
  [ "${done_count%.*}" -ge $((2 * N)) ] && break
  sleep 0.2
done
gateway=$(echo "$(date +%s.%N) - $start" | bc)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
texts=$(curl -s -N --max-time 3 -H "Authorization: Bearer bench-reader-token-0123456789" \
  "http://127.0.0.1:$PORT/v1/streams/all/events?after=0" | grep '^data:' | grep -c '"transcript"' || true)
awk -v n="$N" -v a="$audio" -v d="$direct" -v g="$gateway" -v idle="$idle" -v peak="$peak" -v kids="$peak_children" -v t="$texts" 'BEGIN {
  printf "reference: transcriber alone   RTF %.2f  (%.2fs per %.1fs voicemail)\n", d / (n * a), d / n, a
  printf "gateway:   %d voicemails       RTF %.2f  (%.2fs each, end to end: fetch, run, commit)\n", n, g / (n * a), g / n
  printf "gateway RSS: %.1f MB idle, %.1f MB peak while transcribing (target <= 150 MB); the transcriber process itself peaked at %.1f MB\n", idle / 1024, peak / 1024, kids / 1024
  printf "transcript events: %d\n", t }'
