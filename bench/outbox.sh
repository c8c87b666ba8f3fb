#!/usr/bin/env bash
# The outbox's send rate, each beside the same server fed by a plain client in the same run:
#  1. SMTP: COUNT (default 1,000) messages through the gateway to a local aiosmtpd
#     (STARTTLS and AUTH, one connection per message), beside Python's smtplib sending
#     the same number the same way, and over one reused connection (the server's ceiling);
#  2. HTTP: COUNT messages through the gateway's Twilio sender to a local sink that answers
#     as Twilio does, beside wrk against the same sink with one connection and with 64;
#  3. RSS with QUEUED (default 100,000) sends waiting (a channel paced at 1 an hour).
# Usage: bench/outbox.sh   (env: COUNT=1000 QUEUED=100000; KEEP=1 keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000}
QUEUED=${QUEUED:-100000}
PORT=${PORT:-18391}
SINK_PORT=${SINK_PORT:-18392}
SMTP_PORT=${SMTP_PORT:-18393}
TOKEN=bench-sender-token-0001

scripts/install-packages.sh wrk curl python3-aiosmtpd openssl >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null
swift build -c release --product hummingbird-baseline >/dev/null

work=$(mktemp -d /tmp/lp-outbox-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# A certificate for 127.0.0.1 that the gateway trusts through ca_file.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
sleep 1000000 | /usr/bin/python3 scripts/smtp-fixture.py "$SMTP_PORT" "$work/spool" "$work/cert.pem" "$work/key.pem" bench bench-pw >/dev/null &
pids+=("$!")
.build/release/hummingbird-baseline "$SINK_PORT" >/dev/null 2>&1 &
pids+=("$!")
sleep 2

config() {  # config RATE_LIMIT
  cat > "$work/gateway.yaml" <<CONF
server: { host: 127.0.0.1, port: $PORT }
store: { path: $work/data }
logging: { level: warning }
channels:
  - id: sms
    type: sms
    provider: twilio
    path: /hooks/twilio
    twilio: {auth_token: bench-twilio-token, account_sid: AC0123456789abcdef0123456789abcdef, from: "+14155550100", api_url: "http://127.0.0.1:$SINK_PORT"}
  - id: mail
    type: imap
    url: imap://127.0.0.1:9/INBOX
    username: bench
    password: bench-pw
    tls: none
    insecure: true
    ca_file: $work/cert.pem
    smtp: {url: "smtp://127.0.0.1:$SMTP_PORT", from: support@example.com, username: bench, password: bench-pw}
outbox:
  rate_limits: {sms: $1}
operators:
  - { name: bench, token: $TOKEN, scopes: [send] }
CONF
}
start() {
  .build/release/listening-post serve --config "$work/gateway.yaml" 2>>"$work/gateway.log" &
  gateway_pid=$!
  pids+=("$gateway_pid")
  for _ in $(seq 300); do curl -s "http://127.0.0.1:$PORT/healthz" >/dev/null && return; sleep 0.1; done
  echo "gateway did not start"; tail -5 "$work/gateway.log"; exit 1
}
outbox_count() {  # outbox_count STATE
  curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/v1/outbox?state=$1&limit=0" | python3 -c "import json,sys; print(json.load(sys.stdin)['total'])"
}
queue() {  # queue CHANNEL KIND N: POSTs N messages as fast as one connection goes
  python3 - "$PORT" "$TOKEN" "$1" "$2" "$3" <<'PY'
import json, sys, urllib.request, uuid
port, token, channel, kind, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
for index in range(count):
    to = {"phone": "+44770090%04d" % (index % 10000)} if kind == "sms" else {"email": "c%d@example.org" % index}
    body = json.dumps({"to": to, "channel": channel, "text": "Did you get what you needed? Reply YES or NO."}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/outbox", data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    urllib.request.urlopen(request).read()
PY
}
drain() {  # drain CHANNEL: seconds until nothing is queued or attempting
  local begin end
  begin=$(date +%s.%N)
  while [ "$(outbox_count queued)" -gt 0 ] || [ "$(outbox_count attempting)" -gt 0 ]; do sleep 0.2; done
  end=$(date +%s.%N)
  awk -v b="$begin" -v e="$end" 'BEGIN { printf "%.2f", e - b }'
}

config "1000/s"
start

echo "== 1. SMTP, $COUNT messages"
queue mail email "$COUNT"
seconds=$(drain mail)
awk -v n="$COUNT" -v s="$seconds" 'BEGIN { printf "gateway (queued first, then drained): %.0f messages/s (%d in %.2f s)\n", n / s, n, s }'
echo "sent: $(outbox_count sent); in the spool: $(ls "$work/spool" | grep -c eml)"
python3 - "$SMTP_PORT" "$work/cert.pem" "$COUNT" <<'PY'
import smtplib, ssl, sys, time
port, cert, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
context = ssl.create_default_context(cafile=cert)
message = b"From: <support@example.com>\r\nTo: <c@example.org>\r\nSubject: Re: x\r\n\r\nDid you get what you needed? Reply YES or NO.\r\n"
begin = time.time()
for index in range(count):
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.starttls(context=context)
        smtp.login("bench", "bench-pw")
        smtp.sendmail("support@example.com", ["c%d@example.org" % index], message)
elapsed = time.time() - begin
print(f"reference: smtplib, a connection per message: {count / elapsed:.0f} messages/s")
begin = time.time()
with smtplib.SMTP("127.0.0.1", port) as smtp:
    smtp.starttls(context=context)
    smtp.login("bench", "bench-pw")
    for index in range(count):
        smtp.sendmail("support@example.com", ["c%d@example.org" % index], message)
elapsed = time.time() - begin
print(f"reference: smtplib, one connection for all: {count / elapsed:.0f} messages/s (the server's ceiling)")
PY

echo "== 2. HTTP (Twilio's API on a local sink), $COUNT messages"
queue sms sms "$COUNT"
seconds=$(drain sms)
awk -v n="$COUNT" -v s="$seconds" 'BEGIN { printf "gateway: %.0f messages/s (%d in %.2f s)\n", n / s, n, s }'
cat > "$work/sink.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "To=%2B447700900123&From=%2B14155550100&Body=Did+you+get+what+you+needed%3F"
LUA
echo "reference: wrk, 1 connection: $(wrk -t1 -c1 -d5s -s "$work/sink.lua" "http://127.0.0.1:$SINK_PORT/2010-04-01/Accounts/AC0/Messages.json" | awk '/Requests\/sec/ {print $2}') req/s"
echo "reference: wrk, 64 connections: $(wrk -t2 -c64 -d5s -s "$work/sink.lua" "http://127.0.0.1:$SINK_PORT/2010-04-01/Accounts/AC0/Messages.json" | awk '/Requests\/sec/ {print $2}') req/s (the sink's ceiling)"

echo "== 3. RSS with $QUEUED sends queued"
kill "$gateway_pid"; wait "$gateway_pid" 2>/dev/null || true
rm -rf "$work/data"
config "1/h"
start
echo "RSS before: $(awk '/VmRSS/ {print $2, $3}' /proc/$gateway_pid/status)"
TOKEN=$TOKEN CHANNEL=sms KIND=sms wrk -t2 -c32 -d600s -s bench/outbox.lua "http://127.0.0.1:$PORT" >/dev/null &
wrk_pid=$!
while [ "$(outbox_count queued)" -lt "$QUEUED" ]; do sleep 2; done
kill "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" 2>/dev/null || true
sleep 2
echo "queued: $(outbox_count queued); RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$gateway_pid/status); peak: $(awk '/VmHWM/ {print $2, $3}' /proc/$gateway_pid/status)"
