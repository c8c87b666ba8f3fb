#!/usr/bin/env python3
"""Writes Fuzz/seeds/<target>/ from the golden files, so each fuzz target starts from real
inputs: raw mail for MIME, the providers' request bodies for the SMS and Discourse parsers,
exec lines, configs, replies. Run it again when goldens are added; the seeds are checked in."""
import hashlib
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
seeds = root / "Fuzz" / "seeds"
tests = root / "Tests"
SEP = re.compile(r"^-{10}$", re.M)


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = seeds / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def sections(path):
    return SEP.split(path.read_text(encoding="utf-8", errors="surrogateescape"))


def request_body(section):
    head, _, body = section.lstrip("\n").partition("\n\n")
    return body.rstrip("\n")


for path in sorted((tests / "IMAPAdapterTests/Fixtures/mime").glob("*.txt")):
    put("mime", sections(path)[0].lstrip("\n").encode("utf-8", "surrogateescape"))
for path in sorted((tests / "SMSAdapterTests/Fixtures/sms").glob("*.txt")):
    parts = sections(path)
    if len(parts) < 2:
        continue
    body = request_body(parts[1])
    target = "twilio" if path.name.startswith("twilio") else "vonage" if path.name.startswith("vonage") else "generic-sms"
    put(target, body)
    put("form" if "=" in body and not body.startswith("{") else "json", body)
for path in sorted((tests / "DiscourseAdapterTests/Fixtures/discourse").glob("*.txt")):
    parts = sections(path)
    if len(parts) >= 2:
        body = request_body(parts[1])
        put("discourse", body)
        put("json", body)
for line in (tests / "ExecAdapterTests/Fixtures/plugin-lines.jsonl").read_text().splitlines():
    put("exec-line", line + "\n")
    put("json", line)
for path in sorted((tests / "ListeningPostCoreTests/Fixtures/config").glob("*.txt")):
    put("config", sections(path)[0])
put("config", (root / "channels.yaml").read_text())
for name in ["reply-scores.txt", "confirmation-replies.txt"]:
    for line in (tests / "ListeningPostCoreTests/Fixtures" / name).read_text().splitlines():
        if " | " in line and not line.startswith("#"):
            put("reply-score", line.split(" | ", 1)[1].replace("\\n", "\n"))
for text in re.findall(r'text: "([^"]*)"', (root / "channels.yaml").read_text() + (tests / "ListeningPostCoreTests/Fixtures/config/templates.txt").read_text()):
    put("template", text)
for response in [
    "* OK [CAPABILITY IMAP4rev1 IDLE] Dovecot ready.\r\n",
    "* 3 EXISTS\r\n",
    "* OK [UIDVALIDITY 1795000000] UIDs valid\r\n",
    "* 1 FETCH (UID 7 RFC822.SIZE 11 FLAGS (\\Seen $Forwarded) BODY[] {12}\r\nHello\r\nWorld)\r\n",
    '* 2 FETCH (UID 8 BODY[HEADER.FIELDS (SUBJECT)] {0}\r\n INTERNALDATE "23-Nov-2026 09:15:02 +0000")\r\n',
    "A1 OK [READ-WRITE] SELECT completed\r\n",
]:
    put("imap-response", response)
for path in sorted((root / "docs/examples").glob("*.json")):
    put("json", path.read_bytes())
