# Every mutating command writes exactly one audit record per change, with all
# fields set; two applies on the same state at once both finish and the chain
# stays single and valid.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
count() { ctl audit list -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

ctl init >/dev/null
[ "$(count)" = 0 ] || fail "init wrote audit records"
ctl --reason CHG-1 ca init >/dev/null
[ "$(count)" = 1 ] || fail "ca init: expected 1 record, have $(count)"
M="$TMP/m"
start_example_cloud "$M"  # host enroll: one record each
[ "$(count)" = 4 ] || fail "host enroll: expected 4 records in all, have $(count)"

# apply: one record per object recorded and per step done.
n_objects=$(ctl validate -f "$M" | sed 's/valid: \([0-9]*\) objects/\1/')
expect_status 0 ctl --as alice --reason CHG-2 apply -f "$M"
steps=$(sed -n 's/Applied: \([0-9]*\) done.*/\1/p' "$TMP/out")
vms=$(grep -c "kind: VirtualMachine" "$M/vms.yaml")
expected=$((4 + n_objects - vms + steps))
[ "$(count)" = "$expected" ] || fail "apply: expected $expected records, have $(count)"

# delete: one record. audit note: one record. A refused prune: one error record.
ctl --reason CHG-3 delete vm edu-portal-web-2 --tenant education --yes >/dev/null
ctl audit note "rack A3 inspected" >/dev/null
ctl audit prune --before 2099-01-01 >/dev/null 2>&1 || true
[ "$(count)" = $((expected + 3)) ] || fail "delete, note, prune: expected $((expected + 3)), have $(count)"

# Every record has every field that applies.
ctl audit list -o json >"$TMP/records.json"
python3 - "$TMP/records.json" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))
for r in records:
    for field in ("seq", "time", "actor", "origin_host", "command", "action", "result"):
        assert r.get(field) not in (None, ""), (field, r)
    assert r["result"] in ("ok", "error"), r
    if r["action"] not in ("prune", "note"):
        assert r.get("name"), r
applies = [r for r in records if "apply" in r["command"]]
assert applies and all(r["as"] == "alice" and r["reason"] == "CHG-2" for r in applies), applies[:2]
assert any(r["action"] == "delete" and r["reason"] == "CHG-3" for r in records)
assert records[-1]["result"] == "error", records[-1]
PY

# Two applies at once on the same state: both finish; one chain, valid.
sed -i '0,/memoryGiB: 8/s//memoryGiB: 10/' "$M/vms.yaml"
ctl apply -f "$M" >"$TMP/a1" 2>&1 &
p1=$!
ctl apply -f "$M" >"$TMP/a2" 2>&1 &
p2=$!
wait $p1 || fail "first concurrent apply failed: $(cat "$TMP/a1")"
wait $p2 || fail "second concurrent apply failed: $(cat "$TMP/a2")"
# Intact; no signing key here, so nothing is sealed (exit 3).
expect_status 3 ctl audit verify
expect_contains "$TMP/out" "intact: "
echo "audit completeness: ok"
