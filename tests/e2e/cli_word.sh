# The CLI keeps its word (issue 11, item 7), through the real xcloudctl and
# three real agents on test:/// hosts: every command's help shows its own
# examples; --state is the database everywhere (get filters by --status);
# kubectl label selectors on every kind; unknown names are exit 2 with a
# suggestion; a VM update leaves an unchanged security group alone.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
names() {  # names PYTHON-EXPRESSION: the sorted names of the JSON list in $TMP/out
  python3 -c 'import json,sys; print(" ".join(sorted(x["metadata"]["name"] if "metadata" in x else x["name"] for x in json.load(open(sys.argv[1])))))' "$TMP/out"
}

# Every command and subcommand: its help ends with examples of itself, never
# the root's (CLI11 hands a parent's footer down to subcommands without one).
subcommands() {  # subcommands PATH...: the subcommand names listed by PATH --help
  "$XCLOUDCTL" "$@" --help | awk '/^Subcommands:/ {on=1; next} on && /^$/ {on=0} on && /^  [a-z]/ {print $1}'
}
check_help() {
  local path=("$@")
  "$XCLOUDCTL" "${path[@]}" --help >"$TMP/help" || fail "xcloudctl ${path[*]} --help failed"
  grep -qE "^  xcloudctl ${path[*]}( |$)" "$TMP/help" ||
    fail "xcloudctl ${path[*]} --help has no example of itself: $(cat "$TMP/help")"
  local sub
  for sub in $(subcommands "${path[@]}"); do check_help "${path[@]}" "$sub"; done
}
top=$(subcommands)
[ "$(echo "$top" | wc -w)" -ge 14 ] || fail "too few commands found in xcloudctl --help: $top"
for cmd in $top; do check_help "$cmd"; done
"$XCLOUDCTL" ca --help >"$TMP/help"
grep -q "xcloudctl validate -f examples/" "$TMP/help" && fail "ca --help shows the root's examples"

# No option means two things: --state is the database, also after `get`.
"$XCLOUDCTL" get --help >"$TMP/help"
grep -q -- "--state" "$TMP/help" && fail "get --help still has its own --state"
expect_contains "$TMP/help" "--status"

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M" legacy
# Labels to select on, on kinds other than VMs.
sed -i '0,/name: web$/s//name: web\n  labels: {exposure: public}/' "$M/networks.yaml"
expect_status 0 ctl validate -f "$M"
expect_status 0 ctl apply -f "$M"

expect_status 0 "$XCLOUDCTL" get vms --state "$STATE" --status running -o json
[ "$(names)" = "edu-portal-db-1 edu-portal-web-1 edu-portal-web-2 health-records-app-1 health-records-db-1 student-registry-app-1" ] ||
  fail "get vms --state DB --status running: $(names)"
expect_status 0 ctl get vms --status stopped -o json
[ "$(cat "$TMP/out")" = "[]" ] || fail "stopped VMs listed: $(cat "$TMP/out")"

# Selectors: kubectl's syntax, on VMs and every other kind.
expect_status 0 ctl get vms -l 'tier!=db' -o json
[ "$(names)" = "edu-portal-web-1 edu-portal-web-2 health-records-app-1 student-registry-app-1" ] ||
  fail "-l tier!=db: $(names)"
expect_status 0 ctl get vms -l 'system in (edu-portal, health-records),tier notin (web)' -o json
[ "$(names)" = "edu-portal-db-1 health-records-app-1 health-records-db-1" ] || fail "in/notin: $(names)"
expect_status 0 ctl get vms -l 'system=edu-portal,!tier' -o json
[ "$(cat "$TMP/out")" = "[]" ] || fail "!tier matched: $(cat "$TMP/out")"
expect_status 0 ctl get vms -l 'tier==web' -o json
[ "$(names)" = "edu-portal-web-1 edu-portal-web-2" ] || fail "tier==web: $(names)"
expect_status 0 ctl get securitygroups -l exposure=public -o json
[ "$(names)" = "web" ] || fail "securitygroups -l exposure=public: $(names)"
expect_status 0 ctl get securitygroups -l '!exposure' -o json
if grep -q '"name": "web"' "$TMP/out"; then fail "!exposure matched web"; fi
expect_status 0 ctl get tenants -l 'exposure' -o json
[ "$(cat "$TMP/out")" = "[]" ] || fail "tenants with an exposure label: $(cat "$TMP/out")"
expect_status 0 ctl get hosts -l 'nosuch' -o json
[ "$(cat "$TMP/out")" = "[]" ] || fail "hosts -l nosuch: $(cat "$TMP/out")"
expect_status 2 ctl get vms -l 'tier!db'
expect_contains "$TMP/err" "xcloudctl: -l 'tier!db': position 6: expected '=' after '!' (found 'd')"
expect_status 2 ctl get networks -l 'tier in web'
expect_contains "$TMP/err" "position 9: expected '(' after 'in'"

