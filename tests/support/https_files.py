#!/usr/bin/python3
"""A static file server over HTTPS for tests (image import from a URL).

    https_files.py DIR CERT KEY PORT_FILE
        Serves DIR's files by GET with Content-Length, over TLS with CERT and
        KEY. A path ending in "/nolength" serves the file named before it
        without Content-Length (closing the connection at its end), so a
        client's size limit is tested on bytes, not on a header. A path
        ending in "/stall" sends the named file's first 256 KiB and then
        nothing more for a minute (a download to interrupt).

Writes its port to PORT_FILE (by rename, so its presence means ready) and
runs until killed.
"""

import os
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main(root, cert, key, port_file):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            path = self.path.split("?")[0].lstrip("/")
            length, stall = True, False
            if path.endswith("/nolength"):
                path, length = path[: -len("/nolength")], False
            if path.endswith("/stall"):
                path, stall = path[: -len("/stall")], True
            name = os.path.basename(path)
            full = os.path.join(root, name)
            if not name or not os.path.isfile(full):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if length:
                self.send_header("Content-Length", str(os.path.getsize(full)))
            self.end_headers()
            if stall:
                with open(full, "rb") as f:
                    self.wfile.write(f.read(256 << 10))
                self.wfile.flush()
                time.sleep(60)
                return
            with open(full, "rb") as f:
                while True:
                    block = f.read(1 << 16)
                    if not block:
                        break
                    try:
                        self.wfile.write(block)
                    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                        return

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:5])
