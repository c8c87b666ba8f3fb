#!/usr/bin/env python3
"""Sends the outbox's messages by dropping each into a spool file another system mails.

An exec plugin that sends (exec protocol v2, docs/exec-protocol.md): with `send: true` the
gateway says hello with "v": 2 and writes one `send` line per message on stdin; this
answers each with `sent` (its line number in the spool as the provider id) once the line
is on disk (fsync), or with `send_failed` when the message has no email address to go to.
It reads nothing in, so it writes no message lines.

The gateway's outbox id travels in each spooled line, so whatever reads the spool can
drop a line it has seen (the outbox sends a message to a plugin at most once per
queueing, but a plugin that crashes after writing and before answering leaves its
message "in doubt" for an operator to re-drive).

    channels:
      - id: mail-drop
        type: exec
        command: python3
        args: [Plugins/examples/mail-drop/mail_drop.py, --spool, spool/outbox.jsonl]
        send: true
"""
import argparse
import json
import os
import sys


def answer(line):
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spool", required=True, help="file each message is appended to, one JSON object a line")
    args = parser.parse_args()

    hello = json.loads(sys.stdin.readline() or "{}")
    if hello.get("type") != "hello" or not hello.get("send"):
        print("expected a hello with send: true (set send: true on the channel)", file=sys.stderr)
        return 1
    with open(args.spool, "a", encoding="utf-8") as spool:
        count = sum(1 for _ in open(args.spool, encoding="utf-8"))
        for raw in sys.stdin:
            line = json.loads(raw)
            if line.get("type") != "send":
                continue  # acks and errors: this plugin sends no message lines
            email = line.get("to", {}).get("email")
            if not email:
                answer({"v": 2, "type": "send_failed", "id": line["id"], "error": "no email address to send to", "retryable": False})
                continue
            record = {"id": line["id"], "to": email, "subject": line.get("subject"), "text": line["text"]}
            spool.write(json.dumps(record, ensure_ascii=False) + "\n")
            spool.flush()
            os.fsync(spool.fileno())
            count += 1
            answer({"v": 2, "type": "sent", "id": line["id"], "providerId": f"spool-{count}"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
