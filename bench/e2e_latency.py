#!/usr/bin/env python3
"""End-to-end latency: webhook POST -> event seen by an SSE subscriber, at a fixed rate.

Two processes (so neither's scheduling skews the other): `receive` follows the SSE stream
and, for each event, subtracts the send time carried in the payload from its arrival
time; `send` POSTs at a fixed rate over keep-alive connections. Prints p50/p99 in ms.
Standard library only.
"""
import asyncio, json, os, statistics, sys, time

HOST = "127.0.0.1"


async def send(port, path, rate, seconds, connections=8):
    interval = connections / rate
    total = int(rate * seconds)
    per_connection = total // connections
    run_tag = os.urandom(4).hex()

    async def worker(index):
        reader, writer = await asyncio.open_connection(HOST, port)
        start = time.perf_counter() + index * (1 / rate)
        for n in range(per_connection):
            target = start + n * interval
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            body = json.dumps({"id": f"e2e-{run_tag}-{index}-{n}", "text": "latency probe",
                               "sent_ns": time.time_ns()}).encode()
            writer.write(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 202"):
                print("unexpected answer:", head[:40], file=sys.stderr)
        writer.close()

    await asyncio.gather(*(worker(i) for i in range(connections)))
    return per_connection * connections


async def receive(port, stream, expected, timeout):
    reader, writer = await asyncio.open_connection(HOST, port)
    token = os.environ.get("LISTENING_POST_TOKEN", "")
    writer.write(f"GET /v1/streams/{stream}/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                 f"Authorization: Bearer {token}\r\n\r\n".encode())
    await writer.drain()
    await reader.readuntil(b"\r\n\r\n")
    print("ready", flush=True)
    latencies = []
    deadline = time.monotonic() + timeout
    while len(latencies) < expected and time.monotonic() < deadline:
        try:
            line = await asyncio.wait_for(reader.readline(), max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        # Chunked framing lines and SSE fields arrive interleaved; only data lines matter.
        if line.startswith(b"data: "):
            now = time.time_ns()
            event = json.loads(line[6:])
            sent = event["data"]["metadata"]["payload"].get("sent_ns")
            if sent:
                latencies.append((now - sent) / 1e6)
    writer.close()
    return latencies


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "send":
        rate, seconds = float(sys.argv[3]), float(sys.argv[4])
        sent = asyncio.run(send(port, sys.argv[5], rate, seconds))
        print(f"sent {sent}")
    else:
        expected, timeout = int(sys.argv[3]), float(sys.argv[4])
        latencies = asyncio.run(receive(port, sys.argv[5], expected, timeout))
        if not latencies:
            print("no events received"); sys.exit(1)
        latencies.sort()
        q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))]
        print(f"events {len(latencies)}/{expected}  p50 {q(0.50):.2f} ms  p99 {q(0.99):.2f} ms  max {latencies[-1]:.2f} ms")


if __name__ == "__main__":
    main()
