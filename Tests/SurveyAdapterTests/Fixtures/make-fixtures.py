#!/usr/bin/env python3
"""Writes the survey golden files' requests, signed with `openssl` (not with the gateway's
code), so the signature tests check the adapter against an independent computation.
Run from this folder, then `UPDATE_GOLDEN=1 swift test --filter SurveyGoldenTests` fills
in the expected parts. The expected parts already present are kept."""
import base64, json, os, subprocess

NOW = 1614265330  # EndpointGoldenFile's default clock
TYPEFORM_SECRET = "typeform-test-secret-0123"
DELIGHTED_SECRET = "delighted-api-key-0123456789"
FORMBRICKS_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

def openssl_hmac(key_args, data):
    out = subprocess.run(["openssl", "dgst", "-sha256", "-mac", "HMAC", "-macopt", key_args, "-binary"], input=data, capture_output=True, check=True)
    return out.stdout

def typeform_sig(body):
    return "sha256=" + base64.b64encode(openssl_hmac("key:" + TYPEFORM_SECRET, body)).decode()

def delighted_sig(body):
    return "sha256=" + openssl_hmac("key:" + DELIGHTED_SECRET, body).hex()

def formbricks_sig(msg_id, body):
    key = base64.b64decode(FORMBRICKS_SECRET[len("whsec_"):])
    return "v1," + base64.b64encode(openssl_hmac("hexkey:" + key.hex(), f"{msg_id}.{NOW}.".encode() + body)).decode()

def write(name, config, headers, body, expected_keep=True):
    path = os.path.join("survey", name + ".txt")
    expected = ""
    if expected_keep and os.path.exists(path):
        parts = open(path).read().split("\n----------\n")
        if len(parts) == 3: expected = parts[2]
    request = "POST /hooks/survey\nContent-Type: application/json\n" + "".join(f"{k}: {v}\n" for k, v in headers) + "\n" + body.decode()
    open(path, "w").write(config.rstrip("\n") + "\n----------\n" + request + "\n----------\n" + expected)

def typeform_payload(answers, hidden=None, event_type="form_response"):
    return {
        "event_id": "01HQ9T2Z4K8ZJ7S1Y6W3B5N0XD", "event_type": event_type,
        "form_response": {
            "form_id": "lT4Z3j", "token": "a3a12ec67a1365927098a606107fac15",
            "landed_at": "2026-11-23T09:40:01Z", "submitted_at": "2026-11-23T09:41:02Z",
            "hidden": hidden if hidden is not None else {"email": "ann@example.com", "customer_id": "cus_ann"},
            "calculated": {"score": 0},
            "definition": {"id": "lT4Z3j", "title": "How did we do?", "fields": [
                {"id": "NRsxU591jIW9", "ref": "nps", "type": "nps", "title": "How likely are you to recommend us to a friend or colleague?"},
                {"id": "Q7jW0pJkYd3S", "ref": "reason", "type": "long_text", "title": "What is the main reason for your score?"}]},
            "answers": answers,
        },
    }

TYPEFORM = "    provider: typeform\n    path: /hooks/survey\n    secret: " + TYPEFORM_SECRET + "\n    nps_question: nps\n    reason_question: reason\n"
nps = lambda n: {"type": "number", "number": n, "field": {"id": "NRsxU591jIW9", "type": "nps", "ref": "nps"}}
why = {"type": "text", "text": "Support took three days to answer", "field": {"id": "Q7jW0pJkYd3S", "type": "long_text", "ref": "reason"}}

body = json.dumps(typeform_payload([nps(4), why])).encode()
write("typeform-detractor-with-reason", TYPEFORM, [("Typeform-Signature", typeform_sig(body))], body)
body = json.dumps(typeform_payload([why])).encode()
write("typeform-no-nps-answer-is-a-message-without-feedback", TYPEFORM, [("Typeform-Signature", typeform_sig(body))], body)
body = json.dumps(typeform_payload([{"type": "text", "text": "nine", "field": {"id": "NRsxU591jIW9", "type": "short_text", "ref": "nps"}}])).encode()
write("typeform-nps-answer-of-another-type", TYPEFORM, [("Typeform-Signature", typeform_sig(body))], body)
body = json.dumps(typeform_payload([nps(11)])).encode()
write("typeform-score-11", TYPEFORM, [("Typeform-Signature", typeform_sig(body))], body)
body = json.dumps(typeform_payload([nps(7.5)])).encode()
write("typeform-score-7-5", TYPEFORM, [("Typeform-Signature", typeform_sig(body))], body)
signed = json.dumps(typeform_payload([nps(10), why])).encode()
body = json.dumps(typeform_payload([nps(0), why])).encode()
write("typeform-signature-over-another-body", TYPEFORM, [("Typeform-Signature", typeform_sig(signed))], body)
write("typeform-missing-signature", TYPEFORM, [], body)
body = json.dumps(typeform_payload([nps(9)], hidden={"phone": "+44 7700 900123"})).encode()
write("typeform-respondent-from-hidden-phone", TYPEFORM, [("Typeform-Signature", typeform_sig(body))], body)

