#!/usr/bin/env python3
"""scripts/lib/free_port.py, run 40 times at once as parallel tests would:
every port is distinct, below the ephemeral range, bindable, and claimed.
Uses its own TMPDIR so the claims are this run's alone."""
import os
import socket
import subprocess
import sys
import tempfile

root = sys.argv[1]
script = os.path.join(root, "scripts", "lib", "free_port.py")
with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
    ephemeral_low = int(f.read().split()[0])

with tempfile.TemporaryDirectory() as tmp:
    env = dict(os.environ, TMPDIR=tmp)
    runs = [subprocess.Popen([sys.executable, script], env=env, stdout=subprocess.PIPE, text=True)
            for _ in range(40)]
    ports = []
    for run in runs:
        out, _ = run.communicate(timeout=30)
        assert run.returncode == 0, run.returncode
        ports.append(int(out))
    assert len(set(ports)) == len(ports), sorted(ports)
    assert all(10000 <= p < ephemeral_low for p in ports), sorted(ports)
    claimed = set(int(name) for name in os.listdir(os.path.join(tmp, "xcloud-ports")))
    assert claimed == set(ports), (claimed, ports)
    for p in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", p))
print("free_port: %d distinct ports below %d, each claimed and bindable" % (len(ports), ephemeral_low))
