#!/usr/bin/env python3
"""Signs webhook requests with each provider's own SDK, for the interop tests.

Reads one JSON request per line on stdin and writes one JSON answer per line:
  {"scheme": "twilio", "token": ..., "url": ..., "params": [[name, value], ...]}
      -> {"signature": ...}             (twilio.request_validator.RequestValidator)
  {"scheme": "vonage", "method": "md5hash"|"md5"|"sha1"|"sha256"|"sha512", "secret": ..., "params": {...}}
      -> {"sig": ...}                   (vonage v4 Auth.sign_params; md5hash: vonage v3 Client.signature,
                                         run with the v3 virtualenv's python, see VONAGE_V3_PYTHON)
  {"scheme": "standardwebhooks", "secret": ..., "id": ..., "timestamp": int, "body": ...}
      -> {"signature": ...}             (standardwebhooks.Webhook.sign)
  {"scheme": "twilio_send", "account_sid": ..., "auth_token": ..., "to": ..., "from": ..., "body": ..., "status_callback"?: ...}
      -> {"method", "url", "form", "auth": [user, password], "headers"}
                                        (the request twilio.rest.Client.messages.create builds, captured
                                         by an HttpClient that sends nothing)
  {"scheme": "twilio_call", "account_sid": ..., "auth_token": ..., "to": ..., "from": ..., "twiml": ...}
      -> the same for twilio.rest.Client.calls.create (a survey call the voice channel places)
The Swift side verifies what these produce, so a scheme implemented wrongly on both sides
cannot pass.
"""
import json
import os
import subprocess
import sys
from datetime import datetime, timezone


class MultiDict(dict):
    """Repeated names, the way the validator reads Flask's MultiDict (`getall`)."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs
        for name, value in pairs:
            self.setdefault(name, value)

    def getall(self, name):
        return [value for key, value in self.pairs if key == name]


def twilio_call(request):
    """The request twilio.rest.Client.calls.create(to, from_, twiml) builds, captured unsent."""
    return _twilio_capture(request, lambda client: client.calls.create(to=request["to"], from_=request["from"], twiml=request["twiml"]))


def twilio_send(request):
    extra = {"status_callback": request["status_callback"]} if request.get("status_callback") else {}
    return _twilio_capture(request, lambda client: client.messages.create(to=request["to"], from_=request["from"], body=request["body"], **extra))


def _twilio_capture(request, create):
    import logging
    from urllib.parse import urlencode
    from twilio.http import HttpClient
    from twilio.http.response import Response
    from twilio.rest import Client

    class Capture(HttpClient):
        def __init__(self):
            super().__init__(logging.getLogger("capture"), False)
            self.seen = None

        def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False):
            # requests form-encodes a dict as urlencode does.
            self.seen = {"method": method, "url": uri, "form": urlencode(list(data.items())), "auth": list(auth), "headers": headers}
            return Response(201, json.dumps({"sid": "CA00000000000000000000000000000000", "status": "queued"}))

    capture = Capture()
    create(Client(request["account_sid"], request["auth_token"], http_client=capture))
    return capture.seen


def vonage_send(request):
    """The request vonage v4's client.sms.send builds, captured at requests.Session."""
    import requests
    from urllib.parse import urlencode
    from vonage import Auth, Vonage
    from vonage_sms import SmsMessage
    seen = {}

    class Answer:
        status_code = 200
        headers = {"Content-Type": "application/json"}
        content = b'{"message-count":"1","messages":[{"to":"1","message-id":"0A00000000000000","status":"0"}]}'
        text = content.decode()
        ok, url, reason = True, "", "OK"

        def json(self):
            return json.loads(self.content)

        def __enter__(self):
            return self

        def __exit__(self, *args):
            return False

    def capture(session, method, url, **kwargs):
        # requests leaves out None values when it form-encodes a dict.
        data = [(k, v) for k, v in kwargs["data"].items() if v is not None]
        seen.update(method=method, url=url, form=urlencode(data), headers=kwargs["headers"])
        return Answer()

    requests.Session.request = capture
    client = Vonage(Auth(api_key=request["api_key"], api_secret=request["api_secret"]))
    extra = {"type": request["type"]} if request.get("type") else {}
    client.sms.send(SmsMessage(to=request["to"], from_=request["from"], text=request["text"], client_ref=request["client_ref"], **extra))
    return seen


def twilio(request):
    from twilio.request_validator import RequestValidator
    params = MultiDict(request["params"])
    return {"signature": RequestValidator(request["token"]).compute_signature(request["url"], params)}


def vonage(request):
    params = dict(request["params"])
    if request["method"] == "md5hash":
        # Only the v3 SDK has the legacy "MD5 hash" method; it lives in its own virtualenv.
        v3 = os.environ["VONAGE_V3_PYTHON"]
        code = (
            "import json,sys,vonage\n"
            "r=json.load(sys.stdin)\n"
            "c=vonage.Client(key='k', signature_secret=r['secret'])\n"
            "print(c.signature(dict(r['params'])))\n"
        )
        out = subprocess.run([v3, "-c", code], input=json.dumps(request), capture_output=True, text=True, check=True)
        return {"sig": out.stdout.strip()}
    from vonage_http_client.auth import Auth
    auth = Auth(api_key="k", signature_secret=request["secret"], signature_method=request["method"])
    return {"sig": auth.sign_params(params)}


def standardwebhooks(request):
    from standardwebhooks.webhooks import Webhook
    when = datetime.fromtimestamp(request["timestamp"], tz=timezone.utc)
    return {"signature": Webhook(request["secret"]).sign(request["id"], when, request["body"])}


SCHEMES = {"twilio": twilio, "twilio_send": twilio_send, "twilio_call": twilio_call, "vonage_send": vonage_send, "vonage": vonage, "standardwebhooks": standardwebhooks}

for line in sys.stdin:
    if line.strip():
        request = json.loads(line)
        print(json.dumps(SCHEMES[request["scheme"]](request)), flush=True)
