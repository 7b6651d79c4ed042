# The forged prune (issue 12): someone with write access to the state file but
# not the SM2 key deletes every record a checkpoint covers, sets the prune
# anchor, rewrites the next record as a "prune" and recomputes the chain.
# Before the fix `audit verify --checkpoints ... --pubkey ...` said ok; a prune
# must now be covered by a checkpoint signed as it was made. A genuine prune
# (of records made two years ago) still verifies.
source "$(dirname "$0")/../support/e2e.sh"
chain="$(dirname "$0")/../support/audit_chain.py"

db="$TMP/state.db"
x() { "$XCLOUDCTL" --state "$db" "$@"; }
expect_status 0 x init
for i in 1 2 3 4 5; do expect_status 0 x audit note "change $i"; done
key="$TMP/keys/audit-sm2.pem"
mkdir -p "$TMP/keys"
expect_status 0 x audit keygen --out "$key"
cps="$TMP/offsite/checkpoints.jsonl"
mkdir -p "$TMP/offsite"
expect_status 0 x audit checkpoint --key "$key" --checkpoints "$cps"
expect_contains "$TMP/out" "checkpoint: seq 5, digest "
expect_status 0 x audit note "change 6"
expect_status 0 x audit note "change 7"

# The attack, with nothing but sqlite3 and the public encoding.
d5=$(sqlite3 "$db" "SELECT lower(hex(digest)) FROM audit_log WHERE seq = 5")
sqlite3 "$db" "DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_no_update;
  DELETE FROM audit_log WHERE seq <= 5;
  INSERT INTO meta (key, value) VALUES ('audit.anchor', '5:$d5');
  UPDATE audit_log SET kind = 'AuditLog', tenant = '', name = 'audit_log', action = 'prune',
    hash_before = '', hash_after = '5:$d5', result = 'ok', message = 'removed records 1..5'
  WHERE seq = 6;"
python3 "$chain" rechain "$db" 6
expect_status 1 x audit verify --checkpoints "$cps" --pubkey "$key.pub"
[ "$(cat "$TMP/out")" = "tampered: first bad record seq 6: the prune at seq 6 is not covered by any checkpoint (a prune signs one as it is made): records were removed without the signing key" ] ||
  fail "verify said: $(cat "$TMP/out")"
# Routine sealing will not vouch for it either.
expect_status 1 x audit checkpoint --key "$key" --checkpoints "$cps"
expect_contains "$TMP/out" "tampered: first bad record seq 6: the prune at seq 6 is not covered"
XCLOUD_AUDIT_KEY="$key" XCLOUD_AUDIT_CHECKPOINTS="$cps" expect_status 0 x audit note "after the forgery"
expect_contains "$TMP/err" "warning: the audit trail was not sealed: audit log: not sealing a tampered chain: first bad record seq 6"
[ "$(wc -l <"$cps")" = 1 ] || fail "a checkpoint was signed over the forged prune: $(cat "$cps")"

# A genuine prune: records stamped two years ago (written here as xcloudctl
# would have), then newer ones; prune signs a checkpoint of its own record.
old="$TMP/old.db"
expect_status 0 "$XCLOUDCTL" --state "$old" init
python3 - "$old" "$chain" <<'PY'
import importlib.util, sqlite3, sys, time
spec = importlib.util.spec_from_file_location("chain", sys.argv[2])
chain = importlib.util.module_from_spec(spec)
spec.loader.exec_module(chain)
db = sqlite3.connect(sys.argv[1])
two_years_ago = int(time.time() * 1000) - 730 * 86400000
for seq in range(1, 4):
    db.execute("INSERT INTO audit_log (seq, time_ms, actor, action, result, message) "
               "VALUES (?, ?, 'ops', 'note', 'ok', 'old change')", (seq, two_years_ago + seq))
db.commit()
chain.rechain(sys.argv[1], 1)
PY
y() { "$XCLOUDCTL" --state "$old" "$@"; }
expect_status 0 y audit note "recent change"
expect_status 2 y audit prune --before "$(date -u -d '-400 days' +%Y-%m-%d)"
expect_contains "$TMP/err" "a prune is sealed with the audit signing key; give --key or set XCLOUD_AUDIT_KEY"
expect_status 0 y audit list --object AuditLog/audit_log -o json
expect_contains "$TMP/out" '"result": "error"' 
ocps="$TMP/old-checkpoints.jsonl"
XCLOUD_AUDIT_CHECKPOINTS="$ocps" expect_status 0 y audit prune --before "$(date -u -d '-400 days' +%Y-%m-%d)" --key "$key"
expect_contains "$TMP/out" "pruned 3 records; the chain now starts after seq 3"
[ "$(wc -l <"$ocps")" = 1 ] || fail "the prune signed no checkpoint"
expect_status 0 y audit verify --checkpoints "$ocps" --pubkey "$key.pub"
# Left: the recent note, the refused (keyless) prune's record and the prune's.
[ "$(cat "$TMP/out")" = "ok: 3 records, 1 checkpoints" ] || fail "verify said: $(cat "$TMP/out")"
echo "audit forged prune: ok"
