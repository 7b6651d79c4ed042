# One change at a time per state (issue 12): two applies of the same 200 VMs
# at once create each VM once and audit one "create" per VM (the second waits,
# saying for whom); --no-wait fails at once with exit 75; the lock of a killed
# apply is taken over; host enroll waits like any change; reads work while an apply holds the lock; with
# $XCLOUD_AUDIT_KEY every apply seals the audit trail.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; kill -CONT "${first:-0}" 2>/dev/null || true; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
ctl init >/dev/null
ctl ca init >/dev/null
mkdir -p "$TMP/keys"
ctl audit keygen --out "$TMP/keys/audit-sm2.pem" >/dev/null
export XCLOUD_AUDIT_KEY="$TMP/keys/audit-sm2.pem"

ports=()
for _ in 1 2 3 4 5 6; do ports+=("$(free_port)"); done
python3 "$XC_SOURCE_DIR/bench/generate_cloud.py" --out "$TMP/m" --vms 200 --hosts 6 --tenants 10 --systems 20 \
  --ports "$(IFS=,; echo "${ports[*]}")" --hosts-file "$TMP/hosts.txt"
while read -r name arch cpus mem port; do start_agent "$name" "$arch" "$cpus" "$mem" "$port"; done <"$TMP/hosts.txt"
lock="$STATE.lock"

# wait_for_holder PID: until the lock file names PID (it has the lock).
wait_for_holder() {
  for _ in $(seq 600); do
    grep -qx "pid=$1" "$lock" 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || fail "pid $1 ended before taking the lock"
    sleep 0.05
  done
  fail "pid $1 did not take the lock: $(cat "$lock" 2>&1)"
}

# The first apply takes the lock and is stopped there, so the second surely
# finds it held, whatever the machine's speed.
"$XCLOUDCTL" --state "$STATE" apply -f "$TMP/m" >"$TMP/a1" 2>&1 &
first=$!
wait_for_holder "$first"
kill -STOP "$first"
"$XCLOUDCTL" --state "$STATE" apply -f "$TMP/m" >"$TMP/a2" 2>&1 &
second=$!
for _ in $(seq 600); do grep -q "waiting for" "$TMP/a2" && break; sleep 0.05; done
expect_contains "$TMP/a2" "xcloudctl: waiting for the apply by $(id -un) (pid $first) started "
expect_status 75 ctl --no-wait apply -f "$TMP/m"
grep -Eq "^xcloudctl: state database $STATE is in use by the apply by $(id -un) \(pid $first\) started ([0-9]{4}-[0-9]{2}-[0-9]{2} )?[0-9]{2}:[0-9]{2}:[0-9]{2}; not waiting \(--no-wait\)$" "$TMP/err" ||
  fail "--no-wait said: $(cat "$TMP/err")"
expect_status 75 ctl audit note --no-wait "while locked"
expect_status 75 ctl --no-wait host enroll late-host --address 127.0.0.1:7799
[ -e "$TMP/state/pki/hosts/late-host" ] && fail "host enroll changed the state while it was locked"
expect_status 0 ctl get hosts
kill -CONT "$first"
wait "$first" || fail "the first apply failed: $(cat "$TMP/a1")"
wait "$second" || fail "the second apply failed: $(cat "$TMP/a2")"
grep -q "^done: create VirtualMachine" "$TMP/a1" || fail "the first apply created no VM: $(cat "$TMP/a1")"
grep -q "^done: create VirtualMachine" "$TMP/a2" && fail "the second apply created VMs again: $(grep -c '^done: create' "$TMP/a2")"

expect_status 0 ctl audit list -o json
python3 - "$TMP/out" <<'PY'
import collections, json, sys
creates = collections.Counter((r["tenant"], r["name"]) for r in json.load(open(sys.argv[1]))
                              if r["kind"] == "VirtualMachine" and r["action"] == "create")
assert len(creates) == 200, len(creates)
twice = [k for k, n in creates.items() if n != 1]
assert not twice, twice[:5]
PY
# Every apply seals: all records are covered by a checkpoint.
expect_status 0 ctl audit verify
expect_contains "$TMP/out" "ok: "

# A lock left by a killed apply is taken over at once.
cp -r "$TMP/m" "$TMP/m2"
sed -i 's/iops: 2000/iops: 2500/' "$TMP/m2/vms.yaml"
"$XCLOUDCTL" --state "$STATE" apply -f "$TMP/m2" >"$TMP/a3" 2>&1 &
killed=$!
wait_for_holder "$killed"
kill -9 "$killed"
wait "$killed" 2>/dev/null || true
expect_contains "$lock" "pid=$killed"
expect_status 0 ctl --no-wait apply -f "$TMP/m2"
expect_status 0 ctl diff -f "$TMP/m2"
expect_status 0 ctl audit verify
echo "state lock: ok"
