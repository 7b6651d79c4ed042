# Snapshot storage in quotas and bills through the real binaries, three
# agents on libvirt's test:/// driver and the real state database. Simulated
# hosts take no snapshots, so the snapshot storage a create would meter is
# written as the open interval a create records; the quota's refusal comes
# before any host is asked, so it is real here. Checks: `quota` counts the
# snapshot storage in its tier and in SNAPSHOTS GiB; a create over the quota
# is refused naming the tier and changes nothing (state, audit, meters);
# `bill` prices the snapshot line at the tier's price, exact in fen; an
# apply that changes the VM carries the snapshot storage on.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
ms() { python3 -c 'import datetime,sys; print(int(datetime.datetime.fromisoformat(sys.argv[1]).timestamp()*1000))' "$1"; }
sql() { python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchone(); c.commit(); print(r[0] if r else '')" "$STATE" "$1"; }
counts() { echo "$(sql 'SELECT count(*) FROM resources') $(sql 'SELECT count(*) FROM audit_log') $(sql 'SELECT count(*) FROM meter_intervals')"; }
quota_of() {  # quota_of RESOURCE FIELD: education's rolled-up figure
  ctl quota education -o json | python3 -c "import json,sys; r=[t for t in json.load(sys.stdin) if t['tenant']=='education'][0]; print(r['resources']['$1']['$2'])"
}

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"

[ "$(quota_of snapshotsGiB used)" = 0 ] || fail "snapshots before any: $(quota_of snapshotsGiB used)"
used=$(quota_of storageGiB.high used)
limit=$(quota_of storageGiB.high limit)
# Snapshots of edu-portal-db-1 (100 GiB high root) that fill the high tier
# to its limit, held since 2026-11-01 00:00 Asia/Shanghai.
held=$((limit - used))
NOV1=$(ms 2026-11-01T00:00:00+08:00)
sql "INSERT INTO meter_intervals (tenant, system, vm, item, quantity, start_ms)
  VALUES ('education', 'edu-portal', 'edu-portal-db-1', 'snapshots-storage-high', $held, $NOV1)" >/dev/null
[ "$(quota_of snapshotsGiB used)" = "$held" ] || fail "snapshotsGiB: $(quota_of snapshotsGiB used), expected $held"
[ "$(quota_of storageGiB.high used)" = "$limit" ] || fail "storageGiB.high: $(quota_of storageGiB.high used)"
expect_status 0 ctl quota education
expect_contains "$TMP/out" "SNAPSHOTS GiB"

# A new snapshot (another 100 GiB high) is refused before any host is asked.
before=$(counts)
expect_status 1 ctl snapshot create edu-portal-db-1 s1
expect_contains "$TMP/err" "tenant education: quota exceeded for storageGiB.high: using $limit, plan adds 100, limit $limit"
expect_contains "$TMP/err" "nothing was changed"
[ "$(counts)" = "$before" ] || fail "a refused snapshot changed the state: $before -> $(counts)"

# Billed at storage-high's 0.6 CNY per GB-month: 15 of November's 30 days.
export XCLOUD_NOW_MS=$(ms 2026-11-16T00:00:00+08:00)
expect_status 0 ctl bill --month 2026-11 --by item -o json
python3 - "$TMP/out" "$held" <<'PY' || fail "bill: $(cat "$TMP/out")"
import json, sys
from fractions import Fraction
b = json.load(open(sys.argv[1]))
line = [l for l in b["lines"] if l["item"] == "snapshots-storage-high"][0]
exact = int(sys.argv[2]) * Fraction(6, 10) * 100 * Fraction(15, 30)  # fen
assert Fraction(line["amount_fen"]) == exact.numerator // exact.denominator + (1 if 2 * (exact - int(exact)) >= 1 else 0), (line, exact)
assert b["total_fen"] == sum(l["amount_fen"] for l in b["lines"]), b
PY
expect_status 0 ctl bill --month 2026-11 --by vm
expect_contains "$TMP/out" "snapshots-storage-high"
unset XCLOUD_NOW_MS

# An apply that changes the VM's billing (it stops) re-meters it and carries
# the snapshot storage on, open, at the same quantity.
python3 - "$M/vms.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
at = text.index("power: running", text.index("name: edu-portal-db-1\n"))
open(sys.argv[1], "w").write(text[:at] + "power: stopped" + text[at + 14:])
PY
expect_status 0 ctl apply -f "$M" --yes
[ "$(sql "SELECT count(*) FROM meter_intervals WHERE vm = 'edu-portal-db-1' AND item = 'vcpu' AND end_ms IS NULL AND running = 0")" = 1 ] ||
  fail "the stop was not metered"
[ "$(sql "SELECT count(*) FROM meter_intervals WHERE vm = 'edu-portal-db-1' AND item = 'snapshots-storage-high' AND end_ms IS NULL AND quantity = $held")" = 1 ] ||
  fail "the snapshot storage did not stay open after the apply"
[ "$(quota_of snapshotsGiB used)" = "$held" ] || fail "snapshotsGiB after the apply: $(quota_of snapshotsGiB used)"
echo "snapshot quota: ok"
