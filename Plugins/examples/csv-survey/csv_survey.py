#!/usr/bin/env python3
"""Tails a CSV export of NPS survey answers and hands each new row to ListeningPost.

An exec plugin (docs/exec-protocol.md): rows go out as JSON lines on stdout; acks and
errors come back on stdin. The checkpoint is "<inode>:<byte offset after the last row
sent>", so after any restart (of this plugin or of the gateway) it resumes right after
the last row the gateway committed; rows sent but not committed are sent again and the
gateway's dedup (on response_id) stores them once.

Columns (a header row names them; extra columns go to metadata):
  response_id, submitted_at, email, phone, score, reason

    channels:
      - id: nps-export
        type: exec
        command: python3
        args: [Plugins/examples/csv-survey/csv_survey.py, --file, exports/nps.csv]
"""
import argparse
import csv
import io
import json
import os
import sys
import threading
import time

BATCH = 200  # rows per write; the gateway commits each read in one transaction


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", required=True, help="the CSV export to tail")
    parser.add_argument("--poll", type=float, default=1.0, help="seconds between looks for new rows")
    args = parser.parse_args()

    threading.Thread(target=read_replies, daemon=True).start()
    inode, offset = parse_checkpoint(os.environ.get("LISTENING_POST_CHECKPOINT"))
    header = None
    while True:
        try:
            stat = os.stat(args.file)
        except FileNotFoundError:
            time.sleep(args.poll)
            continue
        if stat.st_ino != inode or stat.st_size < offset:
            # A new or truncated export: read it from the top; dedup drops rows already stored.
            inode, offset, header = stat.st_ino, 0, None
        with open(args.file, "rb") as export:
            if header is None:
                header_line = export.readline()
                if not header_line.endswith(b"\n"):
                    time.sleep(args.poll)
                    continue
                header = next(csv.reader([header_line.decode("utf-8-sig")]))
                if offset == 0:
                    offset = len(header_line)
                    emit({"v": 1, "type": "checkpoint", "checkpoint": f"{inode}:{offset}"})
            export.seek(offset)
            offset = send_rows(export, offset, inode, header)
        time.sleep(args.poll)


def send_rows(export, offset, inode, header):
    """Sends every complete row after offset; returns the offset after the last one sent."""
    lines = []
    out = []
    for raw in export:
        if not raw.endswith(b"\n"):
            break  # a row still being written: wait for its newline
        lines.append(raw)
        record = b"".join(lines)
        if record.count(b'"') % 2:
            continue  # a quoted field spans lines
        lines = []
        offset += len(record)
        row = next(csv.reader(io.StringIO(record.decode("utf-8", errors="replace"))), [])
        out.append(message(row, header, f"{inode}:{offset}"))
        if len(out) >= BATCH:
            emit_all(out)
            out = []
    emit_all(out)
    return offset


def message(row, header, checkpoint):
    if not any(cell.strip() for cell in row):
        return {"v": 1, "type": "checkpoint", "checkpoint": checkpoint}
    fields = dict(zip(header, row))
    response_id = fields.pop("response_id", "").strip() or f"offset:{checkpoint}"
    event = {
        "v": 1,
        "type": "message",
        "ref": response_id,
        "dedupKey": response_id,
        "text": fields.pop("reason", ""),
        "checkpoint": checkpoint,
        "metadata": {"survey": {"question": "How likely are you to recommend us?"}},
    }
    author = {}
    for key in ("email", "phone"):
        value = fields.pop(key, "").strip()
        if value:
            author[key] = value
    if author:
        event["author"] = author
    submitted = fields.pop("submitted_at", "").strip()
    if submitted:
        event["occurredAt"] = submitted
    score = fields.pop("score", "").strip()
    if score.isdigit() and 0 <= int(score) <= 10:
        event["score"] = int(score)
    elif score:
        event["metadata"]["survey"]["rawScore"] = score
    extra = {key: value for key, value in fields.items() if key and value}
    if extra:
        event["metadata"]["survey"]["columns"] = extra
    return event


def emit(line):
    emit_all([line])


def emit_all(lines):
    if lines:
        sys.stdout.write("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
        sys.stdout.flush()


def read_replies():
    """Acks need no action here (the checkpoint does the remembering); errors are worth a
    line in the gateway's log. When stdin ends the gateway has gone, and so do we."""
    for line in sys.stdin:
        try:
            reply = json.loads(line)
        except ValueError:
            continue
        if reply.get("type") == "error":
            print(f"row {reply.get('ref')} refused: {reply.get('error')}", file=sys.stderr, flush=True)
    os._exit(0)


def parse_checkpoint(token):
    try:
        inode, offset = token.split(":")
        return int(inode), int(offset)
    except (AttributeError, ValueError):
        return None, 0


if __name__ == "__main__":
    try:
        main()
    except (BrokenPipeError, KeyboardInterrupt):
        os._exit(0)
