# Closed months, adjustments and the PriceList checks through the real binary.
# No hosts: the state holds a tenant and a price list applied by xcloudctl,
# and meter intervals written with sqlite3, so every amount is exact.
source "$(dirname "$0")/../support/e2e.sh"
STATE="$TMP/state/state.db"
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
ms() { python3 -c 'import datetime,sys; print(int(datetime.datetime.fromisoformat(sys.argv[1]).timestamp()*1000))' "$1"; }
expect_err() { [ "$(cat "$TMP/err")" = "$1" ] || fail "stderr is '$(cat "$TMP/err")', expected '$1'"; }
expect_out() { [ "$(cat "$TMP/out")" = "$1" ] || fail "stdout is '$(cat "$TMP/out")', expected '$1'"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
mkdir -p "$M"
cat >"$M/tenants.yaml" <<'YAML'
apiVersion: xcloud/v1
kind: Tenant
metadata:
  name: education
spec:
  displayName: 教育局
YAML
price_list() {  # NAME FROM PRICES-YAML
  printf 'apiVersion: xcloud/v1\nkind: PriceList\nmetadata:\n  name: %s\nspec:\n  currency: CNY\n  effectiveFrom: "%s"\n  prices:\n%s\n' "$1" "$2" "$3"
}
price_list p2026 2026-01-01 "    vcpu: 10
    memory: 5" >"$M/prices.yaml"
expect_status 0 ctl apply -f "$M"

# One VM with 2 vCPU and 4 GB from 2026-11-01 (Asia/Shanghai), still open.
NOV1=$(ms 2026-11-01T00:00:00+08:00)
sqlite3 "$STATE" "INSERT INTO meter_intervals (tenant, system, vm, item, quantity, start_ms)
  VALUES ('education', 'portal', 'web-1', 'vcpu', 2, $NOV1), ('education', 'portal', 'web-1', 'memory', 4, $NOV1);"

# A month that has not ended cannot be closed.
export XCLOUD_NOW_MS=$(ms 2026-11-20T00:00:00+08:00)
expect_status 1 ctl bill close --month 2026-11
expect_err "xcloudctl: month 2026-11 has not ended (it ends 2026-12-01T00:00:00+08:00); only a past month can be closed"
expect_status 2 ctl bill close --month 2026-13
expect_err 'xcloudctl: period "2026-13": expected YYYY-MM or YYYY'

export XCLOUD_NOW_MS=$(ms 2026-12-05T00:00:00+08:00)
expect_status 0 ctl bill --month 2026-11 --by vm -o json
cp "$TMP/out" "$TMP/live.json"
expect_status 0 ctl bill close --month 2026-11
DIGEST=$(sqlite3 "$STATE" "SELECT lower(hex(digest)) FROM closed_months WHERE month = '2026-11'")
[ ${#DIGEST} -eq 64 ] || fail "no digest stored: $DIGEST"
expect_out "closed 2026-11: total 40.00 CNY, frozen bill SM3 $DIGEST"
expect_status 1 ctl bill close --month 2026-11
expect_err "xcloudctl: month 2026-11 is already closed"

# The closed month prints its frozen bill and says so; the lines are the live ones.
expect_status 0 ctl bill --month 2026-11
expect_out "Bill 2026-11 (Asia/Shanghai), CNY, by tenant
Month closed 2026-12-05T00:00:00+08:00, frozen bill SM3 $DIGEST
TENANT      ITEM     QUANTITY (UNIT-MONTHS)   AMOUNT (CNY)
education   memory   4                        20.00
education   vcpu     2                        20.00
TOTAL                                         40.00

Tenant totals (a tenant's total includes its sub-tenants)
TENANT      OWN (CNY)   TOTAL (CNY)
education   40.00       40.00"
expect_status 0 ctl bill --month 2026-11 --by vm -o json
python3 - "$TMP/live.json" "$TMP/out" "$DIGEST" <<'PY'
import json, sys
live, frozen = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert frozen.pop("closed") == {"closed_at": "2026-12-05T00:00:00+08:00", "sm3": sys.argv[3]}, frozen
assert live == frozen, (live, frozen)
PY

# A PriceList taking effect in the closed month is refused by validate
# (the state database exists) and by apply, before any host is contacted.
price_list p-late 2026-11-15 "    vcpu: 8
    memory: 5" >"$M/late.yaml"
LATE="$M/late.yaml:7:18: error: PriceList \"p-late\": effectiveFrom 2026-11-15 falls in closed month 2026-11; a closed month never changes: record a correction with 'xcloudctl bill adjust'"
expect_status 2 ctl validate -f "$M"
expect_err "$LATE
1 error(s)"
expect_status 2 ctl apply -f "$M"
expect_err "$LATE
1 error(s); nothing was changed"
rm "$M/late.yaml"

# Changing the list that priced the closed month is refused; deleting it too.
price_list p2026 2026-01-01 "    vcpu: 9
    memory: 5" >"$M/prices.yaml"
expect_status 2 ctl apply -f "$M"
expect_err "$M/prices.yaml:7:18: error: PriceList \"p2026\": it priced closed month 2026-11 and cannot change; a closed month never changes: record a correction with 'xcloudctl bill adjust'
1 error(s); nothing was changed"
expect_status 1 ctl delete pricelist p2026 --yes
expect_err "xcloudctl: price list p2026 priced closed month 2026-11; a closed month never changes, so its price lists stay; nothing was changed"

# A PriceList lacking an item in use is refused, naming it.
price_list p2026 2026-01-01 "    vcpu: 10
    memory: 5" >"$M/prices.yaml"
price_list p2027 2027-01-01 "    vcpu: 11" >"$M/p2027.yaml"
MISSING="$M/p2027.yaml:8:3: error: PriceList \"p2027\" has no price for items in use from 2027-01-01: memory"
expect_status 2 ctl validate -f "$M"
expect_err "$MISSING
1 error(s)"
expect_status 2 ctl apply -f "$M"
expect_err "$MISSING
1 error(s); nothing was changed"
price_list p2027 2027-01-01 "    vcpu: 11
    memory: 6" >"$M/p2027.yaml"
expect_status 0 ctl validate -f "$M"
expect_status 0 ctl apply -f "$M"

# A late correction lands in the first open month, as its own line.
expect_status 2 ctl bill adjust --tenant education --item memory --amount 1.234 --reason x
expect_err 'xcloudctl: --amount "1.234": at most two decimals (fen)'
expect_status 2 ctl bill adjust --tenant eduction --item memory --amount 1 --reason x
expect_err "xcloudctl: unknown tenant 'eduction' (did you mean 'education'?); nothing was changed"
expect_status 0 ctl bill adjust --tenant education --item memory --amount=-12.50 --reason "INC-1: memory billed twice"
expect_out "adjustment #1 in 2026-12: education memory -12.50 CNY (INC-1: memory billed twice)"
expect_status 0 ctl bill --month 2026-12
expect_out "Bill 2026-12 (Asia/Shanghai), CNY, by tenant
TENANT      ITEM                                                 QUANTITY (UNIT-MONTHS)   AMOUNT (CNY)
education   memory                                               0.516129                 2.58
education   memory (adjustment #1: INC-1: memory billed twice)   -                        -12.50
education   vcpu                                                 0.258065                 2.58
TOTAL                                                                                     -7.34

Tenant totals (a tenant's total includes its sub-tenants)
TENANT      OWN (CNY)   TOTAL (CNY)
education   -7.34       -7.34"
expect_status 0 ctl bill --month 2026-12 -o json
python3 - "$TMP/out" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
adj = [l for l in b["lines"] if "adjustment" in l]
assert adj == [{"item": "memory", "quantity_months": "", "amount_fen": -1250, "tenant": "education",
                "adjustment": {"id": 1, "reason": "INC-1: memory billed twice"}}], adj
assert b["total_fen"] == -734 and "closed" not in b, b
PY
# The year settlement carries the adjustments of its months.
expect_status 0 ctl bill --year 2026 --by item -o json
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); assert [(l["item"], l["amount_fen"]) for l in b["lines"]] == [("memory", 2258), ("memory", -1250), ("vcpu", 2258)] and b["total_fen"] == 3266, b' "$TMP/out"
expect_status 0 ctl report monthly --month 2026-12 -o json --out "$TMP/report.json"
python3 - "$TMP/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
text = json.dumps(r, ensure_ascii=False)
assert '"adjustment": {"id": 1, "reason": "INC-1: memory billed twice"}' in text, text[:2000]
PY

expect_status 0 ctl report monthly --month 2026-11 -o json --out "$TMP/closed.json"
python3 - "$TMP/closed.json" "$DIGEST" <<'PY'
import json, sys
cost = json.load(open(sys.argv[1]))["cost"]
assert cost["note"] == "Month closed 2026-12-05T00:00:00+08:00: the frozen bill (SM3 %s)." % sys.argv[2], cost
PY

# Both are audited.
expect_status 0 ctl audit list -o json
python3 - "$TMP/out" "$DIGEST" <<'PY'
import json, sys
records = [r for r in json.load(open(sys.argv[1])) if r["kind"] == "Bill"]
got = [(r["action"], r["name"], r["result"]) for r in records]
assert got == [("close", "2026-11", "ok"), ("adjust", "2026-12", "ok")], got
assert records[0]["hash_after"] == sys.argv[2], records[0]
PY

# A frozen bill altered behind xcloud's back is refused, naming the month.
sqlite3 "$STATE" "DROP TRIGGER closed_months_no_update; UPDATE closed_months SET bill_json = replace(bill_json, '2000', '1000');"
expect_status 1 ctl bill --month 2026-11
expect_err "xcloudctl: closed month 2026-11: the frozen bill does not match its SM3 digest"
echo "ok"
