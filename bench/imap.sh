#!/usr/bin/env bash
# IMAP import throughput beside the server's bulk ceiling, in one run on this machine.
# Loads COUNT (default 5000) realistic ~4 KB messages into a fresh Dovecot, then:
#   - ceiling: Python imaplib, one `UID FETCH 1:* (BODY.PEEK[])` (the server's bulk rate);
#   - peer: mbsync (Debian's isync) pulling them all into a fresh Maildir, fsync on, the
#     nearest program that does the same job (fetch a mailbox, store each mail durably);
#   - gateway: listening-post importing them all (backfill) into its fsync'd log,
#     timed from start to the last event committed, with RSS sampled while it imports.
# Usage: bench/imap.sh   (env: COUNT=5000 BATCH_SIZE=500; KEEP=1 keeps the work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5000}
GATEWAY_PORT=${GATEWAY_PORT:-18185}
export DOVECOT_ROOT=/tmp/lp-bench-dovecot DOVECOT_PORT=${DOVECOT_PORT:-14243} DOVECOT_TLS_PORT=${DOVECOT_TLS_PORT:-14293}
export DOVECOT_USERS="bench:benchpw" DOVECOT_FRESH=1

scripts/install-packages.sh dovecot-imapd libcurl4-openssl-dev python3 isync bc >/dev/null
echo "building release..."
swift build -c release --product listening-post >/dev/null
scripts/dovecot-fixture.sh start >/dev/null
work=$(mktemp -d /tmp/lp-imap-bench.XXXXXX)
cleanup() {
  [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true
  scripts/dovecot-fixture.sh stop || true
  wait 2>/dev/null || true
  # The logs hold hundreds of MB of events; KEEP=1 keeps them (and the gateway log) to look at.
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

python3 - "$DOVECOT_ROOT/mail/bench/Maildir" "$COUNT" <<'PY'
import os, random, sys, time
maildir, count = sys.argv[1], int(sys.argv[2])
words = "order refund delivery agent thanks late broken invoice account password great slow helpful plan".split()
now = int(time.time())
for n in range(count):
    body = "\r\n".join(" ".join(random.choice(words) for _ in range(12)) for _ in range(42))
    msg = (f"Return-Path: <customer{n}@example.com>\r\nReceived: from mx.example.com by mail.example.com; Mon, 23 Nov 2026 09:00:00 +0000\r\n"
           f"From: \"Customer {n}\" <customer{n}@example.com>\r\nTo: support@example.com\r\nSubject: Ticket {n}: about my order\r\n"
           f"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMessage-ID: <bench-{n}@example.com>\r\nMIME-Version: 1.0\r\n"
           f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n")
    path = os.path.join(maildir, "new", f"{now}.M{n}P1.bench")
    with open(path, "w") as f: f.write(msg)
PY
echo "loaded $COUNT messages ($(du -sh "$DOVECOT_ROOT/mail/bench/Maildir" | cut -f1))"

# Ceiling: one bulk fetch with imaplib (the first SELECT also lets Dovecot index the mail).
read -r ceiling_rate ceiling_count < <(python3 - "$DOVECOT_PORT" <<'PY'
import imaplib, sys, time
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); m.login("bench", "benchpw"); m.select("INBOX", readonly=True)
m.uid("FETCH", "1:*", "(UID)")
start = time.perf_counter(); typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])"); took = time.perf_counter() - start
n = sum(1 for item in data if isinstance(item, tuple))
print(f"{n / took:.0f} {n}")
PY
)

# Peer: mbsync into an empty Maildir. `FSync yes` is its default; said anyway.
mkdir -p "$work/mbsync/Inbox"
cat > "$work/mbsyncrc" <<CONF
FSync yes

IMAPAccount bench
Host 127.0.0.1
Port $DOVECOT_PORT
User bench
Pass benchpw
SSLType None
AuthMechs LOGIN

IMAPStore bench-remote
Account bench

MaildirStore bench-local
Path $work/mbsync/
Inbox $work/mbsync/Inbox

Channel bench
Far :bench-remote:INBOX
Near :bench-local:
Sync Pull
Create Near
# Its sync state beside the mail, not in ~/.mbsync/, which would outlive this run.
SyncState *
CONF
mbsync_start=$(date +%s.%N)
mbsync -q -c "$work/mbsyncrc" bench 2>"$work/mbsync.log"  # it warns that the password goes in clear: loopback
mbsync_took=$(echo "$(date +%s.%N) - $mbsync_start" | bc)
mbsync_count=$(find "$work/mbsync/Inbox/cur" "$work/mbsync/Inbox/new" -type f | wc -l)
mbsync_rate=$(echo "$mbsync_count / $mbsync_took" | bc)

cat > "$work/channels.yaml" <<CONF
server: { host: 127.0.0.1, port: $GATEWAY_PORT }
store: { path: $work/data }
logging: { level: warning }
channels:
  - id: bench-mail
    type: imap
    url: imap://127.0.0.1:$DOVECOT_PORT/INBOX
    username: bench
    password: \${BENCH_MAIL_PASSWORD}
    tls: none
    insecure: true
    backfill: 1d
    batch_size: ${BATCH_SIZE:-500}
subscribers:
  - { name: bench, token: bench-reader-token-0001, streams: "*" }
CONF
start=$(date +%s.%N)
BENCH_MAIL_PASSWORD=benchpw .build/release/listening-post serve --config "$work/channels.yaml" 2>"$work/gateway.log" &
gateway_pid=$!
max_rss=0; samples=""
set +e
while :; do
  rss=$(awk '/VmRSS/ { print $2 }' "/proc/$gateway_pid/status" 2>/dev/null || echo 0)
  [ "$rss" -gt "$max_rss" ] && max_rss=$rss
  samples="$samples $((rss / 1024))"
  # curl and awk, not a Python parser: starting an interpreter every 0.1 s took a good
  # part of a core from the gateway being measured on this two-core machine.
  stored=$(curl -s "http://127.0.0.1:$GATEWAY_PORT/metrics" 2>/dev/null | awk '/^listening_post_accepted_total\{channel="bench-mail"\}/ { n = $2 } END { print n + 0 }')
  if [ "$stored" -ge "$COUNT" ]; then break; fi
  if [ "$(echo "$(date +%s.%N) - $start > 300" | bc)" = 1 ]; then echo "gave up after 300 s at $stored events"; break; fi
  sleep 0.1
done
set -e
end=$(date +%s.%N)
took=$(echo "$end - $start" | bc)
rate=$(echo "$stored / $took" | bc)
printf '%-44s %10s\n' "" "msgs/s"
printf '%-44s %10s\n' "imaplib bulk UID FETCH 1:* (ceiling)" "$ceiling_rate"
printf '%-44s %10s\n' "mbsync into a Maildir, fsync (peer)" "$mbsync_rate"
printf '%-44s %10s\n' "gateway import into the fsync'd log" "$rate"
echo "mbsync: $mbsync_count of $COUNT in ${mbsync_took}s"
echo "events: $stored of $COUNT in ${took}s (from process start, login included)"
awk -v g="$rate" -v c="$ceiling_rate" -v m="$mbsync_rate" 'BEGIN { printf "ratio gateway/ceiling: %.2f (target >= 0.50); gateway/mbsync: %.2f\n", g / c, g / m }'
echo "gateway RSS while importing (MB, every ~0.1 s):$samples"
echo "gateway peak RSS: $((max_rss / 1024)) MB"