# Unknown names: exit 2 and a suggestion, wherever a command takes one.
expect_status 2 ctl get vms --tenant eduction
expect_contains "$TMP/err" "unknown tenant 'eduction' (did you mean 'education'?)"
expect_status 2 ctl get vms edu-portal-web-l
expect_contains "$TMP/err" "unknown VM 'edu-portal-web-l' (did you mean 'edu-portal-web-1'?)"
expect_status 2 ctl get hosts x86-1
expect_contains "$TMP/err" "unknown host 'x86-1' (did you mean 'x86-01'?)"
expect_status 2 ctl get vmss
expect_contains "$TMP/err" "unknown kind 'vmss' (did you mean 'vms'?)"
expect_status 2 ctl bill --month 2026-11 --tenant nosuch
expect_contains "$TMP/err" "unknown tenant 'nosuch'"
[ -s "$TMP/out" ] && fail "bill for an unknown tenant printed a bill: $(cat "$TMP/out")"
expect_status 2 ctl bill --month 2026-11 --tenant helth
expect_contains "$TMP/err" "unknown tenant 'helth' (did you mean 'health'?)"
expect_status 2 ctl audit list --tenant helth
expect_contains "$TMP/err" "unknown tenant 'helth' (did you mean 'health'?)"
expect_status 2 ctl quota helth
expect_contains "$TMP/err" "unknown tenant 'helth' (did you mean 'health'?)"
expect_status 0 ctl bill --month 2026-11 --tenant health

# An update of one VM: the unchanged web group already on its host is not re-applied.
ensures() {
  ctl audit list --object SecurityGroup/education/web -o json |
    python3 -c 'import json,sys; print(sum(r["action"] == "ensure-securitygroup" for r in json.load(sys.stdin)))'
}
[ "$(ensures)" = 2 ] || fail "the web group was not ensured on its two hosts: $(ensures)"
sed -i '0,/system: edu-portal, tier: web/s//system: edu-portal, tier: web, owner: alice/' "$M/vms.yaml"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "~ update VirtualMachine education/edu-portal-web-1"
grep -q "ensure-securitygroup" "$TMP/out" && fail "an unchanged group is re-applied: $(cat "$TMP/out")"
expect_status 0 ctl apply -f "$M"
[ "$(ensures)" = 2 ] || fail "the web group was ensured and audited again: $(ensures)"
expect_status 0 ctl audit list --object VirtualMachine/education/edu-portal-web-1 -o json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[-1]["action"] == "update" and d[-1]["result"] == "ok", d' "$TMP/out" ||
  fail "the VM update was not applied: $(cat "$TMP/out")"

# A disk shrink is refused at diff and apply, exit 2, before any host changes.
cp -r "$M" "$TMP/shrink"
sed -i '0,/{name: root, sizeGiB: 80, tier: high}/s//{name: root, sizeGiB: 40, tier: high}/' "$TMP/shrink/vms.yaml"
expect_status 0 ctl validate -f "$TMP/shrink"
expect_status 2 ctl diff -f "$TMP/shrink"
expect_contains "$TMP/err" "VirtualMachine education/edu-portal-web-1: disks.root size_gib 80 -> 40: disks never shrink; nothing was changed"
seq_before=$(ctl audit list -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
expect_status 2 ctl apply -f "$TMP/shrink" --yes
expect_contains "$TMP/err" "disks never shrink"
seq_after=$(ctl audit list -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$seq_before" = "$seq_after" ] || fail "a refused shrink was recorded as a change"
expect_status 0 ctl diff -f "$M"

# A host that cannot be reached: diff records the failed contact; get hosts
# shows it unreachable since then with the last error, its VMs as unknown.
expect_status 0 ctl get hosts
grep -qE "^kp-01 +ready +aarch64" "$TMP/out" || fail "kp-01 not ready: $(cat "$TMP/out")"
kill "${AGENT_PIDS[2]}" && wait "${AGENT_PIDS[2]}" 2>/dev/null || true
expect_status 2 ctl diff -f "$M"
expect_status 0 ctl get hosts
grep -qE "^kp-01 +unreachable since 20[0-9-]+T[0-9:]+" "$TMP/out" || fail "kp-01 not unreachable: $(cat "$TMP/out")"
grep -qE "^x86-01 +ready" "$TMP/out" || fail "x86-01 not ready: $(cat "$TMP/out")"
expect_status 0 ctl get hosts kp-01 -o wide
expect_contains "$TMP/out" "LAST ERROR"
expect_contains "$TMP/out" "kp-01"
expect_status 0 ctl get hosts kp-01 -o json
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))[0]; assert h["state"] == "unreachable" and h["unreachableSinceMs"] > 0 and h["lastError"] and h["contactedAtMs"] > 0, h' "$TMP/out" ||
  fail "get hosts -o json: $(cat "$TMP/out")"
expect_status 0 ctl get vms -o json
python3 -c '
import json,sys
vms = {v["name"]: v for v in json.load(open(sys.argv[1]))}
for name, v in vms.items():
    want = "unknown" if v["host"] == "kp-01" else "running"
    assert v["state"] == want, (name, v)
assert vms["health-records-db-1"]["host"] == "kp-01"
' "$TMP/out" || fail "VM states with kp-01 down: $(cat "$TMP/out")"
expect_status 0 ctl get vms --status unknown -o json
[ "$(names)" = "health-records-app-1 health-records-db-1" ] || fail "--status unknown: $(names)"
expect_status 0 ctl describe host kp-01
expect_contains "$TMP/out" "unreachable since"
expect_contains "$TMP/out" "Last error:"
