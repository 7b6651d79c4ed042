#!/usr/bin/env python3
"""Prints a TCP port on 127.0.0.1 that is free now and claimed for this caller.

A port the kernel hands out for bind(0) comes from the ephemeral range, the
same range outgoing connections draw from: between this script printing it
and a daemon binding it, another test's client could take it. So the port is
drawn below that range, and claimed with a file made exclusively under
$TMPDIR/xcloud-ports, so two tests running side by side never draw the same
one. Claims older than two hours are stale and reused.
"""
import errno
import os
import random
import socket
import tempfile
import time

LOWEST = 10000
STALE_SECONDS = 2 * 3600


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def claim(directory, port):
    path = os.path.join(directory, str(port))
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        return True
    except FileExistsError:
        try:
            if time.time() - os.stat(path).st_mtime > STALE_SECONDS:
                os.unlink(path)
                return claim(directory, port)
        except FileNotFoundError:
            return claim(directory, port)
        return False


def bindable(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError as e:
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise


def main():
    directory = os.path.join(tempfile.gettempdir(), "xcloud-ports")
    os.makedirs(directory, exist_ok=True)
    try:  # shared by every user the tests run as
        os.chmod(directory, 0o1777)
    except PermissionError:
        pass
    high = max(ephemeral_low(), LOWEST + 1000)
    for _ in range(1000):
        port = random.randrange(LOWEST, high)
        if bindable(port) and claim(directory, port):
            print(port)
            return
    raise SystemExit("free_port.py: no free port below the ephemeral range")


if __name__ == "__main__":
    main()
