# xcloudctl bill and prices through the real binaries: apply the example cloud
# to three simulated hosts (apply meters the VMs), then bill the current month
# with XCLOUD_NOW_MS fixed after the apply, in every output format.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M" legacy
expect_status 0 ctl apply -f "$M"

# The month the apply happened in (Asia/Shanghai), and "now" 40 days later:
# the open intervals are billed to the end of that month.
read -r MONTH NEXT_MONTH NOW < <(python3 -c '
import datetime, time
tz = datetime.timezone(datetime.timedelta(hours=8))
now = datetime.datetime.now(tz)
nxt = (now.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
print(now.strftime("%Y-%m"), nxt.strftime("%Y-%m"), int(time.time() * 1000) + 40 * 86400 * 1000)')
export XCLOUD_NOW_MS=$NOW

# Table: one line per tenant and item, a TOTAL equal to the sum of the lines.
expect_status 0 ctl bill --month "$MONTH"
expect_contains "$TMP/out" "Bill $MONTH (Asia/Shanghai), CNY, by tenant"
expect_contains "$TMP/out" "Tenant totals"
python3 - "$TMP/out" <<'PY'
import sys
from decimal import Decimal
text = open(sys.argv[1], encoding="utf-8").read().split("\n\n")[0].splitlines()
rows = text[2:]  # title, header
total = [r for r in rows if r.startswith("TOTAL")]
assert len(total) == 1, text
lines = [r for r in rows if not r.startswith("TOTAL")]
assert len(lines) >= 4, text
s = sum(Decimal(r.split()[-1]) for r in lines)
t = Decimal(total[0].split()[-1])
assert s == t and t > 0, (s, t, text)
PY

# --by item lists the items the example VMs use.
expect_status 0 ctl bill --month "$MONTH" --by item
for item in vcpu memory storage-normal; do
  grep -qE "^$item " "$TMP/out" || fail "no $item line: $(cat "$TMP/out")"
done

# CSV: UTF-8 with a BOM, TOTAL last, equal to the sum of the lines.
expect_status 0 ctl bill --month "$MONTH" --by system -o csv
python3 - "$TMP/out" <<'PY'
import csv, io, sys
from decimal import Decimal
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
assert rows[0] == ["period", "tenant", "system", "vm", "item", "quantity_months", "amount_cny"], rows[0]
assert rows[-1][1] == "TOTAL", rows[-1]
assert sum(Decimal(r[6]) for r in rows[1:-1]) == Decimal(rows[-1][6]), rows
assert any(r[2] == "edu-portal" for r in rows[1:-1]), rows
PY

# JSON: integers of fen; the total is the sum of the lines; tenants roll up.
expect_status 0 ctl bill --month "$MONTH" -o json
python3 - "$TMP/out" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
assert all(isinstance(l["amount_fen"], int) for l in b["lines"]), b
assert b["total_fen"] == sum(l["amount_fen"] for l in b["lines"]) > 0, b
tops = [t for t in b["tenants"] if "/" not in t["tenant"]]
assert sum(t["total_fen"] for t in tops) == b["total_fen"], b
PY
expect_status 0 ctl bill --month "$MONTH" --tenant education -o json
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); assert b["lines"] and all(l["tenant"].split("/")[0] == "education" for l in b["lines"]), b' "$TMP/out"
expect_status 0 ctl bill --year "${MONTH%-*}" --by vm -o json
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); assert b["period"] == sys.argv[2] and b["total_fen"] == sum(l["amount_fen"] for l in b["lines"]), b' "$TMP/out" "${MONTH%-*}"

# Prices in effect and one item's history.
expect_status 0 ctl prices
expect_contains "$TMP/out" "Price list caps-2026"
expect_contains "$TMP/out" "storage-high"
expect_status 0 ctl prices history storage-normal
expect_contains "$TMP/out" "0.3"
expect_status 1 ctl prices --at 2020-01-01
expect_contains "$TMP/err" "no price list is in effect"

# HTML: a self-contained page that loads in headless Chromium without errors,
# with the same TOTAL as the table.
expect_status 0 ctl bill --month "$MONTH"
table_total=$(grep -m1 "^TOTAL" "$TMP/out" | awk '{print $NF}')
expect_status 0 ctl bill --month "$MONTH" -o html
cp "$TMP/out" "$TMP/bill.html"
grep -q ">$table_total</td></tr>" "$TMP/bill.html" || fail "TOTAL $table_total not in the HTML bill"
mkdir -p "${XC_ARTIFACT_DIR:-$TMP}"
expect_status 0 /usr/bin/python3 "$XC_SOURCE_DIR/tests/support/html_check.py" "$TMP/bill.html" \
  --screenshot "${XC_ARTIFACT_DIR:-$TMP}/bill.png"
expect_contains "$TMP/out" '"svg": 1, "tables": 2'

# Usage errors exit 2.
expect_status 2 ctl bill
expect_status 2 ctl bill --month 2026-13
expect_status 2 ctl bill --month "$MONTH" --by host

# The only price list now takes effect next month: this month's use has no
# price, and the bill is refused with the engine's message (exit 1).
sed -i "s/effectiveFrom: \"2026-01-01\"/effectiveFrom: \"$NEXT_MONTH-01\"/" "$M/prices.yaml"
expect_status 0 ctl apply -f "$M"
expect_status 1 ctl bill --month "$MONTH"
expect_contains "$TMP/err" "no price list is in effect at"
expect_status 0 ctl prices history vcpu
expect_contains "$TMP/out" "$NEXT_MONTH-01T00:00:00+08:00"
echo "bill: ok"
