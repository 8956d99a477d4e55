#!/usr/bin/env python3
"""A webhook receiver for tests and the bench (issue 19): Python 3 standard library only.

Listens on 127.0.0.1 (port 0 unless --port), prints the port on its first line of stdout, and appends one JSON line
per POST to --out: {"path", "headers", "body", "receivedAt", "signature": "valid"|"invalid"|"missing"|"stale"}.
The signature is checked independently of the server with `hmac`: TWS-Signature is `t=<ts>,v1=<hex>` where
hex = HMAC-SHA256(secret, "<ts>.<body>"), and t must match TWS-Webhook-Timestamp and be within --tolerance seconds.

Modes (--mode, or at run time with `PUT /__mode` and the mode as body, not recorded):
  ok        answer 200
  500       answer 500 (the request is still recorded, with "answered": 500)
  slow N    wait N seconds, then answer 200
A receiver that is "down" is simply stopped; start it again with --port to come back on the same port.

HTTP/1.1 with keep-alive over asyncio streams (one process, no thread per connection): the bench posts thousands of
deliveries a second to it, and the receiver must cost less than the server it measures. Bodies need Content-Length.
"""
import argparse
import asyncio
import hashlib
import hmac
import json
import signal
import socket
import time

REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           411: "Length Required", 500: "Internal Server Error"}


def verdict(secret, headers, body):
    header = headers.get("tws-signature")
    if not header:
        return "missing"
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    ts, v1 = parts.get("t"), parts.get("v1")
    if not ts or not v1 or ts != headers.get("tws-webhook-timestamp"):
        return "invalid"
    expected = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, v1):
        return "invalid"
    if abs(time.time() - int(ts)) > ARGS.tolerance:
        return "stale"
    return "valid"


def answer(writer, status, body=b"", close=False):
    writer.write(f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}\r\nContent-Length: {len(body)}\r\n"
                 f"{'Connection: close' + chr(13) + chr(10) if close else ''}\r\n".encode() + body)


async def serve(reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            received = time.time()
            lines = head.decode("latin-1").split("\r\n")
            try:
                method, path, _ = lines[0].split(" ", 2)
            except ValueError:
                answer(writer, 400, close=True)
                return
            headers, as_sent = {}, {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
                    as_sent[name.strip()] = value.strip()
            close = headers.get("connection", "").lower() == "close"
            if "content-length" not in headers and method in ("POST", "PUT"):
                answer(writer, 411, close=True)
                return
            body = await reader.readexactly(int(headers.get("content-length") or 0))
            if method == "PUT" and path == "/__mode":
                STATE["mode"] = body.decode().strip()
                answer(writer, 204, close=close)
            elif method != "POST":
                answer(writer, 405 if path != "/__mode" else 404, close=close)
            else:
                mode = STATE["mode"]
                status = 500 if mode == "500" else 200
                line = {
                    "path": path,
                    "headers": as_sent,
                    "body": body.decode("utf-8", "replace"),
                    "receivedAt": received,
                    "signature": verdict(ARGS.secret, headers, body),
                    "answered": status,
                    "mode": mode,
                }
                if mode.startswith("slow"):
                    await asyncio.sleep(float(mode.split()[1]))
                    line["answeredAt"] = time.time()
                OUT.write(json.dumps(line) + "\n")
                OUT.flush()
                answer(writer, status, b"boom" if status == 500 else b"ok", close=close)
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        pass  # the sender gave up (its timeout)
    finally:
        writer.close()


async def main():
    global ARGS, OUT
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", default="ok")
    parser.add_argument("--tolerance", type=float, default=300)
    ARGS = parser.parse_args()
    STATE["mode"] = ARGS.mode
    OUT = open(ARGS.out, "a")
    server = await asyncio.start_server(serve, "127.0.0.1", ARGS.port, reuse_address=True, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


ARGS = None
OUT = None
STATE = {"mode": "ok"}

if __name__ == "__main__":
    # A test runner may start us with SIGTERM ignored (inherited): stopping must work.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    asyncio.run(main())
