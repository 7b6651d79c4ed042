#!/usr/bin/env python3
"""Hostile clients for xcloud-agent serve, shared by tests/e2e and bench/.

Each attack is a subcommand printing one JSON object; an agent's memory is read
from /proc/PID/status. Run with --help for the list.
"""
import argparse
import http.client
import json
import socket
import ssl
import statistics
import subprocess
import threading
import time
import zlib


def tls_context(args, with_cert=True):
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.check_hostname = False
    if with_cert:
        ctx.load_cert_chain(args.cert, args.key)
    return ctx


def memory(pid):
    """VmHWM (peak resident) and private (RssAnon) memory of pid, in MB."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS", "RssAnon"):
                fields[name] = int(value.split()[0]) / 1024
    return {"peak_mb": round(fields["VmHWM"], 1), "rss_mb": round(fields["VmRSS"], 1),
            "private_mb": round(fields.get("RssAnon", 0), 1)}


def client_hello():
    """The bytes of a real TLS ClientHello, made by Python's ssl without a socket."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="agent")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def post(args, body, headers=None, timeout=10.0, source="127.0.0.1"):
    """POST /v1/rpc with the controller's certificate: (status, reply, seconds)."""
    start = time.monotonic()
    conn = http.client.HTTPSConnection("127.0.0.1", args.port, context=tls_context(args),
                                       timeout=timeout, source_address=(source, 0))
    try:
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        chunked = not isinstance(body, (bytes, str))
        conn.request("POST", "/v1/rpc", body=body, headers=all_headers, encode_chunked=chunked)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), time.monotonic() - start
    except (OSError, http.client.HTTPException) as e:
        return None, f"{type(e).__name__}: {e}", time.monotonic() - start
    finally:
        conn.close()


FACTS = b'{"id":1,"method":"host.facts"}'


class Drippers:
    """n connections from `source` that send a ClientHello one byte per
    `interval` seconds (or nothing at all with idle=True) until stopped."""

    def __init__(self, port, n, source, idle=False, interval=1.0):
        self.stop_event = threading.Event()
        self.open = 0
        self.socks = []
        for _ in range(n):
            s = socket.socket()
            s.bind((source, 0))
            s.connect(("127.0.0.1", port))
            self.socks.append(s)
            time.sleep(0.01)  # within the agent's accept backlog, so each one reaches it
        self.thread = None
        if not idle:
            self.thread = threading.Thread(target=self._drip, args=(interval,), daemon=True)
            self.thread.start()

    def _drip(self, interval):
        hello = client_hello()
        for i in range(len(hello)):
            for s in self.socks:
                try:
                    s.send(hello[i:i + 1])
                except OSError:
                    pass
            if self.stop_event.wait(interval):
                return

    def still_open(self):
        """How many of the connections the agent has not closed."""
        count = 0
        for s in self.socks:
            s.setblocking(False)
            try:
                data = s.recv(1, socket.MSG_PEEK)
                count += 0 if data == b"" else 1
            except BlockingIOError:
                count += 1
            except OSError:
                pass
        return count

    def stop(self):
        self.stop_event.set()
        if self.thread:
            self.thread.join()
        for s in self.socks:
            s.close()


def cmd_slowloris(args):
    """Legitimate requests while `connections` drip ClientHellos from 127.0.0.2."""
    drip = Drippers(args.port, args.connections, "127.0.0.2", idle=args.idle)
    time.sleep(args.settle)
    results = [post(args, FACTS, timeout=args.timeout) for _ in range(args.requests)]
    open_before = drip.still_open()
    if args.hold:
        time.sleep(args.hold)
    result = {"statuses": [r[0] for r in results],
              "seconds": [round(r[2], 4) for r in results],
              "median_seconds": round(statistics.median(r[2] for r in results), 4),
              "attack_open_during_requests": open_before,
              "attack_open_after_hold": drip.still_open()}
    drip.stop()
    return result


def cmd_drip(args):
    """Only the attack, for `seconds` (so that a client measured elsewhere shares no process)."""
    drip = Drippers(args.port, args.connections, "127.0.0.2", idle=args.idle)
    time.sleep(args.seconds)
    result = {"attack_open_at_end": drip.still_open()}
    drip.stop()
    return result


