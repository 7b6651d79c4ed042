# xcloudctl describe and delete against three real agents over mutual TLS:
# sections and structured output, ambiguous and unknown names, a VM deleted on
# its host with its audit record, and the refusals that protect hosts and tenants.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
json_check() {  # json_check PYTHON-EXPRESSION-OVER-d: asserts it on $TMP/out
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert ($1), d" "$TMP/out" || fail "json check failed: $1"
}

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M" legacy
declare -A port_of=([x86-01]=${ports[0]} [x86-02]=${ports[1]} [kp-01]=${ports[2]})
expect_status 0 ctl apply -f "$M"

# describe vm: every section, the manifest as YAML, the create record.
expect_status 0 ctl describe vm edu-portal-web-1
for s in "Identity:" "Placement:" "Observed state" "Spec:" "Recent changes:" "Tenant:" "education" \
  "Labels:" "system=edu-portal, tier=web" "Generation:" "Spec hash:" "Pool:" "erlonglu" "Zone:" "gov-extranet" \
  "State:" "running" "vCPU:" "Memory:" "8Gi" "Restart pending:" "no" "ID:" "kind: VirtualMachine" \
  "memoryGiB: 8" "ACTOR" "create" "ok"; do
  expect_contains "$TMP/out" "$s"
done

# describe -o json: the structured object.
expect_status 0 ctl describe vm edu-portal-web-1 -o json
json_check 'd["kind"] == "VirtualMachine" and d["tenant"] == "education" and d["name"] == "edu-portal-web-1"'
json_check 'd["labels"] == {"system": "edu-portal", "tier": "web"} and d["generation"] == 1 and len(d["specHash"]) > 0'
json_check 'd["placement"]["host"] in ("x86-01", "x86-02") and d["placement"]["pool"] == "erlonglu" and d["placement"]["zone"] == "gov-extranet"'
json_check 'd["observed"]["state"] == "running" and d["observed"]["cpus"] == 4 and d["observed"]["memoryMiB"] == 8192'
json_check 'd["observed"]["restartPending"] is False and len(d["observed"]["id"]) == 36'
json_check 'd["domain"] == "xc-education.edu-portal-web-1" and d["spec"]["spec"]["memoryGiB"] == 8'
json_check 'd["recentChanges"][-1]["action"] == "create" and d["recentChanges"][-1]["result"] == "ok"'
expect_status 0 ctl describe vm edu-portal-web-1 -o yaml
expect_contains "$TMP/out" "recentChanges:"

# Other kinds.
expect_status 0 ctl describe host kp-01
for s in "Identity:" "Placement:" "Observed state" "aarch64" "gpu-16g" "VMs (" "health-records-db-1" "Spec:" "Recent changes:"; do
  expect_contains "$TMP/out" "$s"
done
expect_status 0 ctl describe host kp-01 -o json
json_check 'd["name"] == "kp-01" and d["observed"]["arch"] == "aarch64" and len(d["vms"]) == 2'
# A placement group: its members and the hosts they run on (anti-affinity: two hosts).
expect_status 0 ctl describe placementgroup edu-portal-web
expect_contains "$TMP/out" "Members (2):"
expect_contains "$TMP/out" "edu-portal-web-1"
expect_contains "$TMP/out" "edu-portal-web-2"
expect_status 0 ctl describe pg edu-portal-web -o json
json_check 'sorted(m["name"] for m in d["members"]) == ["edu-portal-web-1", "edu-portal-web-2"]'
json_check 'sorted(m["host"] for m in d["members"]) == ["x86-01", "x86-02"] and all(m["state"] == "running" for m in d["members"])'
expect_status 0 ctl describe tenant education
expect_contains "$TMP/out" "Kind:"
expect_contains "$TMP/out" "Tenant"
expect_status 0 ctl describe network app --tenant health -o json
json_check 'd["kind"] == "Network" and d["tenant"] == "health" and d["spec"]["spec"]["vxlan"] == 5001'

