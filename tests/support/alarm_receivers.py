#!/usr/bin/python3
"""Receivers for alarm notifications in tests: an HTTP server (webhooks and
an SMS gateway) and a syslog listener (RFC 6587 octet-counted over TCP).

    alarm_receivers.py http KEY_FILE OUT.jsonl PORT_FILE [FLAKY]
        Appends one JSON line per POST: {"path", "signed", "status",
        "receivedMs", "headers", "body"}, where signed says whether
        X-Xcloud-Signature is "sm3=" + HMAC-SM3(key, body) in hex (the key is
        the file without one trailing newline). Answers 200, or 401 to a
        webhook (any path but /sms) badly signed; the first FLAKY POSTs to
        paths under /flaky/ are answered 503 (a receiver that is down).
    alarm_receivers.py syslog OUT.txt PORT_FILE
        Appends each message received (octet counting undone), one a line.

Each writes its port to PORT_FILE (by rename, so its presence means ready)
and runs until killed.
"""

import hmac
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def announce(port, port_file):
    with open(port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(port_file + ".tmp", port_file)


def serve_http(key_file, out, port_file, flaky="0"):
    flaky_left = [int(flaky)]
    key = open(key_file, "rb").read()
    if key.endswith(b"\n"):
        key = key[:-1]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            want = "sm3=" + hmac.new(key, body, "sm3").hexdigest()
            signed = hmac.compare_digest(self.headers.get("X-Xcloud-Signature", ""), want)
            status = 200 if signed or self.path == "/sms" else 401
            with lock, open(out, "a") as f:
                if self.path.startswith("/flaky/") and flaky_left[0] > 0:
                    flaky_left[0] -= 1
                    status = 503
                f.write(json.dumps({"path": self.path, "signed": signed, "status": status,
                                    "receivedMs": int(time.time() * 1000),
                                    "headers": {k: v for k, v in self.headers.items()
                                                if k.startswith("X-Xcloud")},
                                    "body": json.loads(body)}) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    announce(server.server_address[1], port_file)
    server.serve_forever()


def serve_syslog(out, port_file):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    announce(s.getsockname()[1], port_file)
    while True:
        c, _ = s.accept()
        data = b""
        while chunk := c.recv(65536):
            data += chunk
        c.close()
        while data:
            length, _, rest = data.partition(b" ")
            n = int(length)
            with open(out, "ab") as f:
                f.write(rest[:n] + b"\n")
            data = rest[n:]


if __name__ == "__main__":
    if sys.argv[1] == "http":
        serve_http(*sys.argv[2:6])
    else:
        serve_syslog(*sys.argv[2:4])
