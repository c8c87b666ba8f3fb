#!/usr/bin/env python3
"""Writes the request parts of the Vonage Voice golden files (Tests/VoiceAdapterTests/
Fixtures/voice/vonage-*.txt): webhooks as Vonage sends them, each signed with a JWT made by
PyJWT (HS256 with the signature secret, payload_hash = SHA-256 of the body), and the
caller's signature in the record URL computed independently of the gateway's code.

The expected parts are left as they are; refresh them with UPDATE_GOLDEN=1.
Run: .venv-interop/bin/python scripts/vonage-voice-fixtures.py (scripts/setup-interop.sh
makes the venv)."""
import base64, hashlib, hmac, json, os, pathlib, urllib.parse
import jwt

SECRET = "vonage-signature-secret-0000000001"
BASE = "https://voice.example.com/hooks/vonage"
CONFIG = f"""    provider: vonage
    path: /hooks/vonage
    vonage:
      signature_secret: {SECRET}
      public_url: "{BASE}"
"""
SHORT_SECRET = "short-secret"
CONVERSATION = "CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
CALLER, CALLED = "447700900000", "442079460000"
# The record webhook's body as Vonage's webhook reference and vonage-java-sdk's RecordEventTest show it.
RECORD = {
    "start_time": "2020-01-01T12:00:00Z",
    "recording_url": "https://api.nexmo.com/v1/files/bbbbbbbb-aaaa-cccc-dddd-0123456789ab",
    "size": 12345,
    "recording_uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
    "end_time": "2020-01-01T12:01:00Z",
    "conversation_uuid": CONVERSATION,
    "timestamp": "2020-01-01T14:00:00.000Z",
}
COMPLETED = {
    "end_time": "2020-01-01T12:01:02.000Z", "uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab", "network": "GB-FIXED",
    "duration": "62", "start_time": "2020-01-01T12:00:00.000Z", "rate": "0.00450000", "price": "0.00465000",
    "from": CALLER, "to": CALLED, "conversation_uuid": CONVERSATION, "status": "completed", "direction": "inbound",
    "timestamp": "2020-01-01T12:01:02.000Z",
}


def token(body: bytes, secret: str = SECRET, payload_hash: str | None = None) -> str:
    claims = {"iat": 1577880000, "jti": "0123abcd-0000-0000-0000-000000000001", "iss": "Vonage",
              "api_key": "abcd1234", "application_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
              "payload_hash": payload_hash or hashlib.sha256(body).hexdigest()}
    return jwt.encode(claims, secret, algorithm="HS256")


def caller_sig(conversation: str, caller: str, called: str, secret: str = SECRET) -> str:
    mac = hmac.new(secret.encode(), f"{conversation}\n{caller}\n{called}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def record_query(caller=CALLER, signed_caller=CALLER, secret=SECRET) -> str:
    return urllib.parse.urlencode({"from": caller, "to": CALLED, "sig": caller_sig(CONVERSATION, signed_caller, CALLED, secret)})


def post(path: str, body: bytes, authorization: str | None) -> str:
    head = f"POST {path}\nHost: gateway\nContent-Type: application/json\n"
    if authorization:
        head += f"Authorization: {authorization}\n"
    return head + "\n" + body.decode()


def record_body(**changes) -> bytes:
    body = dict(RECORD, **changes)
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


def requests() -> dict[str, str]:
    good = record_body()
    answer_query = urllib.parse.urlencode({"to": CALLED, "from": CALLER, "conversation_uuid": CONVERSATION,
                                           "uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"})
    answer_json = json.dumps({"from": CALLER, "to": CALLED, "uuid": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
                              "conversation_uuid": CONVERSATION}).encode()
    missing = record_body(recording_uuid=None)
    event = json.dumps(COMPLETED).encode()
    recorded = f"/hooks/vonage/recorded?{record_query()}"
    return {
        "vonage-answer-get": f"GET /hooks/vonage?{answer_query}\nHost: gateway\n\n",
        "vonage-answer-post": post("/hooks/vonage", answer_json, None),
        "vonage-answer-no-conversation": f"GET /hooks/vonage?to={CALLED}&from={CALLER}\nHost: gateway\n\n",
        "vonage-recorded": post(recorded, good, f"Bearer {token(good)}"),
        "vonage-recorded-unsigned": post(recorded, good, None),
        "vonage-recorded-wrong-secret": post(recorded, good, f"Bearer {token(good, secret='another-secret-00000000000000000')}"),
        "vonage-recorded-tampered-body": post(recorded, record_body(size=99999),
                                              f"Bearer {token(good)}"),
        "vonage-recorded-forged-caller": post(f"/hooks/vonage/recorded?{record_query(caller='447700900999')}", good,
                                              f"Bearer {token(good)}"),
        "vonage-recorded-missing-recording-uuid": post(recorded, missing, f"Bearer {token(missing)}"),
        "vonage-event-completed": post("/hooks/vonage/event", event, f"Bearer {token(event)}"),
        # A secret shorter than SHA-256's 32 bytes, as PyJWT signs with it.
        "vonage-recorded-short-secret": post(f"/hooks/vonage/recorded?{record_query(secret=SHORT_SECRET)}", good,
                                             f"Bearer {token(good, secret=SHORT_SECRET)}"),
    }


def main() -> None:
    directory = pathlib.Path(__file__).resolve().parent.parent / "Tests/VoiceAdapterTests/Fixtures/voice"
    for name, request in requests().items():
        path = directory / f"{name}.txt"
        expected = path.read_text().split("----------\n")[2] if path.exists() else "\n"
        config = CONFIG.replace(SECRET, SHORT_SECRET) if "short-secret" in name else CONFIG
        path.write_text(config + "----------\n" + request + "\n----------\n" + expected)


if __name__ == "__main__":
    main()
