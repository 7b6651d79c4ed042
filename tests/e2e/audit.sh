# The audit trail through the real binary: notes with --as/--reason, list in
# every format, keygen/checkpoint/verify, tampering caught, prune refused,
# export to a syslog listener that parses the messages back.
source "$(dirname "$0")/../support/e2e.sh"

db="$TMP/state.db"
x() { "$XCLOUDCTL" --state "$db" "$@"; }
expect_status 0 "$XCLOUDCTL" --state "$db" init

expect_status 0 x --as 张三 --reason CHG-2041 audit note --object VirtualMachine/education/web-1 "更换磁盘, 见工单"
expect_contains "$TMP/out" "recorded as seq 1"
expect_status 0 x audit note --object Host/kp-03 "rebooted kp-03"
expect_status 0 x --reason INC-7 audit note "firmware updated"

expect_status 0 x audit list
expect_contains "$TMP/out" "张三"
expect_contains "$TMP/out" "VirtualMachine/education/web-1"
expect_status 0 x audit list --actor 张三 -o json
python3 - "$TMP/out" <<'PY'
import json, sys
records = json.load(open(sys.argv[1], encoding="utf-8"))
assert [r["seq"] for r in records] == [1], records
r = records[0]
assert r["as"] == "张三" and r["reason"] == "CHG-2041" and r["message"] == "更换磁盘, 见工单", r
assert r["kind"] == "VirtualMachine" and r["tenant"] == "education" and r["name"] == "web-1", r
assert r["command"].startswith("xcloudctl --state "), r
assert r["actor"] and r["origin_host"] and len(r["digest"]) == 64, r
# Run with the state file itself, not through the controller: "local:<user>".
import os, pwd
assert r["actor"] == "local:" + pwd.getpwuid(os.geteuid()).pw_name, r
PY
expect_status 0 x audit list -o csv --object Host/kp-03
[ "$(head -c 3 "$TMP/out" | od -An -tx1 | tr -d ' ')" = efbbbf ] || fail "CSV has no UTF-8 BOM"
[ "$(grep -c $'\r$' "$TMP/out")" = 2 ] || fail "CSV lines do not end in CRLF"
expect_status 0 x audit list -o csv --since 2000-01-01 --until 2999-01-01
expect_contains "$TMP/out" '"更换磁盘, 见工单"'

# The canonical encoding documented in ctl/audit_record.h, implemented again
# here, gives the digests xcloudctl stored.
python3 - "$db" <<'PY'
import hashlib, sqlite3, struct, sys
if "sm3" not in hashlib.algorithms_available:
    print("audit: python's hashlib has no SM3; skipping the independent digest check")
    sys.exit(0)
fields = "seq, time_ms, actor, as_user, reason, origin_host, command, kind, tenant, name, action, hash_before, hash_after, result, message"
prev = bytes(32)
rows = sqlite3.connect(sys.argv[1]).execute("SELECT %s, prev_digest, digest FROM audit_log ORDER BY seq" % fields).fetchall()
assert len(rows) == 3, rows
for row in rows:
    encoding = b"xcloud-audit-v1"
    for value in row[:15]:
        value = str(value).encode()
        encoding += struct.pack(">I", len(value)) + value
    assert row[15] == prev, row
    prev = hashlib.new("sm3", prev + encoding).digest()
    assert row[16] == prev, row
PY

expect_status 3 x audit verify
[ "$(cat "$TMP/out")" = "intact: 3 records, 0 checkpoints; not yet sealed: 3 records (seq 1..3); no checkpoints checked: give --pubkey or set XCLOUD_AUDIT_KEY" ] || fail "verify said: $(cat "$TMP/out")"

key="$TMP/keys/audit-sm2.pem"
mkdir -p "$TMP/keys"
expect_status 0 x audit keygen --out "$key"
[ "$(stat -c %a "$key")" = 600 ] || fail "the private key is not 0600"
[ -f "$key.pub" ] || fail "no public key"
expect_status 1 x audit keygen --out "$key"
expect_contains "$TMP/err" "already exists; not replacing a key"

cps="$TMP/offsite/checkpoints.jsonl"
mkdir -p "$TMP/offsite"
expect_status 0 x audit checkpoint --key "$key" --checkpoints "$cps"
expect_contains "$TMP/out" "checkpoint: seq 3, digest "
expect_status 0 x audit note "after the checkpoint"
expect_status 3 x audit verify --checkpoints "$cps" --pubkey "$key.pub"
[ "$(cat "$TMP/out")" = "intact: 4 records, 1 checkpoints; not yet sealed: 1 records (seq 4..4)" ] || fail "verify said: $(cat "$TMP/out")"
# The signature is a plain SM2/SM3 DER signature with the default ID: OpenSSL's own tool agrees.
python3 - "$cps" "$TMP/msg" "$TMP/sig" <<'PY'
import json, sys
c = json.loads(open(sys.argv[1]).readline())
open(sys.argv[2], "w").write("xcloud-audit-checkpoint-v1\nseq=%d\ndigest=%s\ntime=%s\n" % (c["seq"], c["digest"], c["time"]))
open(sys.argv[3], "wb").write(bytes.fromhex(c["signature"]))
PY
openssl pkeyutl -verify -pubin -inkey "$key.pub" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
  -in "$TMP/msg" -sigfile "$TMP/sig" >"$TMP/openssl" 2>&1 || fail "openssl rejects the checkpoint: $(cat "$TMP/openssl")"

