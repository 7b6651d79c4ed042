# xcloudctl vm migrate through the real binaries and three agents over mutual
# TLS (libvirt's test:/// driver, so moves are cold): the disk file is copied
# byte for byte, the VM runs on the target only, the placement, `get vms`,
# the audit record and the meter follow; a move killed while copying is
# finished by the next apply (the move journal), never running on two hosts.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
host_of() {  # host_of VM: the host `get vms` shows
  ctl get vms -o json | python3 -c "import json,sys; print([v['host'] for v in json.load(sys.stdin) if v['name']=='$1'][0])"
}
state_of() {  # state_of VM
  ctl get vms -o json | python3 -c "import json,sys; print([v['state'] for v in json.load(sys.stdin) if v['name']=='$1'][0])"
}
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$STATE" "$1"; }
other() { [ "$1" = x86-01 ] && echo x86-02 || echo x86-01; }
disk() { echo "$TMP/agents/$1/disks/xc-education.$2.root.qcow2"; }
running_on() {  # running_on HOST VM: 1 when the host's agent runs the VM
  agent_rpc "$(sql "SELECT substr(address, instr(address, ':') + 1) FROM hosts WHERE name = '$1'")" domains.list '{}' | python3 -c "import json,sys; d=json.load(sys.stdin)['result']['managed']; print(sum(1 for x in d if x['vmName']=='$2' and x['state']=='running'))"
}

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
expect_status 0 ctl apply -f "$M"

# A disk with content on the VM's host (simulated hosts keep no disk files).
from=$(host_of edu-portal-db-1)
to=$(other "$from")
mkdir -p "$TMP/agents/x86-01/disks" "$TMP/agents/x86-02/disks"
head -c $((24 << 20)) /dev/urandom >"$(disk "$from" edu-portal-db-1)"
want=$(sha256sum <"$(disk "$from" edu-portal-db-1)")
meters=$(sql "SELECT count(*) FROM meter_intervals")

# A running VM moves cold only when confirmed; unknown targets are usage errors.
expect_status 1 ctl vm migrate edu-portal-db-1 --to "$to"
expect_contains "$TMP/err" "a cold move stops the VM and stdin is not a terminal; pass --yes"
expect_status 2 ctl vm migrate edu-portal-db-1 --to x86-09 --yes
expect_contains "$TMP/err" 'unknown host "x86-09"'
expect_status 2 ctl vm migrate edu-portal-db-1 --live --yes
expect_contains "$TMP/err" "--live needs a running VM and hosts of one arch and hypervisor"
expect_status 2 ctl vm migrate edu-portal-db-1 --to "$from" --yes
expect_contains "$TMP/err" "already on $from"
web2=$(host_of edu-portal-web-2)
expect_status 2 ctl vm migrate edu-portal-web-1 --to "$web2" --yes
expect_contains "$TMP/err" "$web2 runs edu-portal-web-2 of its anti-affinity group edu-portal-web; nothing was changed"
[ "$(host_of edu-portal-db-1)" = "$from" ] || fail "a refused move changed the placement"

expect_status 0 ctl vm migrate edu-portal-db-1 --to "$to" --yes --as alice --reason CHG-15
expect_contains "$TMP/out" "Plan: migrate VirtualMachine education/edu-portal-db-1 $from -> $to (cold: the VM stops while its disks are copied)"
expect_contains "$TMP/out" "migrated education/edu-portal-db-1 $from -> $to: cold,"
expect_contains "$TMP/out" ", copied host to host"
expect_contains "$TMP/err" "education/edu-portal-db-1: copying ($from -> $to)"
# The target's agent fetched the file from the source's, with a certificate
# made for that one copy; the controller carried no byte of it.
grep -q "volume-stream end file=$TMP/agents/$from/disks/xc-education.edu-portal-db-1.root.qcow2 size=$((24 << 20)) sent=$((24 << 20)) .* result=\"complete\"" "$TMP/agents/$from/agent.log" ||
  fail "the source's agent log shows no complete volume stream: $(grep volume "$TMP/agents/$from/agent.log")"
[ "$(sha256sum <"$(disk "$to" edu-portal-db-1)")" = "$want" ] || fail "the copied disk differs"
# (a simulated host deletes only its libvirt volumes, not this hand-made file)
[ "$(host_of edu-portal-db-1)" = "$to" ] || fail "get vms does not show the VM on $to"
[ "$(state_of edu-portal-db-1)" = running ] || fail "the moved VM is not running"
[ "$(running_on "$from" edu-portal-db-1)" = 0 ] || fail "the VM still runs on $from"
[ "$(sql "SELECT count(*) FROM meter_intervals")" = "$meters" ] || fail "a move opened a new meter interval"
ctl audit list --object VirtualMachine/education/edu-portal-db-1 -o json >"$TMP/out"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[-1]; assert r["action"]=="migrate" and r["result"]=="ok" and r["as"]=="alice" and r["reason"]=="CHG-15" and r["message"].startswith("host %s -> %s: cold, " % (sys.argv[2], sys.argv[3])), r' "$TMP/out" "$from" "$to" || fail "audit record: $(cat "$TMP/out")"
expect_status 0 ctl diff -f "$M"   # the manifests still hold: nothing to do

# Back again, killed while copying: the journal keeps the move; diff warns;
# the next apply finishes it. The VM never runs on both hosts.
from=$(host_of edu-portal-db-1)
to=$(other "$from")
head -c $((192 << 20)) /dev/urandom >"$(disk "$from" edu-portal-db-1)"
want=$(sha256sum <"$(disk "$from" edu-portal-db-1)")
"$XCLOUDCTL" --state "$STATE" vm migrate edu-portal-db-1 --to "$to" --yes </dev/null >"$TMP/bg.out" 2>"$TMP/bg.err" &
bg=$!
for _ in $(seq 600); do grep -q ": copying" "$TMP/bg.err" && break; sleep 0.02; done
kill -9 "$bg"
wait "$bg" 2>/dev/null || true
grep -q ": copying" "$TMP/bg.err" || fail "the move never reached the copy: $(cat "$TMP/bg.err")"
[ "$(sql "SELECT count(*) FROM vm_moves")" = 1 ] || fail "the journal does not hold the killed move (copy finished before the kill?)"
[ $(( $(running_on x86-01 edu-portal-db-1) + $(running_on x86-02 edu-portal-db-1) )) -le 1 ] || fail "running on two hosts"
[ -e "$(disk "$from" edu-portal-db-1)" ] || fail "the source disk is gone before the move finished"
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/err" "warning: the move of education/edu-portal-db-1 $from -> $to is unfinished"
expect_status 0 ctl apply -f "$M" --yes
expect_contains "$TMP/out" "journal: education/edu-portal-db-1 $from -> $to: cold,"
expect_contains "$TMP/out" "(resumed)"
[ "$(sql "SELECT count(*) FROM vm_moves")" = 0 ] || fail "the journal still holds the move"
[ "$(sha256sum <"$(disk "$to" edu-portal-db-1)")" = "$want" ] || fail "the resumed copy differs"
[ "$(host_of edu-portal-db-1)" = "$to" ] || fail "get vms does not show db-1 on $to"
[ "$(running_on "$to" edu-portal-db-1)" = 1 ] || fail "db-1 does not run on $to"
[ "$(running_on "$from" edu-portal-db-1)" = 0 ] || fail "db-1 still runs on $from"
expect_status 0 ctl diff -f "$M"
echo "vm migrate: ok"
