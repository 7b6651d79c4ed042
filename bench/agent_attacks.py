#!/usr/bin/env python3
"""Issue 12's agent figures: a real `xcloud-agent serve` with real certificates
(from xcloudctl) on libvirt's test:///default, attacked as the issue describes.

For each attack a fresh agent first takes a normal load (host.facts and
domains.list, 4 keep-alive connections and 16 fresh ones), then the attack;
its peak (VmHWM) and private (RssAnon) memory are read from /proc after each.
Then legitimate request latency (a new TLS connection each) quiet and during
a 40-connection slowloris from another address.
Targets: peak under each attack <= 2x the peak under normal load; latency
during the slowloris <= 2x the quiet median.

    bench/agent_attacks.py                  # binaries from ./build
    BUILD=/path/to/build bench/agent_attacks.py
    XCLOUD_AGENT=/old/xcloud-agent SKIP_LATENCY=1 bench/agent_attacks.py   # memory only

Prints a Markdown table; exit 0 when every target is met, 1 when one is missed.
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
import agent_attacks as attacks  # noqa: E402

BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
AGENT = os.environ.get("XCLOUD_AGENT", os.path.join(BUILD, "agent", "xcloud-agent"))
XCLOUDCTL = os.environ.get("XCLOUDCTL", os.path.join(BUILD, "ctl", "xcloudctl"))


class Args:
    pass


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def setup(work):
    state = os.path.join(work, "state", "state.db")
    port = free_port()
    for cmd in (["init"], ["ca", "init"], ["host", "enroll", "bench", "--address", f"127.0.0.1:{port}"]):
        subprocess.run([XCLOUDCTL, "--state", state] + cmd, check=True, capture_output=True)
    pki = os.path.join(work, "state", "pki")
    bundle = os.path.join(pki, "hosts", "bench")
    config = os.path.join(work, "agent.yaml")
    with open(config, "w") as f:
        f.write(f"listen: 127.0.0.1\nport: {port}\nlibvirt: test:///default\n"
                f"storageDir: {work}/disks\n"
                f"tls: {{cert: {bundle}/agent.crt, key: {bundle}/agent.key, ca: {bundle}/ca.crt}}\n")
    args = Args()
    args.port, args.ca = port, os.path.join(pki, "ca.crt")
    args.cert, args.key = os.path.join(pki, "controller.crt"), os.path.join(pki, "controller.key")
    return config, args


def start_agent(config, work, starts=[0]):
    starts[0] += 1
    path = os.path.join(work, f"agent-{starts[0]}.log")
    start_agent.log = path
    agent = subprocess.Popen([AGENT, "serve", "--config", config], stderr=open(path, "wb"))
    for _ in range(200):
        with open(path) as f:
            if "serving" in f.read():
                return agent
        time.sleep(0.05)
    raise SystemExit("agent did not start: " + open(path).read())


def logged_statuses(log):
    """The statuses of the requests the agent logged (a client may have been cut off)."""
    with open(log) as f:
        return [w[7:] for line in f for w in line.split() if w.startswith("status=")]


def normal_load(args):
    ctx = attacks.tls_context(args)
    for _ in range(4):
        conn = http.client.HTTPSConnection("127.0.0.1", args.port, context=ctx, timeout=30)
        for i in range(25):
            method = "domains.list" if i % 2 else "host.facts"
            conn.request("POST", "/v1/rpc", body=json.dumps({"id": i, "method": method}),
                         headers={"Content-Type": "application/json"})
            reply = conn.getresponse()
            reply.read()
            assert reply.status == 200, reply.status
        conn.close()
    for _ in range(16):
        status, _, _ = attacks.post(args, attacks.FACTS)
        assert status == 200, status


ATTACKS = [
    ("40 connections trickling a ClientHello (20 s)", lambda a: attacks_slowloris(a, False)),
    ("100 idle TCP connections (20 s)", lambda a: attacks_slowloris(a, True)),
    ("200 MB body, chunked", lambda a: attacks.post(a, attacks.chunks(200 << 20))),
    ("30 KB gzip body (30 MB of nested JSON inflated)",
     lambda a: attacks.post(a, attacks.gzip_bomb(30), {"Content-Encoding": "gzip"})),
    ("16 MB of nested JSON", lambda a: attacks.post(a, b"[" * (16 << 20))),
    ("4 MB of nested JSON (under the body limit)", lambda a: attacks.post(a, b"[" * (4 << 20) )),
    ("3 MB flat array (1.5 M values)",
     lambda a: attacks.post(a, b"[" + b"0," * (3 << 19) + b"0]")),
    ("invalid UTF-8 in a string", lambda a: attacks.post(a, b'{"id":1,"method":"a\xff"}')),
]


def attacks_slowloris(args, idle):
    drip = attacks.Drippers(args.port, 100 if idle else 40, "127.0.0.2", idle=idle)
    time.sleep(20)
    drip.stop()
    return None, "", 0


def latency(args, n, rounds=3):
    """Medians of n requests quiet and n during the slowloris (run by another
    process), in alternating rounds so that drift of the machine cancels."""
    quiet, loud = [], []
    for _ in range(rounds):
        quiet += [attacks.post(args, attacks.FACTS)[2] for _ in range(n)]
        drip = subprocess.Popen([sys.executable, attacks.__file__, "--port", str(args.port),
                                 "drip", "--connections", "40", "--seconds", "600"],
                                stdout=subprocess.DEVNULL)
        time.sleep(2)
        for _ in range(n):
            status, _, secs = attacks.post(args, attacks.FACTS, timeout=30)
            loud.append(secs if status == 200 else float("inf"))
        drip.terminate()
        drip.wait()
    quiet.sort()
    loud.sort()
    return quiet[len(quiet) // 2], loud[len(loud) // 2], loud[-1]


def main():
    for binary in (AGENT, XCLOUDCTL):
        if not os.access(binary, os.X_OK):
            raise SystemExit(f"{binary} is missing; build xcloud-agent and xcloudctl")
    ok = True
    with tempfile.TemporaryDirectory() as work:
        config, args = setup(work)
        rows = []
        for name, run in [("normal load only", lambda a: None)] + ATTACKS:
            agent = start_agent(config, work)
            try:
                normal_load(args)
                time.sleep(0.5)
                normal = attacks.memory(agent.pid)
                before = len(logged_statuses(start_agent.log))
                run(args)
                time.sleep(0.5)  # the agent logs a request after its reply
                after = attacks.memory(agent.pid)
                statuses = logged_statuses(start_agent.log)[before:]
                status = statuses[-1] if statuses else "-"
                attacks.post(args, attacks.FACTS)  # still serving?
                rows.append((name, status, normal, after))
            finally:
                agent.terminate()
                agent.wait()
        base = rows[0][2]["peak_mb"]
        print("| scenario | last status logged | peak MB (VmHWM) | private MB (RssAnon) | peak / normal peak |")
        print("|---|---|---|---|---|")
        for name, status, normal, after in rows:
            ratio = after["peak_mb"] / base
            ok = ok and ratio <= 2
            print(f"| {name} | {status} | {after['peak_mb']} | {after['private_mb']} "
                  f"| {ratio:.2f} |")
        if os.environ.get("SKIP_LATENCY"):
            sys.exit(0 if ok else 1)
        agent = start_agent(config, work)
        try:
            normal_load(args)
            quiet, loud, worst = latency(args, 20)
        finally:
            agent.terminate()
            agent.wait()
        ok = ok and loud <= 2 * quiet
        print()
        print("| legitimate host.facts, new TLS connection each | median ms | slowest ms |")
        print("|---|---|---|")
        print(f"| quiet | {quiet * 1000:.1f} | |")
        print(f"| during 40-connection slowloris | {loud * 1000:.1f} | {worst * 1000:.1f} |")
        print(f"\nratio during/quiet: {loud / quiet:.2f} (target <= 2)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
