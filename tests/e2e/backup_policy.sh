# Backup policies against three real agents over mutual TLS (libvirt's
# test:/// driver): BackupTarget and BackupPolicy manifests validated and
# applied; a policy whose target is in a room the tenant may not use refused
# with its position (R7.4); `backup schedule --now` (with XCLOUD_NOW_MS as
# the clock) backs up the selected VMs only, through the agents' real
# qemu-img path for stopped VMs (a simulated host has no QEMU for the
# backup API of a running VM, so the disks a guest would have written are
# made here with qemu-img), and the next day's round prunes per the
# retention; `backup list` without --target finds the policy's target; a
# target that is not there fails, raises the built-in `backup-failed` alarm
# and is retried at a later round, not at once; `serve` runs the schedule.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
json_check() {  # json_check PYTHON-EXPRESSION-OVER-d: asserts it on $TMP/out
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert ($1), d" "$TMP/out" || fail "json check failed: $1; $(cat "$TMP/out")"
}
until_true() {  # until_true SECONDS CMD...: polls every 0.1 s
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.1
  done
}
vm_host() {
  ctl get vms -o json | python3 -c "import json,sys; print([v['host'] for v in json.load(sys.stdin) if v['name']=='$1'][0])"
}

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
mkdir -p "$TMP/vault"
cat >"$M/backups.yaml" <<YAML
apiVersion: xcloud/v1
kind: BackupTarget
metadata: {name: edu-vault}
spec: {path: $TMP/vault, pool: erlonglu}
---
apiVersion: xcloud/v1
kind: BackupTarget
metadata: {name: health-vault}
spec: {path: $TMP/not-mounted, pool: tianning1}
---
apiVersion: xcloud/v1
kind: BackupPolicy
metadata: {name: nightly, tenant: education}
spec:
  schedule: daily at 01:00
  target: edu-vault
  retention: {daily: 1, weekly: 0, monthly: 0}
  vms: [edu-portal-web-1]
  selector: "tier=web,system=edu-portal"
---
apiVersion: xcloud/v1
kind: BackupPolicy
metadata: {name: records, tenant: health}
spec:
  schedule: weekly on sun at 02:30
  target: health-vault
  vms: [health-records-app-1]
YAML
expect_status 0 ctl validate -f "$M"

# R7.4: health may use tianning1 only; edu-vault is in erlonglu.
cat >"$TMP/outside.yaml" <<'YAML'
apiVersion: xcloud/v1
kind: BackupPolicy
metadata: {name: offsite, tenant: health}
spec:
  schedule: daily at 03:00
  target: edu-vault
  selector: tier=db
YAML
expect_status 2 ctl validate -f "$M" -f "$TMP/outside.yaml"
expect_contains "$TMP/err" "$TMP/outside.yaml:6:11: error: backup target 'edu-vault' is in pool 'erlonglu', which is not allowed for tenant health (R7.4"
cp "$TMP/outside.yaml" "$M/outside.yaml"
expect_status 2 ctl apply -f "$M"
rm "$M/outside.yaml"
expect_status 0 ctl get backuppolicies
[ "$(grep -c . "$TMP/out")" -le 1 ] || fail "a refused apply stored policies: $(cat "$TMP/out")"
sed 's/daily at 03:00/daily at 3am/' "$TMP/outside.yaml" >"$TMP/bad-schedule.yaml"
expect_status 2 ctl validate -f "$TMP/bad-schedule.yaml"
expect_contains "$TMP/err" "schedule"

expect_status 0 ctl apply -f "$M"
expect_status 0 ctl get backuppolicies -o json
json_check 'sorted(p["metadata"]["name"] for p in d) == ["nightly", "records"]'
expect_status 0 ctl describe backuptarget edu-vault
expect_contains "$TMP/out" "erlonglu"

# The web VMs stopped, with disks a guest would have written.
expect_status 0 ctl vm stop edu-portal-web-1 edu-portal-web-2 --force
for vm in edu-portal-web-1 edu-portal-web-2; do
  head -c 3M /dev/urandom >"$TMP/$vm.raw"
  qemu-img convert -q -f raw -O qcow2 "$TMP/$vm.raw" \
    "$TMP/agents/$(vm_host $vm)/disks/xc-education.$vm.root.qcow2"
done

ms() { python3 -c "import time; print(int((time.time() - $1 * 86400) * 1000))"; }
DAY1=$(ms 3)
DAY2=$(ms 2)
expect_status 0 ctl backup schedule -o json
json_check 'sorted((r["vm"], r["due"]) for r in d) == [("education/edu-portal-web-1", True), ("education/edu-portal-web-2", True), ("health/health-records-app-1", True)]'

