#!/usr/bin/env python3
"""The gateway's OpenAPI 3.1 document, written out as docs/openapi.json and as the Swift
source the gateway serves at /openapi.json (Sources/ListeningPostServer/OpenAPIDocument.swift).
Hand-kept beside hand-written routes: CI runs schemathesis against a running gateway to
prove they match (scripts/api-contract.sh). Run after changing an endpoint:
    python3 scripts/openapi.py"""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent

def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}

def problem(description):
    return {"description": description, "content": {"application/problem+json": {"schema": ref("Problem")}}}

def ok(description, schema, status="200"):
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}

def query(name, description, schema=None, **extra):
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or {"type": "string"}, **extra}

def path_param(name, description):
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}

idempotency = {"name": "Idempotency-Key", "in": "header", "required": False, "description": "Makes a retry the same change (else the body's bytes do).", "schema": {"type": "string"}}
operator_errors = {"400": problem("A malformed request; nothing was stored."), "401": problem("No or unknown bearer token."), "403": problem("The token lacks the scope.")}
reader_errors = {"401": problem("No or unknown bearer token."), "403": problem("The token may not read this stream.")}
operator = [{"operatorToken": []}]
subscriber = [{"subscriberToken": []}]
time = {"type": "string", "format": "date-time"}
nullable_number = {"type": ["number", "null"]}

def json_body(schema, required=True):
    return {"required": required, "content": {"application/json": {"schema": schema}}}

