# xcloudctl diff/apply/prune/get against three real agents over mutual TLS:
# create, converge, change, drift repaired, prune, and unmanaged domains left alone.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M" legacy

# A fresh cloud: diff shows the creations (exit 1), apply makes them, diff is then clean (exit 0).
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "Plan: 6 to create"
expect_contains "$TMP/out" "3 network changes, 2 security group changes"
expect_contains "$TMP/out" "+ ensure-securitygroup SecurityGroup education/web on x86-01 (new)"
expect_status 0 ctl apply -f "$M"
expect_contains "$TMP/out" "Applied: 11 done, 0 failed."
expect_status 0 ctl diff -f "$M"
expect_contains "$TMP/out" "6 unchanged."
expect_status 0 ctl diff -f "$M" -o json
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert p["steps"] == [] and len(p["unchanged"]) == 6, p' "$TMP/out"

# Reads.
expect_status 0 ctl get vms
[ "$(grep -c running "$TMP/out")" = 6 ] || fail "not 6 running VMs: $(cat "$TMP/out")"
expect_status 0 ctl get vms --tenant education -l system=edu-portal -o json
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert sorted(x["name"] for x in v) == ["edu-portal-db-1","edu-portal-web-1","edu-portal-web-2"], v' "$TMP/out"
expect_status 0 ctl get vms --ip 10.20.1.11
expect_contains "$TMP/out" "edu-portal-web-1"
expect_status 0 ctl get hosts
grep -qE "^kp-01 +ready +aarch64" "$TMP/out" || fail "get hosts: $(cat "$TMP/out")"
expect_status 0 ctl get unmanaged
expect_contains "$TMP/out" "legacy-erp"
expect_status 0 ctl get tenants
expect_contains "$TMP/out" "教育局"

# A change: more memory for one VM is an update that needs a restart (pending without --allow-restart).
sed -i '0,/memoryGiB: 8/s//memoryGiB: 12/' "$M/vms.yaml"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "~ update VirtualMachine education/edu-portal-web-1 on x86-0"
expect_contains "$TMP/out" "spec.memoryGiB: 8 -> 12"
expect_contains "$TMP/out" "restart: memory"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl diff -f "$M"
expect_contains "$TMP/out" "a change waits for the guest's restart (apply --allow-restart)"
expect_status 0 ctl get vms edu-portal-web-1
expect_contains "$TMP/out" "restart pending"
expect_status 0 ctl apply -f "$M" --allow-restart
expect_status 0 ctl get vms edu-portal-web-1
expect_contains "$TMP/out" "12Gi"
grep -q "restart pending" "$TMP/out" && fail "restart still pending after --allow-restart"

# Drift: a VM stopped and another deleted behind xcloud's back are repaired.
expect_status 0 ctl get vms edu-portal-web-1 -o json
web_host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["host"])' "$TMP/out")
web_port=${ports[0]}
[ "$web_host" = x86-02 ] && web_port=${ports[1]}
agent_rpc "$web_port" domain.power '{"name":"xc-education.edu-portal-web-1","action":"destroy"}' >/dev/null
agent_rpc "${ports[2]}" domain.delete '{"name":"xc-health.health-records-app-1"}' >/dev/null
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "~ start VirtualMachine education/edu-portal-web-1 on $web_host (drift: stopped outside xcloud)"
expect_contains "$TMP/out" "+ create VirtualMachine health/health-records-app-1 on kp-01"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl diff -f "$M"

# Prune: a VM removed from the manifests is shown by diff --prune and deleted by apply --prune.
python3 - "$M/vms.yaml" <<'PY'
import sys
path = sys.argv[1]
docs = open(path).read().split("\n---\n")
docs = [d for d in docs if "name: health-records-db-1" not in d and "attachTo: health-records-db-1" not in d]
open(path, "w").write("\n---\n".join(docs))
PY
expect_status 0 ctl diff -f "$M"
expect_status 1 ctl diff -f "$M" --prune
expect_contains "$TMP/out" "- delete VirtualMachine health/health-records-db-1 on kp-01 (pruned: no longer declared)"
expect_status 0 ctl apply -f "$M" --prune --yes
expect_status 0 ctl diff -f "$M" --prune
expect_status 0 ctl get vms
grep -q health-records-db-1 "$TMP/out" && fail "pruned VM still listed"
# The unmanaged domain was never touched.
expect_status 0 ctl get unmanaged
expect_contains "$TMP/out" "running"

# A plan over a tenant's quota is refused whole, before any host is touched.
cp -r "$M" "$TMP/over"
python3 - "$TMP/over/vms.yaml" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
extra = """
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: big-batch-1, tenant: education/schools}
spec:
  cpus: 16
  memoryGiB: 32
  image: uos-20
  disks: [{name: root, sizeGiB: 40, tier: normal}]
"""
open(path, "w").write(text + extra)
PY
expect_status 0 ctl diff -f "$M" -o json
before=$(cat "$TMP/out")
expect_status 1 ctl apply -f "$TMP/over"
expect_contains "$TMP/err" "error: tenant education/schools: quota exceeded for vcpu: using 2, plan adds 16, limit 16"
expect_contains "$TMP/err" "nothing was changed"
expect_status 0 ctl diff -f "$M" -o json
[ "$(cat "$TMP/out")" = "$before" ] || fail "a refused plan changed a host"

# Bad input changes nothing and exits 2.
echo "kind: Nonsense" > "$M/bad.yaml"
expect_status 2 ctl apply -f "$M"
expect_contains "$TMP/err" "nothing was changed"
echo "reconcile: ok"
