# xcloudctl quota through the real binary: the tenant tree from manifests and
# from the state store, table / CSV (UTF-8 with BOM) / JSON, the TENANT
# filter, and highlighting above 80% only on a terminal.
source "$(dirname "$0")/../support/e2e.sh"

CLOUD="$XC_SOURCE_DIR/examples/cloud"

# Table: children indented under their parent, Chinese display names, use/limit percent.
expect_status 0 "$XCLOUDCTL" quota -f "$CLOUD"
expect_contains "$TMP/out" "DISPLAY NAME"
expect_contains "$TMP/out" "教育局"
expect_contains "$TMP/out" "中小学科"
grep -q "^  schools " "$TMP/out" || fail "schools is not indented under education: $(cat "$TMP/out")"
grep -q "^education .*18/64 28%.*760/4000 19%" "$TMP/out" || fail "education's rolled-up usage: $(cat "$TMP/out")"
grep -q "^health .*680/1000 68%" "$TMP/out" || fail "health's usage: $(cat "$TMP/out")"
if grep -q $'\033' "$TMP/out"; then fail "colour written to a file"; fi

# CSV: UTF-8 with a byte order mark, one row per tenant and resource.
expect_status 0 "$XCLOUDCTL" quota -f "$CLOUD" -o csv
[ "$(head -c 3 "$TMP/out" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] || fail "CSV has no UTF-8 BOM"
expect_contains "$TMP/out" "TENANT,DISPLAY NAME,RESOURCE,USED,LIMIT,PERCENT"
expect_contains "$TMP/out" "education/schools,中小学科,storageGiB.normal,260,1000,26"
expect_contains "$TMP/out" "education,教育局,vcpu,18,64,28"
expect_contains "$TMP/out" "health,卫生健康委员会,vms,2,10,20"

# JSON: rolled up; an attached volume counts in its VM's tenant.
expect_status 0 "$XCLOUDCTL" quota -f "$CLOUD" -o json
python3 - "$TMP/out" <<'PY'
import json, sys
rows = {r["tenant"]: r for r in json.load(open(sys.argv[1], encoding="utf-8"))}
assert list(rows) == ["education", "education/schools", "health"], list(rows)
edu, schools = rows["education"], rows["education/schools"]
assert edu["displayName"] == "教育局", edu
assert edu["resources"]["vcpu"] == {"used": 18, "limit": 64, "percent": 28}, edu
assert edu["resources"]["vms"]["used"] == 4, edu
assert schools["parent"] == "education", schools
assert schools["resources"]["storageGiB.normal"]["used"] == 260, schools
assert rows["health"]["resources"]["accelerators.gpu-16g"]["limit"] is None, rows["health"]
assert not any(r["aboveThreshold"] for r in rows.values())
PY
expect_status 0 "$XCLOUDCTL" quota -f "$CLOUD" -o yaml
expect_contains "$TMP/out" "displayName: 中小学科"

# TENANT: that tenant and its sub-tenants only; an unknown one fails.
expect_status 0 "$XCLOUDCTL" quota education -f "$CLOUD"
expect_contains "$TMP/out" "  schools"
if grep -q "health" "$TMP/out"; then fail "quota education shows health"; fi
expect_status 0 "$XCLOUDCTL" quota -f "$CLOUD" education/schools -o json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [t["tenant"] for t in r]==["education/schools"], r' "$TMP/out"
expect_status 2 "$XCLOUDCTL" quota nosuch -f "$CLOUD"
expect_contains "$TMP/err" "unknown tenant 'nosuch'"
expect_status 2 "$XCLOUDCTL" quota eduction -f "$CLOUD"
expect_contains "$TMP/err" "unknown tenant 'eduction' (did you mean 'education'?)"

# Above 80%: flagged in JSON; bold yellow on a terminal only.
cp -r "$CLOUD" "$TMP/cloud"
sed -i 's/storageGiB: {normal: 1000, high: 1000}/storageGiB: {normal: 1000, high: 700}/' "$TMP/cloud/tenants.yaml"
expect_status 0 "$XCLOUDCTL" quota -f "$TMP/cloud" -o json
python3 -c 'import json,sys; r={t["tenant"]: t["aboveThreshold"] for t in json.load(open(sys.argv[1]))}; assert r=={"education":False,"education/schools":False,"health":True}, r' "$TMP/out"
expect_status 0 "$XCLOUDCTL" quota -f "$TMP/cloud"
if grep -q $'\033' "$TMP/out"; then fail "colour written to a file"; fi
if command -v script >/dev/null; then
  env -u NO_COLOR TERM=xterm script -qec "'$XCLOUDCTL' quota -f '$TMP/cloud'" /dev/null >"$TMP/tty" 2>&1 ||
    fail "quota on a terminal failed: $(cat "$TMP/tty")"
  grep -q $'\033\\[1;33mhealth ' "$TMP/tty" || fail "health is not highlighted on a terminal: $(cat -v "$TMP/tty")"
  if grep -q $'\033\\[1;33meducation' "$TMP/tty"; then fail "education is highlighted"; fi
fi

# From the state store (no -f): an empty store has no tenants; stored
# Tenant and VirtualMachine records are read back, stopped VMs included.
STATE="$TMP/state.db"
expect_status 0 "$XCLOUDCTL" --state "$STATE" init
expect_status 0 "$XCLOUDCTL" --state "$STATE" quota
expect_contains "$TMP/err" "No tenants found."
python3 - "$STATE" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
def put(kind, tenant, name, record):
    db.execute("INSERT INTO resources (kind, tenant, name, spec_json, spec_hash, generation, manifest_set, updated_at_ms)"
               " VALUES (?, ?, ?, ?, 'aa', 1, 'default', 0)", (kind, tenant, name, json.dumps(record, ensure_ascii=False)))
put("Tenant", "", "education", {"manifest": {"spec": {"displayName": "教育局", "quota": {"vcpu": 10, "vms": 4}}}})
put("Tenant", "", "education/schools", {"manifest": {"spec": {"displayName": "中小学科", "quota": {"vcpu": 8}}}})
domain = {"tenant": "education/schools", "name": "app", "spec_hash": "ab", "generation": 1, "arch": "x86_64",
          "cpus": 7, "memory_mib": 4096, "power": "stopped",
          "disks": [{"name": "root", "size_gib": 60, "tier": "normal"}, {"name": "data", "size_gib": 200, "tier": "normal"}],
          "nics": [], "accelerators": []}
put("VirtualMachine", "education/schools", "app", {"manifest": {"spec": {}}, "domain": domain})
db.commit()
PY
expect_status 0 "$XCLOUDCTL" --state "$STATE" quota -o csv
expect_contains "$TMP/out" "education/schools,中小学科,vcpu,7,8,87"
expect_contains "$TMP/out" "education/schools,中小学科,storageGiB.normal,260,,"
expect_contains "$TMP/out" "education,教育局,vms,1,4,25"
expect_status 0 "$XCLOUDCTL" --state "$STATE" quota education
grep -q "^  schools .*7/8 87%" "$TMP/out" || fail "stored usage: $(cat "$TMP/out")"

# Help shows an example.
expect_status 0 "$XCLOUDCTL" quota --help
expect_contains "$TMP/out" "Examples:"
expect_contains "$TMP/out" "xcloudctl quota education -o json"
echo "quota: ok"