# The database refuses changes; with its triggers dropped, verify names the record.
if sqlite3 "$db" "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2" 2>"$TMP/sqlerr"; then
  fail "the audit table accepted an UPDATE"
fi
expect_contains "$TMP/sqlerr" "audit records cannot be changed"
cp "$db" "$TMP/clean.db"
sqlite3 "$db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"
expect_status 1 x audit verify --checkpoints "$cps" --pubkey "$key.pub"
[ "$(cat "$TMP/out")" = "tampered: first bad record seq 2: its contents do not match its digest" ] ||
  fail "verify said: $(cat "$TMP/out")"
expect_status 1 x audit checkpoint --key "$key" --checkpoints "$cps"
expect_contains "$TMP/err" "not signing a tampered chain"

# A truncated tail passes the chain but not the checkpoint.
cp "$TMP/clean.db" "$db"
sqlite3 "$db" "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq >= 3"
expect_status 1 x audit verify --checkpoints "$cps" --pubkey "$key.pub"
expect_contains "$TMP/out" "tampered: first bad record seq 3: record seq 3 is missing: the chain ends at seq 2 but the checkpoint at seq 3 signed "
cp "$TMP/clean.db" "$db"

# An edited checkpoint file is tampering too.
sed 's/"seq":3/"seq":2/' "$cps" >"$TMP/edited.jsonl"
expect_status 1 x audit verify --checkpoints "$TMP/edited.jsonl" --pubkey "$key.pub"
expect_contains "$TMP/out" "tampered: checkpoint $TMP/edited.jsonl:1: signature does not verify"

expect_status 2 x audit prune --before 2999-01-01 --key "$key"
expect_contains "$TMP/err" "refusing to prune records younger than 365 days"
expect_status 0 x audit prune --before 2001-01-01 --key "$key"
expect_contains "$TMP/out" "nothing to prune"
expect_status 2 x audit prune --before yesterday --key "$key"
expect_status 0 x audit list --object AuditLog/audit_log -o json
expect_contains "$TMP/out" '"result": "error"'

# Export to a listener that parses the octet-counted RFC 5424 messages back.
python3 - "$TMP/port" "$TMP/received" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(2)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
with open(sys.argv[2], "wb") as out:
    for _ in range(2):
        c, _ = s.accept()
        data = b""
        while chunk := c.recv(65536):
            data += chunk
        c.close()
        out.write(data + b"\n--\n")
        out.flush()
PY
listener=$!
for _ in $(seq 100); do [ -f "$TMP/port" ] && break; sleep 0.1; done
port=$(cat "$TMP/port")
expect_status 0 x audit export --syslog "127.0.0.1:$port"
expect_contains "$TMP/out" "exported 5 records to 127.0.0.1:$port (through seq 5)"
expect_status 0 x audit note "one more"
expect_status 0 x audit export --syslog "127.0.0.1:$port"
expect_contains "$TMP/out" "exported 1 records to 127.0.0.1:$port (through seq 6)"
wait "$listener"
python3 - "$TMP/received" <<'PY'
import re, sys
batches = open(sys.argv[1], "rb").read().split(b"\n--\n")[:2]
def frames(data):
    out = []
    while data:
        n, rest = data.split(b" ", 1)
        out.append(rest[: int(n)].decode("utf-8"))
        data = rest[int(n):]
    return out
first, second = frames(batches[0]), frames(batches[1])
assert len(first) == 5 and len(second) == 1, (len(first), len(second))
sd = dict(re.findall(r'(\w+)="((?:[^"\\\]]|\\.)*)"', first[0]))
assert first[0].startswith("<110>1 "), first[0]
assert sd["seq"] == "1" and sd["as"] == "张三" and sd["message"] == "更换磁盘, 见工单", sd
assert re.search(r'seq="6"', second[0]) and "one more" in second[0], second[0]
PY
expect_status 2 x audit export --syslog nowhere
expect_contains "$TMP/err" 'syslog destination "nowhere": expected HOST:PORT'

for sub in list verify checkpoint keygen export prune note; do
  expect_status 0 x audit $sub --help
  expect_contains "$TMP/out" "Example"
done
echo "audit: ok"
