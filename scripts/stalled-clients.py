#!/usr/bin/env python3
"""Opens N connections that each send half a request header and then nothing (slowloris),
and reports when the server closed each: {"opened", "closed", "refused", "slowest"}, where
`refused` counts those closed within 0.5 s (over a connection limit) and `slowest` is the
seconds until the last was closed. Used by the gateway's idle-timeout test."""
import json
import resource
import selectors
import socket
import sys
import time

host, port, count, wait = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, count + 256)), hard))

selector = selectors.DefaultSelector()
opened_at = {}
for _ in range(count):
    sock = socket.create_connection((host, port))
    sock.setblocking(False)
    try:
        sock.send(b"POST /hooks/stall HTTP/1.1\r\nHost: x\r\nContent-Le")
    except OSError:
        pass
    selector.register(sock, selectors.EVENT_READ)
    opened_at[sock] = time.monotonic()
print(json.dumps({"event": "opened", "count": count}), flush=True)

closed, refused, slowest = 0, 0, 0.0
deadline = time.monotonic() + wait
while opened_at and time.monotonic() < deadline:
    for key, _ in selector.select(timeout=0.1):
        sock = key.fileobj
        try:
            data = sock.recv(4096)
        except (ConnectionResetError, OSError):
            data = b""
        if data:
            continue  # an answer (a 408 or 503); the close follows
        elapsed = time.monotonic() - opened_at.pop(sock)
        selector.unregister(sock)
        sock.close()
        closed += 1
        if elapsed < 0.5:
            refused += 1
        slowest = max(slowest, elapsed)
print(json.dumps({"event": "done", "opened": count, "closed": closed, "refused": refused, "slowest": round(slowest, 2)}), flush=True)
