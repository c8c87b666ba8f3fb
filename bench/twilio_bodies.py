#!/usr/bin/env python3
"""Pre-signs Twilio inbound-SMS form bodies for bench/twilio.lua, one per line:
`<X-Twilio-Signature>\t<form body>`, each with its own MessageSid so none is a duplicate.
Usage: twilio_bodies.py URL AUTH_TOKEN COUNT > file. Standard library only; the signature
is Twilio's documented scheme (the interop tests pin it to Twilio's SDK)."""
import base64, hashlib, hmac, sys, urllib.parse

url, token, count = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
out = sys.stdout
for n in range(count):
    sid = "SM%032x" % n
    params = {
        "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "SAN FRANCISCO",
        "FromZip": "10001", "SmsSid": sid, "FromState": "NY", "SmsStatus": "received", "FromCity": "NEW YORK",
        "Body": "Thanks, the technician fixed it on the first visit. 9/10 would recommend.", "FromCountry": "US",
        "To": "+14155550100", "MessagingServiceSid": "MG0123456789abcdef0123456789abcdef", "ToZip": "94105",
        "NumSegments": "1", "MessageSid": sid, "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "From": "+1212555%04d" % (n % 10000), "ApiVersion": "2010-04-01",
    }
    signed = url + "".join(name + params[name] for name in sorted(params))
    signature = base64.b64encode(hmac.new(token, signed.encode(), hashlib.sha1).digest()).decode()
    out.write(signature + "\t" + urllib.parse.urlencode(params) + "\n")
