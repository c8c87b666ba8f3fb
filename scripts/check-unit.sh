#!/usr/bin/env bash
# Checks the systemd unit in docs/examples: `systemd-analyze verify` finds no problem and
# `systemd-analyze security` rates its exposure at most 2.0 ("OK"). The binary path points
# at this build, and the secrets file is made optional, since neither is installed here.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v systemd-analyze >/dev/null || scripts/install-packages.sh systemd >/dev/null
binary=$(pwd)/.build/debug/listening-post
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|/usr/local/bin/listening-post|$binary|g; s|EnvironmentFile=/|EnvironmentFile=-/|" docs/examples/listening-post.service > "$work/listening-post.service"
problems=$(systemd-analyze verify "$work/listening-post.service" 2>&1 || true)
if [ -n "$problems" ]; then
  echo "docs/examples/listening-post.service: systemd-analyze verify:"; echo "$problems"; exit 1
fi
exposure=$(systemd-analyze security --offline=yes "$work/listening-post.service" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
if [ -z "$exposure" ] || ! awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'; then
  echo "docs/examples/listening-post.service: exposure ${exposure:-unknown}, above 2.0"; exit 1
fi
echo "docs/examples/listening-post.service: verified; systemd exposure level $exposure"
