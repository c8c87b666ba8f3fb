#!/usr/bin/env bash
# What parsing one phone number with libphonenumber costs (release build), beside a loop
# that only copies the same strings. Twilio ingest beside the plain webhook, with numbers
# parsed twice per SMS, is in bench/ingest.sh.
# Usage: bench/phone.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-packages.sh libphonenumber-dev >/dev/null
swift build -c release --product phone-parse >/dev/null
.build/release/phone-parse "${1:-200000}"
