# Sealing the audit trail (issue 12): records after the last checkpoint are
# reported as not yet sealed (exit 3), never as "ok", so a truncated tail
# shows; with $XCLOUD_AUDIT_KEY every change seals when due, so cutting a
# sealed record off is tampering (exit 1); a row with seq <= 0 is an error,
# not skipped, and `audit list` shows it.
source "$(dirname "$0")/../support/e2e.sh"

db="$TMP/state.db"
x() { "$XCLOUDCTL" --state "$db" "$@"; }
expect_status 0 x init
key="$TMP/keys/audit-sm2.pem"
mkdir -p "$TMP/keys"
expect_status 0 x audit keygen --out "$key"

# No checkpoints at all: intact, but nothing is sealed.
for i in 1 2 3; do expect_status 0 x audit note "change $i"; done
expect_status 3 x audit verify
[ "$(cat "$TMP/out")" = "intact: 3 records, 0 checkpoints; not yet sealed: 3 records (seq 1..3); no checkpoints checked: give --pubkey or set XCLOUD_AUDIT_KEY" ] ||
  fail "verify said: $(cat "$TMP/out")"
cp "$db" "$TMP/before-truncation.db"
sqlite3 "$db" "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3"
expect_status 3 x audit verify
expect_contains "$TMP/out" "not yet sealed: 2 records (seq 1..2)"
cp "$TMP/before-truncation.db" "$db"

# A checkpoint, then more records: the tail is counted, and cutting it off
# still shows as unsealed records rather than "ok".
expect_status 0 x audit checkpoint --key "$key"
expect_status 0 x audit verify --pubkey "$key.pub"
[ "$(cat "$TMP/out")" = "ok: 3 records, 1 checkpoints" ] || fail "verify said: $(cat "$TMP/out")"
expect_status 0 x audit note "change 4"
expect_status 0 x audit note "change 5"
expect_status 3 x audit verify --pubkey "$key.pub"
[ "$(cat "$TMP/out")" = "intact: 5 records, 1 checkpoints; not yet sealed: 2 records (seq 4..5)" ] ||
  fail "verify said: $(cat "$TMP/out")"
sqlite3 "$db" "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 5"
expect_status 3 x audit verify --pubkey "$key.pub"
expect_contains "$TMP/out" "not yet sealed: 1 records (seq 4..4)"

# Routine sealing: with the key configured a change seals when due (always
# after apply; else after 1000 unsealed records or an hour since the last
# checkpoint). A state never sealed is due at once; a second note within the
# hour is not.
db2="$TMP/sealed/state.db"
z() { "$XCLOUDCTL" --state "$db2" "$@"; }
expect_status 0 z init
export XCLOUD_AUDIT_KEY="$key"
expect_status 0 z audit verify  # no checkpoint file before the first seal: nothing to check
[ "$(cat "$TMP/out")" = "ok: 0 records, 0 checkpoints" ] || fail "verify said: $(cat "$TMP/out")"
expect_status 0 z audit note "first"
[ -s "$TMP/sealed/audit-checkpoints.jsonl" ] || fail "the first change was not sealed"
expect_status 0 z audit verify
[ "$(cat "$TMP/out")" = "ok: 1 records, 1 checkpoints" ] || fail "verify said: $(cat "$TMP/out")"
expect_status 0 z audit note "second, within the hour"
expect_status 3 z audit verify
[ "$(cat "$TMP/out")" = "intact: 2 records, 1 checkpoints; not yet sealed: 1 records (seq 2..2)" ] ||
  fail "verify said: $(cat "$TMP/out")"
expect_status 0 z audit checkpoint --key "$key"
expect_status 0 z audit verify
# Cutting off a sealed record is tampering.
sqlite3 "$db2" "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2"
expect_status 1 z audit verify
expect_contains "$TMP/out" "tampered: first bad record seq 2: record seq 2 is missing: the chain ends at seq 1 but the checkpoint at seq 2 signed "
unset XCLOUD_AUDIT_KEY

# Rows outside the chain are errors, and list shows them.
cp "$TMP/before-truncation.db" "$db"
sqlite3 "$db" "INSERT INTO audit_log (seq, time_ms, actor, action, result) VALUES (0, 0, 'mallory', 'create', 'ok');
  INSERT INTO audit_log (seq, time_ms, actor, action, result) VALUES (-5, 0, 'mallory', 'create', 'ok')"
expect_status 1 x audit verify
[ "$(cat "$TMP/out")" = "tampered: first bad record seq -5: record seq -5 lies before the chain's start at seq 1" ] ||
  fail "verify said: $(cat "$TMP/out")"
expect_status 0 x audit list -o json
python3 - "$TMP/out" <<'PY'
import json, sys
seqs = [r["seq"] for r in json.load(open(sys.argv[1]))]
assert seqs == [-5, 0, 1, 2, 3], seqs
PY
echo "audit sealing: ok"
