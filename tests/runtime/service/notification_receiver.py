#!/usr/bin/env python3
"""A scripted HTTP receiver of notifications for the service's tests (python3 stdlib only).

It listens on 127.0.0.1 (a free port, written to the file given as the first argument) and
answers each POST to a path with the next response of that path's script (the last one is
repeated; 200 without a script). Every request is recorded with its arrival time, headers and
body; a webhook's Standard Webhooks signature is checked against the secret set for its path.

Control (JSON):
  POST /_control/script  {"path": "/hook", "responses": [{"status": 500}, {"status": 429,
                          "retry_after": 2}, {"status": 200, "delay_ms": 3000}], "secret": "whsec_..."}
  GET  /_control/received  → [{"path", "at", "headers", "body", "status", "signature_ok"}]
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
scripts = {}   # path -> list of responses
secrets = {}   # path -> Standard Webhooks secret
received = []


def signature_ok(secret, headers, body):
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    given = headers.get("webhook-signature", "")
    key = base64.b64decode(secret[len("whsec_"):]) if secret.startswith("whsec_") else secret.encode()
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    try:
        fresh = abs(time.time() - int(timestamp)) < 300
    except ValueError:
        fresh = False
    return fresh and any(hmac.compare_digest(expected, s) for s in given.split(" "))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The status line and headers go out in one write, the body in another: without TCP_NODELAY,
    # Nagle's algorithm holds the body until the client's delayed ACK (40 ms per request).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_control/received":
            with lock:
                body = json.dumps(received).encode()
            return self.answer(200, body, {"Content-Type": "application/json"})
        self.answer(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/_control/script":
            order = json.loads(body)
            with lock:
                scripts[order["path"]] = list(order.get("responses", []))
                if "secret" in order:
                    secrets[order["path"]] = order["secret"]
            return self.answer(200, b"{}")
        with lock:
            script = scripts.get(self.path, [])
            response = script.pop(0) if len(script) > 1 else (script[0] if script else {"status": 200})
            secret = secrets.get(self.path)
        # Recorded as it arrives, before a scripted delay: a test sees a request its sender still waits on.
        record = {
            "path": self.path,
            "at": time.time(),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
            "status": response.get("status", 200),
            "signature_ok": signature_ok(secret, self.headers, body) if secret else None,
        }
        with lock:
            received.append(record)
        delay = response.get("delay_ms", 0)
        if delay:
            time.sleep(delay / 1000)
        headers = {"Content-Type": "application/json"}
        if "retry_after" in response:
            headers["Retry-After"] = str(response["retry_after"])
        self.answer(response.get("status", 200), b"{}", headers)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
