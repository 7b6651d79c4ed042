# xcloudctl capacity through the real binaries: the example cloud on three
# real agents (libvirt's test:/// driver). vCPU capacity applies each pool's
# cpuOvercommit (in `get hosts` too); allocation matches the VMs placed;
# used appears after `collect`; --pool filters and refuses unknown pools;
# --forecast's dates agree with an independent least-squares computation
# (Python fractions) over a growing allocation history put in the meter.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
PY=/usr/bin/python3

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl capacity --help
expect_contains "$TMP/out" "xcloudctl capacity --pool erlonglu --forecast"

# Totals from the hosts' CPUs and their pools' overcommit; allocation from the VMs.
expect_status 0 ctl get hosts -o json
cp "$TMP/out" "$TMP/hosts.json"
expect_status 0 ctl get vms -o json
cp "$TMP/out" "$TMP/vms.json"
expect_status 0 ctl capacity -o json
cp "$TMP/out" "$TMP/capacity.json"
$PY - "$TMP/hosts.json" "$TMP/vms.json" "$TMP/capacity.json" "$M/infrastructure.yaml" <<'PY'
import json, sys, yaml
hosts, vms, lines = (json.load(open(p)) for p in sys.argv[1:4])
pools = {d["metadata"]["name"]: d["spec"] for d in yaml.safe_load_all(open(sys.argv[4])) if d and d["kind"] == "Pool"}
line = lambda scope, name, res: [l for l in lines if (l["scope"], l["name"], l["resource"]) == (scope, name, res)][0]
for pool, spec in pools.items():
    mine = [h for h in hosts if h["pool"] == pool]
    over = round(float(spec.get("cpuOvercommit", 1)) * 1000)
    want = sum(h["vcpu"]["cpus"] * over // 1000 for h in mine)
    assert all(h["vcpu"]["total"] == h["vcpu"]["cpus"] * over // 1000 for h in mine), mine
    v = line("pool", pool, "vcpu")
    assert v["total"] == want, (pool, v, want)
    names = {h["name"] for h in mine}
    assert v["allocated"] == sum(x["cpus"] for x in vms if x["host"] in names), (pool, v)
    assert v["allocatedPermille"] == v["allocated"] * 1000 // v["total"], v
    assert v["used"] is None, v  # nothing collected yet
    m = line("pool", pool, "memory-gib")
    assert m["total"] == sum(h["memoryMiB"]["total"] for h in mine) // 1024, m
assert any(p.get("cpuOvercommit", 1) != 1 for p in pools.values()), "the example should overcommit a pool"
assert any(l["scope"] == "zone" for l in lines) and any(l["resource"].startswith("gpu") for l in lines), lines
PY
expect_status 0 ctl get hosts
expect_contains "$TMP/out" "/128"  # kp-01: 64 CPUs x 2.0 in tianning1

# --pool and the table.
expect_status 0 ctl capacity --pool tianning1
expect_contains "$TMP/out" "tianning1"
grep -q "erlonglu" "$TMP/out" && fail "--pool tianning1 shows erlonglu"
expect_status 2 ctl capacity --pool tianingl
expect_contains "$TMP/err" "pool \"tianingl\" not found"

# Used after two metric rounds.
expect_status 0 ctl collect
sleep 1
expect_status 0 ctl collect
expect_status 0 ctl capacity -o json
$PY -c '
import json, sys
lines = json.load(open(sys.argv[1]))
assert all(l["used"] is not None for l in lines if l["resource"] in ("vcpu", "memory-gib")), lines
' "$TMP/out"

# A growing history: 60 days of extra vCPU on edu-portal-web-1 (erlonglu),
# one more each day, then the forecast as of now.
NOW=$(($(date +%s) * 1000))
DAY=86400000
HOST=$($PY -c 'import json,sys; print([v["host"] for v in json.load(open(sys.argv[1])) if v["name"]=="edu-portal-web-1"][0])' "$TMP/vms.json")
POOL=$($PY -c 'import json,sys; print([h["pool"] for h in json.load(open(sys.argv[1])) if h["name"]==sys.argv[2]][0])' "$TMP/hosts.json" "$HOST")
for k in $(seq 0 59); do
  echo "INSERT INTO meter_intervals (tenant, system, vm, item, quantity, start_ms, end_ms)
    VALUES ('education', 'edu-portal', 'edu-portal-web-1', 'vcpu', $((k + 1)), $((NOW - (61 - k) * DAY)), $((NOW - (60 - k) * DAY)));"
done | sqlite3 "$STATE"
expect_status 0 env XCLOUD_NOW_MS=$NOW "$XCLOUDCTL" --state "$STATE" capacity --pool "$POOL" --forecast -o json
cp "$TMP/out" "$TMP/forecast.json"
sqlite3 -json "$STATE" "SELECT tenant, vm, item, quantity, start_ms, end_ms FROM meter_intervals" >"$TMP/meter.json"
$PY - "$TMP/forecast.json" "$TMP/meter.json" "$TMP/vms.json" "$TMP/hosts.json" "$POOL" "$NOW" <<'PY'
import datetime, json, sys
from fractions import Fraction
from math import ceil
lines, meter, vms, hosts = (json.load(open(p)) for p in sys.argv[1:5])
pool, now = sys.argv[5], int(sys.argv[6])
DAY = 86400000
in_pool = {(v["tenant"], v["name"]) for v in vms if any(h["name"] == v["host"] and h["pool"] == pool for h in hosts)}
mine = [m for m in meter if (m["tenant"], m["vm"]) in in_pool and m["item"] == "vcpu"]
first = min(m["start_ms"] for m in mine)
samples = []
for back in range(89, -1, -1):
    t = now - back * DAY
    if t < first:
        continue
    alloc = sum(m["quantity"] for m in mine if m["start_ms"] <= t and (m["end_ms"] is None or m["end_ms"] > t))
    samples.append(((t + 8 * 3600000) // DAY, alloc))
v = [l for l in lines if l["resource"] == "vcpu"][0]
f = v["forecast"]
assert f["samples"] == len(samples), (f["samples"], len(samples))
n = len(samples)
x0 = samples[0][0]
xs = [x - x0 for x, _ in samples]
ys = [y for _, y in samples]
sx, sy = sum(xs), sum(ys)
sxx, sxy = sum(x * x for x in xs), sum(x * y for x, y in zip(xs, ys))
slope = Fraction(n * sxy - sx * sy, n * sxx - sx * sx)
assert Fraction(f["slopePerDay"]["numerator"], f["slopePerDay"]["denominator"]) == slope, (f, slope)
intercept = (Fraction(sy) - slope * sx) / n
today = (now + 8 * 3600000) // DAY
def expect(percent):
    target = Fraction(v["total"] * percent, 100)
    if ys[-1] * 100 >= v["total"] * percent:
        return {"reach": "reached"}
    if slope <= 0:
        return {"reach": "never"}
    day = max(x0 + ceil((target - intercept) / slope), today)
    return {"reach": "on", "date": (datetime.date(1970, 1, 1) + datetime.timedelta(days=day)).isoformat()}
assert f["at80"] == expect(80), (f["at80"], expect(80))
assert f["at100"] == expect(100), (f["at100"], expect(100))
print("forecast of", pool, "vcpu:", f)
PY
expect_status 0 env XCLOUD_NOW_MS=$NOW "$XCLOUDCTL" --state "$STATE" capacity --forecast
expect_contains "$TMP/out" "80% ON"
echo "ok"