DELIGHTED = "    provider: delighted\n    path: /hooks/survey\n    secret: " + DELIGHTED_SECRET + "\n    survey: relationship-2026q4\n"
def delighted_payload(event_type, score=5, comment="Your service is slow, but nearly flawless!", survey_type=None, updated=1795431600):
    data = {"id": "5435", "person": {"id": "5975", "email": "paul@example.com", "name": "Paul Gravis", "created_at": 1795431000},
            "score": score, "comment": comment, "permalink": "https://delighted.com/r/5pFDpmlyC8GUc5oxU6USto5VonSKAqOa",
            "created_at": 1795431060, "updated_at": updated, "person_properties": {"plan": "pro"}, "notes": [], "tags": []}
    if survey_type: data["survey_type"] = survey_type
    return {"event_type": event_type, "event_id": "b8d057c59327541d7ec2104c0a9a255ad1997fb00831b9c6bbf09561e6d5cbd0", "event_data": data}
body = json.dumps(delighted_payload("survey_response.created", comment=None, updated=1795431060)).encode()
write("delighted-created", DELIGHTED, [("X-Delighted-Webhook-Signature", delighted_sig(body))], body)
body = json.dumps(delighted_payload("survey_response.updated")).encode()
write("delighted-updated-with-comment", DELIGHTED, [("X-Delighted-Webhook-Signature", delighted_sig(body))], body)
body = json.dumps(delighted_payload("survey_response.created", score=4, survey_type="csat", updated=1795431060)).encode()
write("delighted-csat-is-not-nps", DELIGHTED, [("X-Delighted-Webhook-Signature", delighted_sig(body))], body)
body = json.dumps({"event_type": "survey_response.unsubscribed", "event_id": "e-1", "event_data": {"person": {"id": "5975", "email": "paul@example.com"}}}).encode()
write("delighted-unsubscribe-is-ignored", DELIGHTED, [("X-Delighted-Webhook-Signature", delighted_sig(body))], body)
body = json.dumps(delighted_payload("survey_response.created", score=-1, updated=1795431060)).encode()
write("delighted-score-negative", DELIGHTED, [("X-Delighted-Webhook-Signature", delighted_sig(body))], body)
write("delighted-hex-of-another-key", DELIGHTED, [("X-Delighted-Webhook-Signature", "sha256=" + openssl_hmac("key:not-the-key", body).hex())], body)

FORMBRICKS = "    provider: formbricks\n    path: /hooks/survey\n    secret: " + FORMBRICKS_SECRET + "\n    nps_question: q-nps\n    reason_question: q-why\n"
def formbricks_payload(event="responseFinished", answer=9):
    data = {"q-why": "Quick, friendly answers", "email": "bo@example.org"}
    if answer is not None: data["q-nps"] = answer
    return [{"data": {"contact": None, "contactAttributes": None, "createdAt": "2026-11-23T10:00:00.000Z", "data": data,
             "displayId": "d1", "endingId": "e1", "finished": event == "responseFinished", "id": "cm3resp0001", "language": "en",
             "meta": {"country": "DE", "url": "https://app.formbricks.com/s/cm3survey01"}, "singleUseId": None,
             "survey": {"title": "Customer Satisfaction Survey", "type": "link", "status": "inProgress"},
             "surveyId": "cm3survey01", "tags": [], "ttc": {"_total": 4947.9}, "updatedAt": "2026-11-23T10:00:09.000Z", "variables": {}},
             "event": event, "webhookId": "cm3hook01"}]
for name, payload in [("formbricks-finished-promoter", formbricks_payload()), ("formbricks-created-is-ignored", formbricks_payload("responseCreated")),
                      ("formbricks-finished-without-nps-answer", formbricks_payload(answer=None)), ("formbricks-nps-answer-is-text", formbricks_payload(answer="9"))]:
    body = json.dumps(payload).encode()
    write(name, FORMBRICKS, [("webhook-id", "msg_" + name), ("webhook-timestamp", str(NOW)), ("webhook-signature", formbricks_sig("msg_" + name, body))], body)
body = json.dumps(formbricks_payload()).encode()
tampered = body.replace(b'"q-nps": 9', b'"q-nps": 0')
write("formbricks-tampered-body", FORMBRICKS, [("webhook-id", "msg_t"), ("webhook-timestamp", str(NOW)), ("webhook-signature", formbricks_sig("msg_t", body))], tampered)
