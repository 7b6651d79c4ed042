# xcloudctl vm start|stop|shutdown|reboot against three real agents over
# mutual TLS (libvirt's test:/// driver, where a guest shuts down at once):
# state transitions, one audit record per VM, a stop against `power: running`
# shown as drift at the next diff (the spec is never changed), exit codes and
# "did you mean" for an unknown VM, -o json, and `power: stopped` in a
# manifest stopping the guest gracefully.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
json_check() {  # json_check PYTHON-EXPRESSION-OVER-d: asserts it on $TMP/out
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert ($1), d" "$TMP/out" || fail "json check failed: $1"
}
vm_state() {  # vm_state NAME: the state `get vms` shows
  ctl get vms -o json | python3 -c "import json,sys; print([v for v in json.load(sys.stdin) if v['name']=='$1'][0]['state'])"
}
audit_json() {
  ctl audit list --object "VirtualMachine/education/edu-portal-web-1" -o json >"$TMP/out"
}

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl diff -f "$M"

# A graceful stop: the guest shuts down when asked, the state follows, the
# spec stays, and the next diff shows the contradiction as drift.
expect_status 0 ctl vm stop edu-portal-web-1 --as alice --reason CHG-7
expect_contains "$TMP/out" "education/edu-portal-web-1: shut down by the guest in"
expect_contains "$TMP/out" "now stopped"
expect_contains "$TMP/out" "the declared spec is unchanged"
[ "$(vm_state edu-portal-web-1)" = stopped ] || fail "get vms does not show the VM stopped"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "edu-portal-web-1"
expect_contains "$TMP/out" "stopped outside xcloud"
audit_json
json_check 'd[-1]["action"] == "stop" and d[-1]["result"] == "ok" and d[-1]["as"] == "alice" and d[-1]["reason"] == "CHG-7"'
json_check '"shut down by the guest" in d[-1]["message"] and d[-1]["hash_before"] == d[-1]["hash_after"] != ""'

# Start again: running, no drift.
expect_status 0 ctl vm start edu-portal-web-1
expect_contains "$TMP/out" "started"
expect_status 0 ctl vm start edu-portal-web-1
expect_contains "$TMP/out" "already running"
expect_status 0 ctl diff -f "$M"

# Reboot (ACPI) and reset (--force).
expect_status 0 ctl vm reboot edu-portal-web-1
expect_contains "$TMP/out" "reboot requested (ACPI)"
expect_status 0 ctl vm reboot edu-portal-web-1 --force
expect_contains "$TMP/out" "reset"
audit_json
json_check '[r["action"] for r in d[-4:]] == ["start", "start", "reboot", "reboot"]'

# --force powers off at once; several VMs report progress, -o json the results.
expect_status 0 ctl vm shutdown edu-portal-web-1 edu-portal-web-2 --force -o json
expect_contains "$TMP/err" "[1/2] education/edu-portal-web-1: powered off"
expect_contains "$TMP/err" "[2/2] education/edu-portal-web-2: powered off"
json_check 'len(d) == 2 and all(r["result"] == "ok" and r["state"] == "stopped" and r["outcome"] == "powered-off" for r in d)'
json_check 'd[0]["tenant"] == "education" and d[0]["host"] in ("x86-01", "x86-02") and d[0]["domain"] == "xc-education.edu-portal-web-1"'
expect_status 0 ctl vm stop edu-portal-web-1
expect_contains "$TMP/out" "already stopped"
expect_status 1 ctl diff -f "$M"
expect_status 0 ctl apply -f "$M"   # the declared power: running wins
[ "$(vm_state edu-portal-web-1)" = running ] || fail "apply did not start the VM again"

# Usage errors and unknown VMs change nothing (exit 2).
before=$(ctl audit list -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_status 2 ctl vm stop edu-portal-web-l
expect_contains "$TMP/err" "VM \"edu-portal-web-l\" not found (did you mean 'edu-portal-web-1'?); nothing was changed"
expect_status 2 ctl vm stop edu-portal-web-1 nosuch-vm
expect_status 2 ctl vm stop edu-portal-web-1 --tenant health
expect_status 2 ctl vm stop edu-portal-web-1 --timeout 10m
expect_contains "$TMP/err" "--timeout: '10m' is longer than 240 s"
expect_status 2 ctl vm stop edu-portal-web-1 --timeout soon
expect_status 2 ctl vm start edu-portal-web-1 --force
expect_status 2 ctl vm explode edu-portal-web-1
after=$(ctl audit list -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$before" = "$after" ] || fail "a refused command wrote audit records ($before -> $after)"
[ "$(vm_state edu-portal-web-1)" = running ] || fail "a refused command changed the VM"

# `power: stopped` in a manifest asks the guest too (here it shuts down at once).
sed -i '39s/power: running/power: stopped/' "$M/vms.yaml"
grep -q "power: stopped" "$M/vms.yaml" || fail "the manifest edit did not apply"
expect_status 0 ctl apply -f "$M"
[ "$(vm_state edu-portal-web-2)" = stopped ] || fail "power: stopped did not stop the VM"
expect_status 0 ctl diff -f "$M"

# A host that fails: exit 1, and the failure is audited.
kill "${AGENT_PIDS[0]}" "${AGENT_PIDS[1]}"
wait "${AGENT_PIDS[0]}" "${AGENT_PIDS[1]}" 2>/dev/null || true
expect_status 1 ctl vm stop edu-portal-web-1
expect_contains "$TMP/err" "vm stop education/edu-portal-web-1"
audit_json
json_check 'd[-1]["action"] == "stop" and d[-1]["result"] == "error"'

# Help says what the commands do not do.
expect_status 0 ctl vm stop --help
expect_contains "$TMP/out" "shows as drift in the next 'xcloudctl diff'"
expect_contains "$TMP/out" "xcloudctl vm stop edu-portal-web-1 --timeout"
echo "vm power: ok"
