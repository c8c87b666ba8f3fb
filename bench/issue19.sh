#!/usr/bin/env bash
# Every speed row of issue 19 in one run, each beside its reference or peer: durable ingest
# and end-to-end latency (bench/ingest.sh), IMAP import beside imaplib and mbsync
# (bench/imap.sh), fan-out beside nchan (bench/fanout.sh), MIME parsing beside one memchr
# pass (bench/mime.sh), and the gateway's RSS after each. The full outputs go to
# $OUT (default /tmp/lp-issue19), the summary to stdout.
# Usage: bench/issue19.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/lp-issue19}
mkdir -p "$out"
echo "bench/issue19.sh: $(date -u +%FT%TZ), $(nproc) cores"
bench/ingest.sh > "$out/ingest.txt" 2>&1
COUNT=${IMAP_COUNT:-20000} bench/imap.sh > "$out/imap.txt" 2>&1
bench/fanout.sh > "$out/fanout.txt" 2>&1
bench/mime.sh 3 > "$out/mime.txt" 2>&1
show() { grep -E "$2" "$out/$1" | sed "s/^/  /"; }
echo "ingest (bench/ingest.sh):"
show ingest.txt '^(nginx|bare Hummingbird|gateway webhook|gateway Twilio)|ratio gateway|events [0-9]+/|RSS after'
echo "IMAP import (bench/imap.sh, COUNT=${IMAP_COUNT:-20000}):"
show imap.txt '^(imaplib|mbsync into|gateway import)|ratio gateway|peak RSS'
echo "fan-out (bench/fanout.sh):"
show fanout.txt '^(reference|fan-out|peer)|delivery latency|gateway RSS'
echo "MIME (bench/mime.sh):"
show mime.txt 'MB/s'
