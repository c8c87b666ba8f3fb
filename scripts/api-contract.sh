#!/usr/bin/env bash
# The OpenAPI contract, proven against a running gateway: starts the built binary on a
# loopback port with a config that exercises every endpoint (a detractor opens a case, a
# push subscriber, an operator with every scope), then runs schemathesis (PyPI, pinned, in
# .venv-tools) over docs/openapi.json: no 5xx, every status and content type
# documented, every body as its schema says (problem JSON for every error).
#   scripts/api-contract.sh [binary]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/listening-post}
venv=$(scripts/setup-tools.sh)
work=$(mktemp -d)
pid=
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
subscriber=contract-subscriber-token-01
operator=contract-operator-token-0001
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
customers:
  inline:
    - {id: cus_ann, emails: [ann@example.com]}
segments:
  - {name: everyone, response_target: 3h}
cases:
  rules:
    - {name: detractors, when: {feedback: detractor}}
subscribers:
  - name: reader
    token: $subscriber
    streams: "*"
  - name: pushed
    token: contract-pushed-token-0001
    streams: [all]
    webhook: {url: "http://127.0.0.1:9/unreachable", secret: "whsec_Y29udHJhY3QtcHVzaC1zZWNyZXQtMDAwMQ==", retry_schedule: [1s], timeout: 1s}
themes:
  - {name: billing, phrases: {en: [charged twice, refund]}}
benchmarks:
  - {name: industry, source: a published study, date: "2026", nps: 30, n: 2000}
operators:
  - name: everything
    token: $operator
    scopes: [prompts, cases:read, cases, send]
YAML
. scripts/gateway-lib.sh
start_gateway "$binary" "$work/channels.yaml" "$work/gateway.log"
base=http://127.0.0.1:$port
curl -fsS -XPOST "$base/hooks/survey" -H 'Content-Type: application/json' -d '{"id":"r1","email":"ann@example.com","score":2,"reason":"charged twice"}' >/dev/null
# The document the gateway serves is the one in docs/.
curl -fsS "$base/openapi.json" | python3 -c 'import json,sys; served=json.load(sys.stdin); kept=json.load(open("docs/openapi.json")); sys.exit(0 if served == kept else "GET /openapi.json differs from docs/openapi.json")'
case_id=$(curl -fsS -H "Authorization: Bearer $operator" "$base/v1/cases" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cases"][0]["id"])')
cat > "$work/schemathesis.toml" <<TOML
[auth.openapi.subscriberToken]
bearer = "$subscriber"
[auth.openapi.operatorToken]
bearer = "$operator"

# Real identifiers, so the generated requests reach past the 404s.
[[operations]]
include-path-regex = "^/v1/cases/"
parameters = { id = "$case_id" }
TOML
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
run() {
  "$venv/bin/schemathesis" "$@" --url "$base" --checks "$checks" --phases examples,coverage,fuzzing \
    --max-examples "${CONTRACT_EXAMPLES:-25}" --workers 1 --suppress-health-check all
}
status=0
# The endless streams (SSE, WebSocket) are tested by the Swift suite, not here; a push
# subscriber's dead letters answer to its own token, so they run apart.
run --config-file "$work/schemathesis.toml" run docs/openapi.json \
  --exclude-path-regex '^/v1/streams/\{stream\}/(events|ws)$|dead-letters' || status=1
printf '[[operations]]\ninclude-path-regex = "dead-letters"\nparameters = { name = "pushed" }\n' > "$work/dead-letters.toml"
run --config-file "$work/dead-letters.toml" run docs/openapi.json --include-path-regex 'dead-letters' \
  -H "Authorization: Bearer contract-pushed-token-0001" || status=1
if grep -q "Fatal error\|panic" "$work/gateway.log"; then echo "the gateway crashed"; tail -20 "$work/gateway.log"; exit 1; fi
exit $status
