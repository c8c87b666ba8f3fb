#!/usr/bin/env python3
"""Writes the request parts of the voice channel's `<Dial>` and recording-status golden files
(Tests/VoiceAdapterTests/Fixtures/voice/dialed-*.txt, recording-status-*.txt): Twilio's
`<Dial action>` and `recordingStatusCallback` requests as its documents list the parameters, signed with twilio-python's RequestValidator. The expected
parts are left as they are; refresh them with UPDATE_GOLDEN=1.
Run: .venv-interop/bin/python scripts/twilio-voice-fixtures.py"""
import pathlib, urllib.parse
from twilio.request_validator import RequestValidator

TOKEN = "twilio-voice-auth-token-00001"
BASE = "https://voice.example.com/hooks/voice"
CONFIG = f"""    path: /hooks/voice
    twilio:
      auth_token: {TOKEN}
      public_url: "{BASE}"
    desk: {{number: "+442079460000", ring_timeout: 25s}}
"""
CALL = [("AccountSid", "AC0123456789abcdef0123456789abcdef"), ("ApiVersion", "2010-04-01"),
        ("CallSid", "CA0123456789abcdef0123456789abcdef"), ("CallStatus", "in-progress"), ("Called", "+14155550100"),
        ("Caller", "+12125550123"), ("Direction", "inbound"), ("From", "+12125550123"), ("To", "+14155550100")]


def request(suffix: str, parameters: list[tuple[str, str]]) -> str:
    signature = RequestValidator(TOKEN).compute_signature(BASE + suffix, dict(parameters))
    body = urllib.parse.urlencode(parameters)
    return (f"POST /hooks/voice{suffix}\nHost: gateway\nContent-Type: application/x-www-form-urlencoded\n"
            f"X-Twilio-Signature: {signature}\n\n{body}")


def dialed(status: str, duration: str | None = None) -> list[tuple[str, str]]:
    extra = [("DialCallSid", "CA99999999999999999999999999999999"), ("DialCallStatus", status)]
    return CALL + extra + ([("DialCallDuration", duration)] if duration else [])


REQUESTS = {
    "dialed-answered": request("/dialed", dialed("completed", "184")),
    "dialed-no-answer": request("/dialed", dialed("no-answer")),
    "dialed-caller-gave-up": request("/dialed", dialed("canceled")),
    "dialed-missing-status": request("/dialed", CALL),
    "incoming-call-desk-no-calendars": request("", CALL),
    "recording-status-completed": request("/recording-status", CALL[:1] + [CALL[2]] + [
        ("RecordingSid", "RE0123456789abcdef0123456789abcdef"), ("RecordingStatus", "completed"), ("RecordingDuration", "14"),
        ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/RE0123456789abcdef0123456789abcdef"),
        ("RecordingChannels", "1"), ("RecordingSource", "RecordVerb"), ("RecordingStartTime", "Tue, 08 Dec 2026 10:00:00 +0000")]),
    "recording-status-missing-recording-sid": request("/recording-status", CALL[:1] + [CALL[2], ("RecordingStatus", "absent")]),
}

if __name__ == "__main__":
    directory = pathlib.Path(__file__).resolve().parent.parent / "Tests/VoiceAdapterTests/Fixtures/voice"
    for name, text in REQUESTS.items():
        path = directory / f"{name}.txt"
        expected = path.read_text().split("----------\n")[2] if path.exists() else "\n"
        path.write_text(CONFIG + "----------\n" + text + "\n----------\n" + expected)
