#!/usr/bin/python3
"""A real SMTP server for the tests: Debian's aiosmtpd on loopback, with STARTTLS required
and AUTH PLAIN/LOGIN required after it. Every accepted message is written to
<spool>/<n>.eml (the bytes as received) with <spool>/<n>.json (envelope and login).

Some recipients behave as a real server might:
  reject@...  -> 550 at RCPT (permanent)
  later@...   -> 451 at RCPT the first time, then accepted (temporary)

Usage: smtp-fixture.py PORT SPOOL CERT KEY USER PASSWORD   (prints "ready" once listening)
"""
import json
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword, SMTP

port, spool, cert, key, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
os.makedirs(spool, exist_ok=True)
deferred = set()


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local == "reject":
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local == "later" and address not in deferred:
            deferred.add(address)
            return "451 4.7.1 <%s>: Recipient address rejected: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        count = len([name for name in os.listdir(spool) if name.endswith(".eml")]) + 1
        with open(os.path.join(spool, "%d.eml" % count), "wb") as out:
            out.write(envelope.original_content or envelope.content)
        with open(os.path.join(spool, "%d.json" % count), "w") as out:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "login": session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data,
                       "tls": session.ssl is not None}, out)
        return "250 2.0.0 Ok: queued as Q%05d" % count


def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password:
        return AuthResult(success=True, auth_data=auth_data.login)
    return AuthResult(success=False, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)


class Fixture(Controller):
    def factory(self):
        return SMTP(self.handler, require_starttls=True, tls_context=context, auth_required=True,
                    auth_require_tls=True, authenticator=authenticator, decode_data=False, hostname="smtp.test")


controller = Fixture(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
try:
    sys.stdin.read()  # until the test closes our stdin (or exits)
finally:
    controller.stop()
