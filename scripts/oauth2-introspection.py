#!/usr/bin/env python3
"""A tiny OAuth 2.0 token introspection endpoint (RFC 7662) for the Dovecot test fixture.

Dovecot's oauth2 passdb POSTs `token=<access token>`; this answers
{"active": true, "username": <user>} for a token listed in TOKENS_FILE ("<token> <user>"
per line, re-read on every request so tests can grant and revoke), else {"active": false}.

    oauth2-introspection.py TOKENS_FILE PORT
"""
import http.server
import json
import sys
import urllib.parse

tokens_file, port = sys.argv[1], int(sys.argv[2])


class Introspection(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        token = urllib.parse.parse_qs(body).get("token", [""])[0]
        user = None
        try:
            with open(tokens_file) as tokens:
                for line in tokens:
                    parts = line.split()
                    if len(parts) == 2 and parts[0] == token:
                        user = parts[1]
        except FileNotFoundError:
            pass
        reply = json.dumps({"active": True, "username": user} if user else {"active": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Introspection).serve_forever()
