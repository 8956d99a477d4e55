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
"""
import argparse
import hashlib
import hmac
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verdict(secret, headers, body):
    header = headers.get("TWS-Signature")
    if not header:
        return "missing"
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    ts, v1 = parts.get("t"), parts.get("v1")
    if not ts or not v1 or ts != headers.get("TWS-Webhook-Timestamp"):
        return "invalid"
    expected = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, v1):
        return "invalid"
    if abs(time.time() - int(ts)) > ARGS.tolerance:
        return "stale"
    return "valid"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # http.server writes the status line and each header in small unbuffered sends; with Nagle on, the sender's delayed
    # ACK held every answer about 40 ms, which capped one keep-alive subscription at ~22 deliveries/s.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__mode":
            with LOCK:
                STATE["mode"] = body.decode().strip()
            self.answer(204)
        else:
            self.answer(404)

    def do_POST(self):
        received = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with LOCK:
            mode = STATE["mode"]
        status = 500 if mode == "500" else 200
        line = {
            "path": self.path,
            "headers": {k: v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "receivedAt": received,
            "signature": verdict(ARGS.secret, self.headers, body),
            "answered": status,
            "mode": mode,
        }
        if mode.startswith("slow"):
            time.sleep(float(mode.split()[1]))
            line["answeredAt"] = time.time()
        with LOCK:
            with open(ARGS.out, "a") as out:
                out.write(json.dumps(line) + "\n")
        self.answer(status, b"boom" if status == 500 else b"ok")

    def answer(self, status, body=b""):
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the sender gave up (its timeout)


def main():
    global ARGS
    # A test runner may start us with SIGTERM ignored (inherited): stopping must work.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", default="ok")
    parser.add_argument("--tolerance", type=float, default=300)
    ARGS = parser.parse_args()
    STATE["mode"] = ARGS.mode
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


ARGS = None
LOCK = threading.Lock()
STATE = {"mode": "ok"}

if __name__ == "__main__":
    main()