# Round one: the two web VMs (by name and by selector), nothing else; the
# health target is missing: that backup fails and the command exits 1.
XCLOUD_NOW_MS=$DAY1 expect_status 1 ctl backup schedule --now -o json
json_check 'sorted(r["vm"] for r in d if r["ok"]) == ["education/edu-portal-web-1", "education/edu-portal-web-2"]'
json_check '[r["vm"] for r in d if not r["ok"]] == ["health/health-records-app-1"] and "not-mounted is not a directory" in [r for r in d if not r["ok"]][0]["error"]'
json_check 'all(r["kind"] == "full" and r["bytes"] >= 3 << 20 for r in d if r["ok"])'
expect_contains "$TMP/err" "backup education/edu-portal-web-1 (policy education/nightly, target edu-vault):"
expect_contains "$TMP/err" "backup health/health-records-app-1 (policy health/records, target health-vault) failed (1 time; retried at a later round)"
first=$(python3 -c "import json; print([r['id'] for r in json.load(open('$TMP/out')) if r['ok']][0])")
[ "$(ls "$TMP/vault/education" | tr '\n' ' ')" = "edu-portal-web-1 edu-portal-web-2 " ] ||
  fail "the vault holds other VMs: $(ls "$TMP/vault/education")"

# No tight loop: at once again, nothing is due (the failure waits 5 minutes).
XCLOUD_NOW_MS=$((DAY1 + 60000)) expect_status 0 ctl backup schedule --now
expect_contains "$TMP/out" "no backup is due"

# The failure raised the built-in alarm.
expect_status 0 ctl alarms evaluate
expect_status 0 ctl alarms list -o json
json_check '[(a["rule"], a["object"]) for a in d if a["rule"] == "backup-failed"] == [("backup-failed", "vm/health/health-records-app-1")]'

# The backup is readable through the policy's target (no --target) and restores the disk.
expect_status 0 ctl backup list edu-portal-web-1 -o json
json_check 'len(d) == 1 and d[0]["kind"] == "full"'
# Not enough room where it would write (a 1 MiB tmpfs for a 3 MiB disk):
# refused before any byte is written.
mkdir -p "$TMP/small"
if mount -t tmpfs -o size=1m xcloud-test "$TMP/small" 2>/dev/null; then
  expect_status 1 ctl backup restore edu-portal-web-1 --to "$TMP/small"
  expect_contains "$TMP/err" "needs 0.1 GiB in $TMP/small (the restored raw disks), 0.0 GiB free; nothing was written"
  [ -z "$(ls -A "$TMP/small")" ] || fail "a refused restore wrote: $(ls -A "$TMP/small")"
  umount "$TMP/small"
else
  echo "note: cannot mount a tmpfs here (not root?); the room check was not exercised" >&2
fi
mkdir -p "$TMP/restore"
expect_status 0 ctl backup restore edu-portal-web-1 --to "$TMP/restore"
expect_contains "$TMP/err" "restoring backup "
cmp <(head -c 3M "$TMP/restore/vda.raw") "$TMP/edu-portal-web-1.raw" || fail "the restored disk differs"

# Round two, a day later: new backups, and daily: 1 prunes the first ones.
XCLOUD_NOW_MS=$DAY2 expect_status 1 ctl backup schedule --now -o json
json_check 'sorted(r["vm"] for r in d if r["ok"]) == ["education/edu-portal-web-1", "education/edu-portal-web-2"]'
json_check 'all(r["pruned"] == ["'"$first"'"] for r in d if r["ok"])'
expect_status 0 ctl backup list edu-portal-web-2 -o json
json_check 'len(d) == 1 and d[0]["id"] != "'"$first"'"'
expect_status 0 ctl backup schedule -o wide
expect_contains "$TMP/out" "failed"
expect_status 0 ctl backup schedule -o json
json_check '[r["failures"] for r in d if r["vm"] == "health/health-records-app-1"] == [2]'
expect_status 0 ctl audit list --object VirtualMachine/education/edu-portal-web-1 -o json
json_check '[r["action"] for r in d if r["action"].startswith("backup")] == ["backup", "backup", "backup-prune"]'

# serve runs the schedule: a new policy is due at once.
cat >>"$M/backups.yaml" <<'YAML'
---
apiVersion: xcloud/v1
kind: BackupPolicy
metadata: {name: hourly, tenant: education}
spec: {schedule: "hourly at :00", target: edu-vault, vms: [edu-portal-web-2]}
YAML
sed -i 's/power: running/power: stopped/' "$M/vms.yaml"
expect_status 0 ctl apply -f "$M"
"$XCLOUDCTL" --state "$STATE" serve --heartbeat 1s --events-wait 1s --backups 1s 2>"$TMP/serve.log" &
SERVE_PID=$!
until_true 15 grep -q "backup education/edu-portal-web-2 (policy education/hourly, target edu-vault): " "$TMP/serve.log" ||
  fail "serve did not run the hourly policy: $(cat "$TMP/serve.log")"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited $? after SIGTERM"
SERVE_PID=
echo "backup policies: ok"
