#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Sources) with ASan and runs each for SECONDS seconds
# (default 60), from its seed corpus (Fuzz/seeds/<target>, checked in) into a working
# corpus (.build-fuzz/corpus/<target>). A crash stops with the input saved under
# .build-fuzz/crashes/ and a non-zero exit; turn it into a golden-file test.
#   scripts/fuzz.sh [SECONDS] [target…]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
# Package.swift instruments the fuzzed modules itself when LISTENING_POST_FUZZ is set;
# FUZZ_CONFIGURATION=release builds them optimised, for long runs (millions of executions).
# FUZZ_BUILD_PATH=.build (CI's smoke run) reuses the dependencies the ordinary build has
# compiled, with the same flags, and recompiles only the instrumented modules; the next
# ordinary build recompiles those back. The default keeps the fuzz build apart.
build_path=${FUZZ_BUILD_PATH:-.build-fuzz}
LISTENING_POST_FUZZ=1 swift build --build-path "$build_path" -c "${FUZZ_CONFIGURATION:-debug}" --product listening-post-fuzz 2>&1 | grep -E "error|warning: unre|Compiling listening|Build complete" || true
binary=$build_path/${FUZZ_CONFIGURATION:-debug}/listening-post-fuzz
[ -x "$binary" ] || { echo "fuzz build failed"; exit 1; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(mime imap-response json form twilio vonage twilio-voice vonage-voice generic-sms discourse exec-line config reply-score template)
fi
mkdir -p .build-fuzz/crashes
# FUZZ_RUNS=N stops each target after N executions, or SECONDS, whichever comes first.
if [ -n "${FUZZ_RUNS:-}" ]; then limit=(-runs="$FUZZ_RUNS" -max_total_time="$seconds"); else limit=(-max_total_time="$seconds"); fi
status=0
for target in "${targets[@]}"; do
  corpus=.build-fuzz/corpus/$target
  mkdir -p "$corpus" "Fuzz/seeds/$target"
  log=.build-fuzz/$target.log
  if FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 "$binary" "$corpus" "Fuzz/seeds/$target" \
      "${limit[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix=.build-fuzz/crashes/$target- -print_final_stats=1 >"$log" 2>&1; then
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
    took=$(grep -Eo 'stat::.*' "$log" >/dev/null; grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | grep -Eo '[0-9]+ second' | grep -Eo '[0-9]+' || echo "$seconds")
    printf '%-14s ok   %12s executions in %ss\n' "$target" "$runs" "$took"
  else
    printf '%-14s FAILED (see %s)\n' "$target" "$log"
    tail -30 "$log"
    status=1
  fi
done
exit $status
