#!/usr/bin/env bash
# MIME parsing throughput (release build) over the golden files and a generated mix of
# ~4.5 KB support mails, beside one memchr pass over the same bytes; issue 19's target is
# 300 MB/s for the parser. IMAP import end to end is bench/imap.sh.
# Usage: bench/mime.sh [SECONDS per measurement, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
LISTENING_POST_BENCH=1 swift build -c release --product mime-parse 2>&1 | grep -E "error" || true
LISTENING_POST_BENCH=1 .build/release/mime-parse "${1:-3}"
