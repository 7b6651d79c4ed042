#!/usr/bin/env python3
"""What an attacker with write access to the state database (but not the SM2
key) can do to the audit chain: recompute every digest from a seq on, so the
chain is consistent again. The encoding is the one documented in
ctl/audit/audit_record.h.

usage: audit_chain.py rechain STATE FROM_SEQ
"""
import hashlib
import sqlite3
import struct
import subprocess
import sys

FIELDS = ("seq, time_ms, actor, as_user, reason, origin_host, command, kind, tenant, name, "
          "action, hash_before, hash_after, result, message")


def sm3(data):
    if "sm3" in hashlib.algorithms_available:
        return hashlib.new("sm3", data).digest()
    return subprocess.run(["openssl", "dgst", "-sm3", "-binary"], input=data,
                          capture_output=True, check=True).stdout


def digest(prev, row):
    encoding = b"xcloud-audit-v1"
    for value in row:
        value = str(value).encode()
        encoding += struct.pack(">I", len(value)) + value
    return sm3(prev + encoding)


def rechain(path, first):
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    prev = db.execute("SELECT digest FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT 1",
                      (first,)).fetchone()
    if prev is None:
        anchor = db.execute("SELECT value FROM meta WHERE key = 'audit.anchor'").fetchone()
        prev = (bytes.fromhex(anchor[0].split(":")[1]) if anchor else bytes(32),)
    prev = prev[0]
    rows = db.execute("SELECT %s FROM audit_log WHERE seq >= ? ORDER BY seq" % FIELDS,
                      (first,)).fetchall()
    for row in rows:
        d = digest(prev, row)
        db.execute("UPDATE audit_log SET prev_digest = ?, digest = ? WHERE seq = ?", (prev, d, row[0]))
        prev = d
    db.commit()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "rechain":
        sys.exit(__doc__)
    rechain(sys.argv[2], int(sys.argv[3]))