# Ambiguous (exit 2, the candidates listed) and unknown (exit 2, with a suggestion) names.
expect_status 2 ctl describe network app
expect_contains "$TMP/err" 'Network "education/app"'
expect_contains "$TMP/err" 'Network "health/app"'
expect_contains "$TMP/err" "--tenant"
expect_status 2 ctl describe vm no-such-vm
expect_contains "$TMP/err" 'VirtualMachine "no-such-vm" not found'
expect_status 2 ctl describe vm edu-portal-web-l
expect_contains "$TMP/err" "VirtualMachine \"edu-portal-web-l\" not found (did you mean 'edu-portal-web-1'?)"
expect_status 2 ctl describe vm edu-portal-web-1 --tenant health
expect_contains "$TMP/err" 'not found in tenant health'
expect_status 2 ctl describe vm edu-portal-web-1 --tenant heath
expect_contains "$TMP/err" "unknown tenant 'heath' (did you mean 'health'?)"
expect_status 2 ctl describe host no-such-host
expect_status 2 ctl describe host x86-1
expect_contains "$TMP/err" "host \"x86-1\" not found (did you mean 'x86-01'?)"
expect_status 2 ctl describe netwrok app
expect_contains "$TMP/err" "unknown kind 'netwrok' (did you mean 'network'?)"
expect_status 2 ctl describe gizmo x
expect_status 2 ctl delete network app --yes
expect_contains "$TMP/err" 'Network "health/app"'
expect_status 2 ctl delete vm no-such-vm --yes
expect_contains "$TMP/err" "not found"
expect_status 2 ctl delete vm edu-portal-web-1 --tenant eduction --yes
expect_contains "$TMP/err" "unknown tenant 'eduction' (did you mean 'education'?); nothing was changed"

# A host or tenant that still has VMs is refused, and nothing is recorded.
seq_before=$(ctl audit list -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_status 1 ctl delete host kp-01 --yes
expect_contains "$TMP/err" "still has 2 VM(s)"
expect_status 1 ctl delete tenant education --yes
expect_contains "$TMP/err" "still has"
seq_after=$(ctl audit list -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$seq_before" = "$seq_after" ] || fail "a refused delete wrote audit records"

# delete vm: gone from the host and the store, one audit record, a hint about the manifests.
expect_status 0 ctl describe vm health-records-db-1 -o json
hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["specHash"])' "$TMP/out")
host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["placement"]["host"])' "$TMP/out")
grep -q "xc-health.health-records-db-1" <<<"$(agent_rpc "${port_of[$host]}" domains.list '{}')" || fail "VM not on its host before delete"
expect_status 0 ctl --reason CHG-42 delete vm health-records-db-1 --tenant health --wipe --yes
expect_contains "$TMP/out" "deleted VirtualMachine \"health/health-records-db-1\" from host $host"
expect_contains "$TMP/out" "remove it from the manifests or it will be re-created by the next apply"
expect_status 0 ctl get vms
grep -q health-records-db-1 "$TMP/out" && fail "deleted VM still listed by get vms"
grep -q "xc-health.health-records-db-1" <<<"$(agent_rpc "${port_of[$host]}" domains.list '{}')" && fail "agent still lists the deleted VM"
expect_status 0 ctl audit list --object VirtualMachine/health/health-records-db-1 -o json
json_check '[r["action"] for r in d].count("delete") == 1'
# The record and the output say what the agent reported: a simulated host wipes nothing.
json_check 'd[-1]["message"] == "host %s, domain xc-health.health-records-db-1, disks not wiped (simulated host: nothing to wipe)" % "'"$host"'"'
json_check 'd[-1]["action"] == "delete" and d[-1]["result"] == "ok" and d[-1]["hash_after"] == "" and d[-1]["reason"] == "CHG-42"'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[-1]["hash_before"] == sys.argv[2], d' "$TMP/out" "$hash" ||
  fail "the delete record's hash_before is not the stored hash"
expect_status 2 ctl describe vm health-records-db-1
# Intact; no signing key here, so nothing is sealed (exit 3).
expect_status 3 ctl audit verify
expect_contains "$TMP/out" "intact: "
# Still declared: the next diff re-creates it.
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "+ create VirtualMachine health/health-records-db-1"

# A store-only kind: the record goes, the audit record says so, describe no longer finds it.
expect_status 0 ctl delete securitygroup web --yes
expect_contains "$TMP/out" 'deleted SecurityGroup "education/web"'
expect_status 2 ctl describe securitygroup web
expect_status 0 ctl audit list --object SecurityGroup/education/web -o json
json_check 'd[-1]["action"] == "delete" and d[-1]["result"] == "ok"'
# A host that cannot be reached: the delete fails, the store keeps the VM, the attempt is recorded.
kill "${AGENT_PIDS[2]}" && wait "${AGENT_PIDS[2]}" 2>/dev/null || true
expect_status 1 ctl delete vm health-records-app-1 --yes
expect_contains "$TMP/err" "kp-01"
expect_status 0 ctl get vms health-records-app-1
expect_contains "$TMP/out" "health-records-app-1"
expect_status 0 ctl audit list --object VirtualMachine/health/health-records-app-1 -o json
json_check 'd[-1]["action"] == "delete" and d[-1]["result"] == "error" and "kp-01" in d[-1]["message"]'
# Intact; no signing key here, so nothing is sealed (exit 3).
expect_status 3 ctl audit verify
expect_contains "$TMP/out" "intact: "
echo "describe_delete: ok"