interval = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
schemas = {
    "Problem": {
        "type": "object", "description": "RFC 9457 problem details.",
        "required": ["type", "title", "status", "detail"],
        "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}},
    },
    "CloudEvent": {
        "type": "object", "description": "A CloudEvents 1.0 event as the gateway stores it (docs/event-model.md).",
        "required": ["specversion", "id", "source", "type"],
        "properties": {"specversion": {"const": "1.0"}, "id": {"type": "string"}, "source": {"type": "string"}, "type": {"type": "string"},
                       "time": time, "subject": {"type": "string"}, "channel": {"type": "string"}, "data": {}},
    },
    "Customer": {"type": ["object", "null"], "properties": {"id": {"type": "string"}, "provisional": {"type": "boolean"}}},
    "Address": {"type": "object", "properties": {"email": {"type": "string"}, "phone": {"type": "string"}, "handle": {"type": "string"}}},
    "Recipient": {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "properties": {"customer_id": {"type": "string"}, "email": {"type": "string"}, "phone": {"type": "string"}, "handle": {"type": "string"}},
    },
    "CaseTarget": {
        "type": "object", "required": ["name", "seconds", "due", "secondsLeft", "overdue"],
        "properties": {"name": {"type": "string"}, "seconds": {"type": "number"}, "due": time, "secondsLeft": {"type": "number"}, "overdue": {"type": "boolean"}},
    },
    "Case": {
        "type": "object",
        "required": ["id", "rule", "cycle", "state", "segment", "channel", "preferredChannel", "openedAt", "updatedAt", "breached", "targets", "customer"],
        "properties": {
            "id": {"type": "string"}, "rule": {"type": "string"}, "cycle": {"type": "number"},
            "state": {"enum": ["open", "resolved", "closed"]}, "segment": {"type": "string"}, "channel": {"type": "string"},
            "preferredChannel": {"type": "string"}, "replyTo": ref("Address"), "calendar": {"type": "string"}, "openedAt": time,
            "openingMessage": {"type": "string"}, "updatedAt": time, "breached": {"type": "boolean"}, "alerts": {"type": "array", "items": {"type": "string"}},
            "customer": ref("Customer"), "targets": {"type": "array", "items": ref("CaseTarget")}, "owner": {"type": "string"},
            "openingScore": {"type": "number"}, "respondedAt": time, "firstResponseAt": time, "firstResponseWithinTarget": {"type": "boolean"},
            "resolvedAt": time, "rootCause": {"type": "string"}, "resolution": {"type": "string"}, "confirmationExpiresAt": time,
            "closedAt": time, "outcome": {"type": "string"}, "recoveryScore": {"type": "number"},
            "timeline": {"type": "array", "items": ref("CloudEvent")},
        },
    },
    "CaseChange": {
        "type": "object", "required": ["case", "events", "duplicate"],
        "properties": {"case": ref("Case"), "events": {"type": "array", "items": {"type": "string"}}, "duplicate": {"type": "boolean"}},
    },
    "OutboxMessage": {
        "type": "object", "required": ["id", "channel", "to", "state", "source", "queuedAt", "attempts"],
        "properties": {
            "id": {"type": "string"}, "channel": {"type": "string"}, "to": ref("Address"),
            "state": {"enum": ["queued", "attempting", "sent", "dead_lettered"]}, "source": {"type": "string"}, "queuedAt": time,
            "attempts": {"type": "number"}, "customer": {"type": "string"}, "providerId": {"type": "string"}, "sentAt": time,
            "lastError": {"type": "string"}, "deadReason": {"type": "string"}, "nextAttemptAt": time,
        },
    },
    "Suppression": {
        "type": "object", "required": ["address", "suppressed", "source", "by", "since"],
        "properties": {"address": {"type": "string"}, "suppressed": {"type": "boolean"}, "source": {"type": "string"}, "by": {"type": "string"}, "since": time},
    },
    "DeadLetter": {
        "type": "object", "required": ["eventId", "stream", "offset", "attempts", "lastError", "deadAt"],
        "properties": {"eventId": {"type": "string"}, "stream": {"type": "string"}, "offset": {"type": "number"}, "attempts": {"type": "number"},
                       "lastError": {"type": "string"}, "deadAt": time, "event": {}},
    },
    "NPSCell": {
        "type": "object", "required": ["from", "to", "responses", "promoters", "passives", "detractors", "nps", "npsInterval", "insufficient"],
        "properties": {"from": time, "to": time, "responses": {"type": "number"}, "promoters": {"type": "number"}, "passives": {"type": "number"},
                       "detractors": {"type": "number"}, "nps": nullable_number, "npsInterval": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                       "insufficient": {"type": "boolean"}, "segment": {"type": "string"}, "channel": {"type": "string"}, "survey": {"type": "string"}},
    },
    "ThemeDriver": {
        "type": "object",
        "required": ["theme", "answers", "shareOfAnswers", "detractors", "passives", "promoters", "detractorShare", "passiveShare", "promoterShare",
                     "nps", "npsInterval", "othersAnswers", "npsOthers", "npsOthersInterval", "impact", "insufficient"],
        "properties": {"theme": {"type": "string"}, "answers": {"type": "number"}, "shareOfAnswers": {"type": "number"},
                       "detractors": {"type": "number"}, "passives": {"type": "number"}, "promoters": {"type": "number"},
                       "detractorShare": {"type": "number"}, "passiveShare": {"type": "number"}, "promoterShare": {"type": "number"},
                       "nps": nullable_number, "npsInterval": interval, "othersAnswers": {"type": "number"}, "npsOthers": nullable_number,
                       "npsOthersInterval": {"type": ["array", "null"], "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                       "impact": {**nullable_number, "description": "Overall NPS minus the NPS of the answers that do not mention the theme, in points; null when every answer mentions it."},
                       "insufficient": {"type": "boolean"}},
    },
    "PhraseSuggestion": {
        "type": "object", "required": ["phrase", "stems", "detractors", "passives", "promoters", "logOdds", "z", "examples"],
        "properties": {"phrase": {"type": "string"}, "stems": {"type": "array", "items": {"type": "string"}}, "detractors": {"type": "number"},
                       "passives": {"type": "number"}, "promoters": {"type": "number"}, "logOdds": {"type": "number"},
                       "z": {"type": "number", "description": "The log-odds ratio over its standard deviation: above 0 leans to detractors."},
                       "examples": {"type": "array", "items": {"type": "string"}, "description": "Event ids, latest first (at most three)."}},
    },
    "ComparisonSide": {
        "type": "object", "required": ["nps", "npsAdjusted", "npsInterval"],
        "properties": {"nps": nullable_number, "npsAdjusted": {"type": "number"}, "npsInterval": interval, "responses": {"type": "number"},
                       "promoters": {"type": "number"}, "passives": {"type": "number"}, "detractors": {"type": "number"}},
    },
    "ComparisonCell": {
        "type": "object",
        "required": ["ours", "theirs", "difference", "differenceInterval", "z", "p", "pAdjusted", "verdict", "answersToDetect5Points", "insufficient"],
        "properties": {"ours": ref("ComparisonSide"), "theirs": ref("ComparisonSide"), "difference": {"type": "number"}, "differenceInterval": interval,
                       "z": {"type": "number"}, "p": {"type": "number"}, "pAdjusted": {"type": "number"},
                       "verdict": {"enum": ["ahead", "behind", "no evidence of a difference"]},
                       "answersToDetect5Points": {"type": ["number", "null"], "description": "Answers (per window, against previous) that would detect a 5-point difference with 80 % power; null when the benchmark alone is too uncertain."},
                       "insufficient": {"type": "boolean"}, "segment": {"type": "string"}, "channel": {"type": "string"}, "survey": {"type": "string"}},
    },
}

def nps_filters():
    return [query("segment", "Only answers of this segment."), query("channel", "Only answers from this channel."),
            query("survey", "Only answers to this survey.")]


def nps_range(default="nps.window"):
    return [query("window", f"A duration such as 30d ending now (or from/to); default {default}."),
            query("from", "RFC 3339.", {"type": "string", "format": "date-time"}), query("to", "RFC 3339.", {"type": "string", "format": "date-time"})]


nps_parameters = ([query("group_by", "Comma-separated: segment, channel, survey.")] + nps_range()
                  + [query("step", "A duration: one row per step (a trend).")] + nps_filters())
nps_errors = {"400": problem("A bad query parameter."), "401": problem("No or unknown bearer token."), "403": problem("The token may not read NPS."),
              "503": problem("The projection has not caught up; retry.")}
nps_header = {"from": time, "to": time, "groupBy": {"type": "array", "items": {"type": "string"}}, "minResponses": {"type": "number"},
              "interval": {"type": "string"}, "stepSeconds": {"type": "number"}, "only": {"type": "object", "additionalProperties": {"type": "string"}}}

paths = {
    "/healthz": {"get": {"summary": "The process answers.", "tags": ["health"],
                         "responses": ok("Alive.", {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}})}},
    "/readyz": {"get": {"summary": "The log takes writes and every channel has started.", "tags": ["health"],
                        "responses": {**ok("Ready (or degraded: a channel failing).", ref("Readiness")),
                                      "503": {"description": "Not ready.", "content": {"application/json": {"schema": ref("Readiness")}}}}}},
    "/metrics": {"get": {"summary": "Prometheus text exposition.", "tags": ["health"],
                         "responses": {"200": {"description": "Metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"summary": "This document.", "tags": ["health"], "responses": ok("OpenAPI 3.1.", {"type": "object"})}},
    "/v1/streams": {"get": {"summary": "The streams the token may read, with their heads.", "tags": ["streams"], "security": subscriber,
                            "responses": {**ok("Streams.", {"type": "object", "required": ["streams"], "properties": {"streams": {"type": "array", "items": {
                                "type": "object", "required": ["name", "head", "oldest"], "properties": {
                                    "name": {"type": "string"}, "head": {"type": "number"},
                                    "oldest": {"type": "number", "description": "The oldest offset the stream still has: 1 unless `store.retention` deleted older ones."}}}}}}),
                                          "401": problem("No or unknown bearer token.")}}},
    "/v1/streams/{stream}/events": {"get": {
        "summary": "Server-sent events: `id:` is the stream offset, `data:` the CloudEvent JSON.", "tags": ["streams"], "security": subscriber,
        "parameters": [path_param("stream", "A stream name."), query("after", "Start after this offset (Last-Event-ID wins).", {"type": "integer", "minimum": 0}),
                       {"name": "Last-Event-ID", "in": "header", "required": False, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "An endless event stream.", "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                      "400": problem("A malformed offset."), **reader_errors, "404": problem("No such stream."),
                      "410": problem("The start offset was deleted by `store.retention`; the detail names the oldest kept and where to resume.")}}},
    "/v1/streams/{stream}/ws": {"get": {
        "summary": "The same events over a WebSocket (an upgrade; one JSON text frame per event).", "tags": ["streams"], "security": subscriber,
        "parameters": [path_param("stream", "A stream name.")],
        "responses": {"101": {"description": "Switching protocols."}, **reader_errors, "404": problem("No such stream."),
                      "410": problem("`?after=` names an offset `store.retention` deleted.")}}},
    "/v1/subscribers/{name}/dead-letters": {
        "get": {"summary": "A push subscriber's dead letters.", "tags": ["streams"], "security": subscriber, "parameters": [path_param("name", "The subscriber.")],
                "responses": {**ok("Dead letters, oldest first.", {"type": "object", "required": ["deadLetters"], "properties": {"deadLetters": {"type": "array", "items": ref("DeadLetter")}}}),
                              **reader_errors, "404": problem("No such push subscriber.")}},
        "post": {"summary": "Re-drive dead letters: every one, or those named, at most 50 per request and none started after 5 s (`remaining` says how many are left).", "tags": ["streams"], "security": subscriber, "parameters": [path_param("name", "The subscriber.")],
                 "requestBody": json_body({"type": "object", "properties": {"eventIds": {"type": "array", "items": {"type": "string"}}}}, required=False),
                 "responses": {**ok("What was delivered and what failed again.", {"type": "object", "required": ["delivered", "failed", "remaining"], "properties": {
                     "delivered": {"type": "array", "items": {"type": "string"}}, "remaining": {"type": "number"},
                     "failed": {"type": "array", "items": {"type": "object", "properties": {"eventId": {"type": "string"}, "error": {"type": "string"}}}}}}),
                               "400": problem("A malformed body."), **reader_errors, "404": problem("No such push subscriber.")}}},
    "/v1/nps": {"get": {
        "summary": "NPS by segment, channel and survey, with its 95 % interval (docs/nps.md).", "tags": ["loop"], "security": subscriber,
        "parameters": nps_parameters,
        "responses": {**ok("Cells.", {"type": "object", "required": ["from", "to", "groupBy", "minResponses", "interval", "cells"], "properties": {
            "from": time, "to": time, "groupBy": {"type": "array", "items": {"type": "string"}}, "minResponses": {"type": "number"},
            "interval": {"type": "string"}, "stepSeconds": {"type": "number"}, "cells": {"type": "array", "items": ref("NPSCell")}}}),
                      "400": problem("A bad query parameter."), "401": problem("No or unknown bearer token."), "403": problem("The token may not read NPS."),
                      "503": problem("The projection has not caught up; retry.")}}},
    "/v1/nps/compare": {"get": {
        "summary": "Our NPS against a benchmark of `benchmarks:` or the window before, with the difference, its interval, z, p and a verdict (docs/insights.md).",
        "tags": ["loop"], "security": subscriber,
        "parameters": [query("against", "A benchmark's name, or `previous`.", required=True, example="previous"), query("group_by", "Comma-separated: segment, channel, survey.")]
                      + nps_range() + nps_filters(),
        "responses": {**ok("Cells, Holm-adjusted when more than one.", {"type": "object", "required": ["from", "to", "groupBy", "against", "adjustment", "test", "detectablePoints", "cells"], "properties": {
            **nps_header, "against": {"type": "object"}, "adjustment": {"enum": ["holm", "none"]}, "test": {"type": "string"},
            "detectablePoints": {"type": "number"}, "cells": {"type": "array", "items": ref("ComparisonCell")}}}), **nps_errors}}},
    "/v1/themes": {"get": {
        "summary": "Key drivers: per theme, who mentions it, their NPS against those who do not, and its impact in points (docs/insights.md).",
        "tags": ["loop"], "security": subscriber, "parameters": nps_parameters,
        "responses": {**ok("Cells, each with its themes, the costliest first.", {"type": "object", "required": ["from", "to", "groupBy", "minResponses", "interval", "impact", "cells"], "properties": {
            **nps_header, "impact": {"type": "string"}, "cells": {"type": "array", "items": {"allOf": [ref("NPSCell"), {"type": "object", "required": ["themes"], "properties": {
                "themes": {"type": "array", "items": ref("ThemeDriver")}}}]}}}}), **nps_errors}}},
    "/v1/themes/suggestions": {"get": {
        "summary": "Candidate themes: phrases of 1–3 stems from the reasons that detractors or promoters use more, by the log-odds ratio with an informative Dirichlet prior (docs/insights.md).",
        "tags": ["loop"], "security": subscriber,
        "parameters": nps_range("90d") + nps_filters() + [
            query("min_answers", "Answers a phrase needs (default 5).", {"type": "integer", "minimum": 1, "maximum": 1000000}),
            query("limit", "Phrases per side (default 20).", {"type": "integer", "minimum": 1, "maximum": 200})],
        "responses": {**ok("Phrases per side, the strongest first.", {"type": "object", "required": ["from", "to", "method", "language", "minAnswers", "answers", "detractorPhrases", "promoterPhrases"], "properties": {
            "from": time, "to": time, "only": {"type": "object", "additionalProperties": {"type": "string"}}, "method": {"const": "log-odds-informative-dirichlet"},
            "language": {"type": "string"}, "minAnswers": {"type": "number"}, "answers": {"type": "object"},
            "detractorPhrases": {"type": "array", "items": ref("PhraseSuggestion")}, "promoterPhrases": {"type": "array", "items": ref("PhraseSuggestion")}}}), **nps_errors}}},
    "/v1/loop": {"get": {
        "summary": "How the loop is closing: coverage, first response, confirmation, recovery (docs/cases.md).", "tags": ["loop"], "security": operator,
        "parameters": [query("group_by", "Comma-separated: segment, channel."), query("window", "A duration such as 30d."),
                       query("from", "RFC 3339.", {"type": "string", "format": "date-time"}), query("to", "RFC 3339.", {"type": "string", "format": "date-time"})],
        "responses": {**ok("Rows.", {"type": "object", "required": ["from", "to", "groupBy", "rows"], "properties": {
            "from": time, "to": time, "groupBy": {"type": "array", "items": {"type": "string"}}, "rows": {"type": "array", "items": {"type": "object"}}}}),
                      **operator_errors}}},
    "/v1/cases": {"get": {
        "summary": "The case queue, soonest due first.", "tags": ["cases"], "security": operator,
        "parameters": [query("state", "Comma-separated: open, resolved, closed, or all."), query("segment", "Segment name."), query("channel", "Channel id."),
                       query("owner", "Who works it."), query("customer", "Customer id."), query("rule", "Case rule."),
                       query("breached", "true or false.", {"type": "string", "enum": ["true", "false"]}), query("limit", "At most this many.", {"type": "integer", "minimum": 0, "maximum": 100000})],
        "responses": {**ok("Cases.", {"type": "object", "required": ["cases", "total"], "properties": {"cases": {"type": "array", "items": ref("Case")}, "total": {"type": "number"}}}),
                      **operator_errors}}},
    "/v1/cases/{id}": {"get": {
        "summary": "One case with its timeline.", "tags": ["cases"], "security": operator, "parameters": [path_param("id", "Case id.")],
        "responses": {**ok("The case.", ref("Case")), **operator_errors, "404": problem("No such case.")}}},
}
for action, body, summary in [
    ("assign", {"type": "object", "required": ["owner"], "properties": {"owner": {"type": "string"}, "by": {"type": "string"}}}, "Give the case an owner."),
    ("responses", {"type": "object", "properties": {"text": {"type": "string"}, "at": time, "by": {"type": "string"}}}, "Record a response to the customer (the first stops the first-response clock)."),
    ("resolve", {"type": "object", "required": ["root_cause", "resolution"], "properties": {"root_cause": {"type": "string"}, "resolution": {"type": "string"}, "by": {"type": "string"}}},
     "Resolve it: asks the customer whether they got what they needed."),
]:
    paths[f"/v1/cases/{{id}}/{action}"] = {"post": {
        "summary": summary, "tags": ["cases"], "security": operator, "parameters": [path_param("id", "Case id."), idempotency],
        "requestBody": json_body(body),
        "responses": {**ok("The case as it now stands.", ref("CaseChange")), **operator_errors, "404": problem("No such case."),
                      "409": problem("Not possible in the case's state."), "503": problem("Could not be stored; retry with the same key.")}}}
paths["/v1/outbox"] = {
    "post": {"summary": "Queue a message to a customer (docs/outbox.md).", "tags": ["outbox"], "security": operator, "parameters": [idempotency],
             "requestBody": json_body({"type": "object", "additionalProperties": False, "properties": {
                 "to": ref("Recipient"), "text": {"type": "string", "minLength": 1, "maxLength": 10000}, "template": {"type": "string"},
                 "subject": {"type": "string"}, "channel": {"type": "string"}, "case": {"type": "string"}, "survey": {"type": "string"}, "in_reply_to": {"type": "string"}}}),
             "responses": {**ok("Queued (committed).", {"type": "object", "required": ["id", "duplicate", "channel", "to"], "properties": {
                 "id": {"type": "string"}, "duplicate": {"type": "boolean"}, "channel": {"type": "string"}, "to": {}}}, status="202"),
                           **operator_errors, "409": problem("The address is suppressed."), "503": problem("Could not be stored; retry with the same key.")}},
    "get": {"summary": "Messages with their state.", "tags": ["outbox"], "security": operator,
            "parameters": [query("state", "queued, attempting, sent or dead_lettered.", {"type": "string", "enum": ["queued", "attempting", "sent", "dead_lettered"]}),
                           query("limit", "At most this many (default 1,000).", {"type": "integer", "minimum": 0, "maximum": 100000})],
            "responses": {**ok("Messages, oldest first.", {"type": "object", "required": ["messages", "total"], "properties": {
                "messages": {"type": "array", "items": ref("OutboxMessage")}, "total": {"type": "number"}}}), **operator_errors}},
}
paths["/v1/outbox/{id}/redrive"] = {"post": {
    "summary": "Queue a dead-lettered message again.", "tags": ["outbox"], "security": operator, "parameters": [path_param("id", "Outbox id.")],
    "responses": {**ok("Queued again.", ref("OutboxMessage"), status="202"), **operator_errors, "404": problem("No such message."),
                  "409": problem("Not a dead letter."), "503": problem("Could not be stored; retry.")}}}
paths["/v1/suppressions"] = {
    "get": {"summary": "The opt-outs in force.", "tags": ["outbox"], "security": operator,
            "responses": {**ok("Suppressions.", {"type": "object", "required": ["suppressions"], "properties": {"suppressions": {"type": "array", "items": ref("Suppression")}}}), **operator_errors}},
    "post": {"summary": "Suppress an address.", "tags": ["outbox"], "security": operator,
             "requestBody": json_body({"type": "object", "properties": {"email": {"type": "string"}, "phone": {"type": "string"}}}),
             "responses": {**ok("Suppressed.", ref("Suppression"), status="201"), **ok("Already suppressed.", ref("Suppression")), **operator_errors,
                           "503": problem("Could not be stored; retry.")}},
}
paths["/v1/suppressions/{address}"] = {"delete": {
    "summary": "Lift a suppression.", "tags": ["outbox"], "security": operator, "parameters": [path_param("address", "An email address or E.164 number.")],
    "responses": {**ok("Lifted.", ref("Suppression")), **operator_errors, "404": problem("Not suppressed."), "503": problem("Could not be stored; retry.")}}}
paths["/v1/survey-prompts"] = {"post": {
    "summary": "Record that a survey went to a customer, so their reply is read for a score.", "tags": ["loop"], "security": operator, "parameters": [idempotency],
    "requestBody": json_body({"type": "object", "required": ["channel", "survey", "to"], "properties": {
        "channel": {"type": "string"}, "survey": {"type": "string"}, "to": ref("Recipient"), "sentAt": time}}),
    "responses": {**ok("Recorded.", {"type": "object", "required": ["id", "duplicate", "customer"], "properties": {
        "id": {"type": "string"}, "duplicate": {"type": "boolean"}, "customer": {"type": "string"}}}, status="202"),
                  **operator_errors, "503": problem("Could not be stored; retry.")}}}

schemas["Readiness"] = {"type": "object", "required": ["status", "log", "store", "channels", "config"], "properties": {
    "status": {"enum": ["ready", "degraded", "unready"]}, "log": {"enum": ["writable", "unwritable"]},
    "store": {"enum": ["sqlite", "postgres"], "description": "Which log `store.kind` chose: the embedded SQLite one, or the PostgreSQL database several gateways share."},
    "config": {"type": "object", "required": ["generation", "applied_at"],
               "description": "The config in force: generation 1 at start, one more at each applied reload (SIGHUP, `listening-post reload`).",
               "properties": {"generation": {"type": "integer", "minimum": 1}, "applied_at": {"type": "string", "format": "date-time"}}},
    "channels": {"type": "object", "additionalProperties": {"type": "object", "required": ["status"], "properties": {
        "status": {"enum": ["starting", "running", "failing", "stopped", "standby"],
                   "description": "`standby`: a channel that runs on one gateway at a time (it polls), run now by another gateway on the shared log."},
        "error": {"type": "string"}}}},
    "leases": {"type": "object", "required": ["holder", "leases"],
               "description": "With `store.kind: postgres` only: this gateway's name in the lease table, and each exclusive source it runs (`held`, with the lease's epoch) or waits to take over (`standby`). Names: `channel:ID`, `sender:ID`, `push:SUBSCRIBER`, `case-timers`.",
               "properties": {"holder": {"type": "string"},
                              "leases": {"type": "object", "additionalProperties": {"type": "object", "required": ["status"], "properties": {
                                  "status": {"enum": ["held", "standby"]}, "epoch": {"type": "integer", "minimum": 1}}}}}}}}

document = {
    "openapi": "3.1.0",
    "info": {"title": "ListeningPost", "version": "1",
             "description": "The gateway's HTTP API. Channel ingest endpoints (webhooks, SMS) are configured per channel in channels.yaml and are described in docs/channels.md. Every error is an RFC 9457 problem JSON."},
    "servers": [{"url": "http://127.0.0.1:8080"}],
    "components": {
        "securitySchemes": {
            "subscriberToken": {"type": "http", "scheme": "bearer", "description": "A `subscribers:` token: reads streams, NPS and its own dead letters."},
            "operatorToken": {"type": "http", "scheme": "bearer", "description": "An `operators:` token, with scopes: prompts, cases:read, cases, send."},
        },
        "schemas": schemas,
    },
    "paths": paths,
}

import sys

text = json.dumps(document, indent=2, sort_keys=True) + "\n"
compact = json.dumps(document, separators=(",", ":"), sort_keys=True)
# The compact JSON in lines of at most 140 characters, each ended by a raw string's line
# continuation (`\#`), so the Swift source stays within the project's line width.
wrapped = "\\#\n".join(compact[i:i + 140] for i in range(0, len(compact), 140))
swift = (
    "// swift-format-ignore-file\n// Generated by scripts/openapi.py from the same source as docs/openapi.json; do not edit.\n"
    "enum OpenAPIDocument {\n"
    "    /// The OpenAPI 3.1 document served at `/openapi.json`.\n"
    f"    static let json = #\"\"\"\n{wrapped}\n\"\"\"#\n"
    "}\n")
outputs = {root / "docs/openapi.json": text, root / "Sources/ListeningPostServer/OpenAPIDocument.swift": swift}
if "--check" in sys.argv:
    stale = [str(path.relative_to(root)) for path, content in outputs.items() if not path.exists() or path.read_text() != content]
    if stale:
        sys.exit(f"{', '.join(stale)} out of date: run python3 scripts/openapi.py")
    print("docs/openapi.json matches scripts/openapi.py")
else:
    for path, content in outputs.items():
        path.write_text(content)
    print(f"docs/openapi.json: {len(paths)} paths")
