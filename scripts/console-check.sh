#!/usr/bin/env bash
# The console in a real browser: starts the built binary on a loopback port with real
# events (NPS answers in two segments, a detractor's case, a message with markup in it),
# then drives headless Chromium (Debian's chromium and chromium-driver, selenium from PyPI)
# through every page: each shows what the API returns, an assign and a resolve made in the
# page show up in the API, markup in a customer's text stays text, and the browser logs no
# error. With SCREENSHOTS=docs/console it also saves a picture of each page there.
#   scripts/console-check.sh [binary]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/listening-post}
venv=$(scripts/setup-tools.sh)
work=$(mktemp -d)
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/channels.yaml" <<YAML
server:
  port: 0
store:
  path: $work/data
channels:
  - id: survey
    type: webhook
    path: /hooks/survey
    insecure: true
    mapping: {dedup_key: /id, text: /reason, author_email: /email, score: /score}
  - id: feedback-form
    type: webhook
    path: /hooks/form
    insecure: true
    mapping: {dedup_key: /id, text: /reason, author_email: /email, score: /score}
customers:
  inline:
    - {id: cus_ann, emails: [ann@example.com], attributes: {tier: gold}}
segments:
  - {name: gold, when: {attribute: {tier: gold}}, response_target: 3h}
  - {name: standard, response_target: 1d}
cases:
  rules:
    - {name: detractors, when: {feedback: detractor}}
subscribers:
  - {name: ops, token: console-subscriber-token-01, streams: "*"}
operators:
  - {name: desk, token: console-operator-token-0001, scopes: [cases, send]}
YAML
. scripts/gateway-lib.sh
start_gateway "$binary" "$work/channels.yaml" "$work/gateway.log"
base=http://127.0.0.1:$port
post() { curl -fsS -XPOST "$base$1" -H 'Content-Type: application/json' -d "$2" >/dev/null; }
# 40 answers from people in the standard segment on the survey (enough for a figure), 3 on
# the form (insufficient), and Ann's detractor answer, which opens a case.
for i in $(seq 1 40); do post /hooks/survey "{\"id\":\"s$i\",\"email\":\"person$i@example.org\",\"score\":$((i % 11)),\"reason\":\"answer $i\"}"; done
for i in 1 2 3; do post /hooks/form "{\"id\":\"f$i\",\"email\":\"form$i@example.org\",\"score\":9,\"reason\":\"great\"}"; done
post /hooks/survey '{"id":"ann-1","email":"ann@example.com","score":2,"reason":"<img src=x onerror=alert(1)> charged twice"}'
BASE=$base SUBSCRIBER=console-subscriber-token-01 OPERATOR=console-operator-token-0001 "$venv/bin/python" Tests/Console/console_check.py