def cmd_quiet(args):
    results = [post(args, FACTS, timeout=args.timeout) for _ in range(args.requests)]
    return {"statuses": [r[0] for r in results],
            "median_seconds": round(statistics.median(r[2] for r in results), 4)}


def chunks(total, size=1 << 16):
    block = b" " * size
    sent = 0
    while sent < total:
        yield block
        sent += size


def gzip_bomb(mb):
    """A gzip stream of about mb KB that inflates to mb MB of '[' (nested JSON)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"[" * (1 << 20)
    return b"".join(packer.compress(block) for _ in range(mb)) + packer.flush()


def cmd_body(args):
    """One hostile body; prints the answer (status None if the agent hung up)."""
    if args.kind == "chunked":  # 200 MB of whitespace, chunked
        status, reply, secs = post(args, chunks(args.mb << 20))
    elif args.kind == "gzip":  # a small gzip body that inflates to mb MB
        status, reply, secs = post(args, gzip_bomb(args.mb), {"Content-Encoding": "gzip"})
    elif args.kind == "nested":  # mb MB of '[' (deeper than any limit)
        status, reply, secs = post(args, b"[" * (args.mb << 20))
    elif args.kind == "nested-small":  # 100 KB of '[': within the size limit
        status, reply, secs = post(args, b"[" * 100_000)
    elif args.kind == "flat":  # mb MB of a flat array of zeros
        status, reply, secs = post(args, b"[" + b"0," * ((args.mb << 20) // 2) + b"0]")
    elif args.kind == "utf8":
        status, reply, secs = post(args, b'{"id":1,"method":"host.facts\xff"}')
    else:
        raise SystemExit(f"unknown body kind {args.kind}")
    return {"status": status, "reply": reply[:300], "seconds": round(secs, 3)}


def cmd_stdio(args):
    """`xcloud-agent rpc` fed one hostile line, then a legitimate one."""
    hostile = {"nested": b"[" * (args.mb << 20), "utf8": b'{"id":1,"method":"a\xff"}',
               "deep-small": b"[" * 100_000}[args.kind]
    # GNU time reports the agent's own peak; a child forked from this process
    # would count the input held here too.
    run = subprocess.run(["/usr/bin/time", "-f", "%M", args.agent, "rpc", "--config", args.config],
                         input=hostile + b"\n" + FACTS + b"\n", capture_output=True, timeout=120)
    replies = [json.loads(line) for line in run.stdout.decode().splitlines()]
    peak = int(run.stderr.decode().split()[-1]) / 1024
    return {"exit": run.returncode, "replies": [json.dumps(r)[:200] for r in replies],
            "errors": [r.get("error", {}).get("message") for r in replies],
            "peak_mb": round(peak, 1)}


def cmd_memory(args):
    return memory(args.pid)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int)
    parser.add_argument("--ca")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--pid", type=int)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("slowloris")
    s.add_argument("--connections", type=int, default=40)
    s.add_argument("--idle", action="store_true", help="send nothing instead of dripping")
    s.add_argument("--requests", type=int, default=5)
    s.add_argument("--settle", type=float, default=2.0)
    s.add_argument("--hold", type=float, default=0.0)
    s.add_argument("--timeout", type=float, default=10.0)
    s.set_defaults(run=cmd_slowloris)
    d = sub.add_parser("drip")
    d.add_argument("--connections", type=int, default=40)
    d.add_argument("--idle", action="store_true")
    d.add_argument("--seconds", type=float, default=60)
    d.set_defaults(run=cmd_drip)
    q = sub.add_parser("quiet")
    q.add_argument("--requests", type=int, default=20)
    q.add_argument("--timeout", type=float, default=10.0)
    q.set_defaults(run=cmd_quiet)
    b = sub.add_parser("body")
    b.add_argument("kind")
    b.add_argument("--mb", type=int, default=200)
    b.set_defaults(run=cmd_body)
    r = sub.add_parser("stdio")
    r.add_argument("kind")
    r.add_argument("--mb", type=int, default=16)
    r.add_argument("--agent", required=True)
    r.add_argument("--config", required=True)
    r.set_defaults(run=cmd_stdio)
    m = sub.add_parser("memory")
    m.set_defaults(run=cmd_memory)
    args = parser.parse_args()
    result = args.run(args)
    if args.pid and args.command != "memory":
        result["agent"] = memory(args.pid)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
