# HA through the real binaries: three agents over mutual TLS (simulated hosts)
# sharing one storage directory (the pool's sharedStorage: each restarted
# domain is defined on its new host over the same disk paths) and
# `xcloudctl serve --heartbeat 1s --ha-after 3s`. x86-01's agent is frozen
# (SIGSTOP: unreachable, its libvirt still "running" its domains, the worst
# case for two copies): its fence command (a script that records the call)
# succeeds, and its two `ha: restart` VMs run on x86-03 within seconds (the
# time is printed); its VM without ha stays. x86-02's fence command fails:
# nothing restarts, the alarm and the log say why. x86-01 comes back: its
# old copies are stopped and undefined (disks kept), audited. Then by hand:
# host fence refused on a live host, --confirm-dead, evacuate --dry-run and
# evacuate. And validate warns about ha without sharedStorage.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
SERVE_PID=""
cleanup() {
  for pid in "${AGENT_PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null
  stop_agents
  rm -rf "$TMP"
}
trap cleanup EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
until_true() {  # until_true SECONDS CMD...: polls every 0.1 s
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.1
  done
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# domains PORT: "domain=state" lines of the agent's managed domains.
domains() {
  agent_rpc "$1" domains.list '{}' | python3 -c '
import json, sys
r = json.load(sys.stdin).get("result", {})
for d in r.get("managed", []): print(d["domain"] + "=" + d["state"])'
}
placed() { ctl get vms -o json | python3 -c "import json,sys; print(' '.join(sorted(v['name'] + '@' + v['host'] for v in json.load(sys.stdin))))"; }

ctl init >/dev/null
ctl ca init >/dev/null
SHARED="$TMP/shared"
mkdir -p "$SHARED"
export AGENT_STORAGE_DIR="$SHARED"
declare -A port
for h in x86-01 x86-02 x86-03; do
  port[$h]=$(free_port)
  start_agent "$h" x86_64 16 64 "${port[$h]}"
done
cat >"$TMP/fence-ok.sh" <<SH
#!/bin/sh
echo "fenced \$XCLOUD_FENCE_HOST \$*" >>"$TMP/fence.log"
echo "chassis power off"
SH
cat >"$TMP/fence-fail.sh" <<'SH'
#!/bin/sh
echo "bmc 10.0.0.2: connection refused" >&2
exit 1
SH
chmod +x "$TMP/fence-ok.sh" "$TMP/fence-fail.sh"
M="$TMP/manifests"
mkdir -p "$M"
write_cloud() {  # write_cloud "HOSTS" [no-shared]
  python3 - "$M/cloud.yaml" "$1" "${2:-}" "$SHARED" "$TMP" "${port[x86-01]}" "${port[x86-02]}" "${port[x86-03]}" <<'PY'
import sys
path, hosts, noshared, shared, tmp = sys.argv[1:6]
ports = dict(zip(["x86-01", "x86-02", "x86-03"], sys.argv[6:]))
fence = {"x86-01": tmp + "/fence-ok.sh", "x86-02": tmp + "/fence-fail.sh", "x86-03": tmp + "/fence-ok.sh"}
pool = "kind: Pool\nmetadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread%s}" % (
    "" if noshared else ", sharedStorage: " + shared)
docs = ["kind: Zone\nmetadata: {name: gov}\nspec: {displayName: Gov}", pool,
        "kind: Tenant\nmetadata: {name: education}\nspec:\n  displayName: Education\n  zones: [gov]\n  pools: [p1]\n"
        "  quota: {vcpu: 64, memoryGiB: 64, storageGiB: {normal: 2000, high: 100}, vms: 30, networks: 1}",
        "kind: Image\nmetadata: {name: uos-20}\nspec: {arch: x86_64, os: UOS 20, format: qcow2, "
        "source: /var/lib/xcloud/images/uos-20.qcow2, visibility: global}",
        "kind: PriceList\nmetadata: {name: prices}\nspec:\n  currency: CNY\n  effectiveFrom: \"2026-01-01\"\n"
        "  timeZone: Asia/Shanghai\n  prices: {vcpu: 12, memory: 20, storage-normal: \"0.3\", storage-high: \"0.6\"}"]
for h in hosts.split():
    docs.append("kind: Host\nmetadata: {name: %s}\nspec:\n  pool: p1\n  address: \"127.0.0.1:%s\"\n  transport: tls\n"
                "  fence: [%s, --host, %s]" % (h, ports[h], fence[h], h))
vms = [("web-1", True), ("web-2", True), ("batch-1", False)]
if len(hosts.split()) > 1: vms.append(("app-1", True))
for n, ha in vms:
    docs.append("kind: VirtualMachine\nmetadata: {name: %s, tenant: education}\nspec:\n  cpus: 1\n  memoryGiB: 1\n"
                "  image: uos-20\n  disks:\n    - {name: root, sizeGiB: 10, tier: normal}\n"
                "  placement: {zone: gov, pool: p1}\n  power: running%s" % (n, "\n  ha: restart" if ha else ""))
open(path, "w").write("".join("---\napiVersion: xcloud/v1\n" + d + "\n" for d in docs))
PY
}

# validate: ha without the pool's sharedStorage is not protectable (a warning).
write_cloud "x86-01" no-shared
expect_status 0 ctl validate -f "$M"
expect_contains "$TMP/err" "cloud.yaml:"
expect_contains "$TMP/err" ": warning: VirtualMachine education/web-1: ha: restart is not protectable: pool p1 has no sharedStorage"
grep -q "batch-1: ha" "$TMP/err" && fail "a VM without ha was warned about"

# web-1, web-2 (ha) and batch-1 on x86-01; app-1 (ha) on x86-02; x86-03 empty.
write_cloud "x86-01"
expect_status 0 ctl apply -f "$M"
grep -q "warning" "$TMP/err" && fail "apply warned with sharedStorage set: $(cat "$TMP/err")"
write_cloud "x86-01 x86-02"
expect_status 0 ctl apply -f "$M"
write_cloud "x86-01 x86-02 x86-03"
expect_status 0 ctl apply -f "$M"
[ "$(placed)" = "app-1@x86-02 batch-1@x86-01 web-1@x86-01 web-2@x86-01" ] || fail "placement: $(placed)"
meter() {  # the VM's meter intervals: "item quantity start end" lines
  python3 - "$STATE" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for row in db.execute("SELECT item, quantity, start_ms, end_ms FROM meter_intervals WHERE vm = ? ORDER BY id", (sys.argv[2],)):
    print(*row)
PY
}
meter web-1 >"$TMP/meter.before"
[ -s "$TMP/meter.before" ] || fail "web-1 has no meter intervals"

# HA_HEARTBEAT=10s HA_AFTER=60s measure the defaults (about 90 s more).
HEARTBEAT=${HA_HEARTBEAT:-1s}
HA_AFTER=${HA_AFTER:-3s}
"$XCLOUDCTL" --state "$STATE" serve --heartbeat "$HEARTBEAT" --ha-after "$HA_AFTER" --events-wait 1s --alarms 1s \
  2>"$TMP/serve.log" &
SERVE_PID=$!
until_true 10 grep -q "serving" "$TMP/serve.log" || fail "serve did not start: $(cat "$TMP/serve.log")"
expect_contains "$TMP/serve.log" "loops heartbeat, events, collect, alarms, webhooks, ha, backups;"
sleep 1.5   # a heartbeat has seen every host ready

# x86-01 and x86-02 freeze.
kill -STOP "${AGENT_PIDS[0]}" "${AGENT_PIDS[1]}"
killed=$(now_ms)
both_on_03() {
  local d
  d=$(domains "${port[x86-03]}")
  grep -qx "xc-education.web-1=running" <<<"$d" && grep -qx "xc-education.web-2=running" <<<"$d"
}
until_true 150 both_on_03 || fail "web-1/web-2 do not run on x86-03: $(domains "${port[x86-03]}"); $(cat "$TMP/serve.log")"
running=$(now_ms)
echo "HA: x86-01 frozen -> web-1 and web-2 seen running on x86-03 after $((running - killed)) ms (heartbeat $HEARTBEAT, ha-after $HA_AFTER; the test polls every 0.1 s plus the agent call)"
# serve's own time stamps: detection, the wait, the fence, the restarts.
python3 - "$TMP/serve.log" "$killed" <<'PY'
import datetime, sys
killed = int(sys.argv[2])
def ms(line):
    t = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp() * 1000) - killed
at = {}
for line in open(sys.argv[1]):
    for key, text in (("unreachable", "host x86-01 unreachable"), ("fenced", "ha: host x86-01 fenced"),
                      ("web-1", "ha: education/web-1: host x86-01"), ("web-2", "ha: education/web-2: host x86-01")):
        if text in line and key not in at: at[key] = ms(line)
print("  detected unreachable at +%d ms; fenced at +%d ms (fence command included); restarted at +%d / +%d ms"
      % (at["unreachable"], at["fenced"], at["web-1"], at["web-2"]))
print("  HA total (serve's clock): %d ms = detection %d + wait and fence %d + restarts %d"
      % (max(at["web-1"], at["web-2"]), at["unreachable"], at["fenced"] - at["unreachable"],
         max(at["web-1"], at["web-2"]) - at["fenced"]))
PY
expect_contains "$TMP/fence.log" "fenced x86-01 --host x86-01"
[ "$(placed)" = "app-1@x86-02 batch-1@x86-01 web-1@x86-03 web-2@x86-03" ] || fail "placement after HA: $(placed)"
expect_contains "$TMP/serve.log" "ha: host x86-01 fenced: fence command exit 0"
expect_contains "$TMP/serve.log" "ha: education/web-1: host x86-01 (fenced) -> x86-03"

# x86-02: its fence command fails, app-1 stays where it was, the alarm says why.
until_true 10 grep -q "ha: host x86-02 NOT fenced, nothing restarts" "$TMP/serve.log" || fail "no fence failure logged: $(cat "$TMP/serve.log")"
expect_contains "$TMP/serve.log" "bmc 10.0.0.2: connection refused"
fence_failed_alarm() { grep -q ha-fence-failed <<<"$(ctl alarms list -o json)"; }
until_true 10 fence_failed_alarm ||
  fail "no ha-fence-failed alarm: $(ctl alarms list -o wide)"
ctl alarms list -o json | python3 -c '
import json, sys
a = [x for x in json.load(sys.stdin) if x.get("rule") == "ha-fence-failed"]
assert a and a[0].get("host") == "x86-02" and a[0].get("severity") == "critical", a' || fail "alarm: $(ctl alarms list -o json)"
[ "$(placed)" = "app-1@x86-02 batch-1@x86-01 web-1@x86-03 web-2@x86-03" ] || fail "app-1 moved without a fence: $(placed)"
grep -q "education/app-1" "$TMP/fence.log" 2>/dev/null && fail "x86-02 recorded as fenced"

# Audit: fence attempts (ok and failed) and the restarts.
ctl audit list -o json >"$TMP/audit.json"
python3 - "$TMP/audit.json" <<'PY' || fail "audit: $(cat "$TMP/audit.json")"
import json, sys
recs = json.load(open(sys.argv[1]))
def of(action, name=None, result=None):
    return [r for r in recs if r["action"] == action and (name is None or r["name"] == name)
            and (result is None or r["result"] == result)]
assert of("fence", "x86-01", "ok"), "fence ok"
assert of("fence", "x86-02", "error"), "fence error"
restarts = of("ha-restart", result="ok")
assert sorted(r["name"] for r in restarts) == ["web-1", "web-2"], restarts
assert all("x86-01 (fenced) -> x86-03" in r["message"] for r in restarts), restarts
PY

# x86-01 comes back holding its old copies: they are stopped and undefined,
# its VM without ha stays, and the restarted ones keep running on x86-03.
kill -CONT "${AGENT_PIDS[0]}"
gone_from_01() { ! grep -q "xc-education.web-" <<<"$(domains "${port[x86-01]}")"; }
until_true 60 gone_from_01 || fail "old copies on x86-01: $(domains "${port[x86-01]}"); $(cat "$TMP/serve.log")"
grep -qx "xc-education.batch-1=running" <<<"$(domains "${port[x86-01]}")" || fail "batch-1 left x86-01: $(domains "${port[x86-01]}")"
both_on_03 || fail "the restarted copies stopped: $(domains "${port[x86-03]}")"
expect_contains "$TMP/serve.log" "stale copy removed (disks kept)"
ctl audit list -o json | python3 -c '
import json, sys
r = [x for x in json.load(sys.stdin) if x["action"] == "ha-remove-stale-copy" and x["result"] == "ok"]
assert sorted(x["name"] for x in r) == ["web-1", "web-2"], r' || fail "stale copy audit"
# Billing: a restart is not a new allocation (no interval closed or opened).
meter web-1 >"$TMP/meter.after"
cmp -s "$TMP/meter.before" "$TMP/meter.after" || fail "web-1's meter changed: $(cat "$TMP/meter.before") -> $(cat "$TMP/meter.after")"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || true
SERVE_PID=""

# By hand: x86-02 is still frozen and unfenced.
expect_status 1 ctl host fence x86-03
expect_contains "$TMP/err" "answered its heartbeat just now: it is not dead"
expect_status 1 ctl host fence x86-02
expect_contains "$TMP/err" "bmc 10.0.0.2: connection refused"
expect_status 1 ctl host evacuate x86-02
expect_contains "$TMP/err" "is not fenced"
expect_status 0 ctl host fence x86-02 --confirm-dead
expect_contains "$TMP/out" "fenced by operator confirmation"
expect_status 0 ctl host evacuate x86-02 --dry-run
expect_contains "$TMP/out" "would restart on x86-0"
[ "$(placed | grep -o 'app-1@[a-z0-9-]*')" = "app-1@x86-02" ] || fail "dry run moved app-1"
expect_status 0 ctl host evacuate x86-02
expect_contains "$TMP/out" "Evacuated x86-02: 1 restarted elsewhere, 0 not restarted."
target=$(placed | grep -o 'app-1@[a-z0-9-]*' | cut -d@ -f2)
[ "$target" = x86-01 ] || [ "$target" = x86-03 ] || fail "app-1 on $target"
grep -qx "xc-education.app-1=running" <<<"$(domains "${port[$target]}")" || fail "app-1 does not run on $target"
ctl audit list -o json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert [x for x in r if x["action"] == "fence" and x["name"] == "x86-02" and x["result"] == "ok"], "confirm-dead audit"
assert [x for x in r if x["action"] == "ha-restart" and x["name"] == "app-1" and x["result"] == "ok"], "evacuate audit"' ||
  fail "audit of fence --confirm-dead / evacuate"
expect_status 0 ctl host fence --help
expect_contains "$TMP/out" "xcloudctl host fence x86-01 --confirm-dead"
expect_status 0 ctl host evacuate --help
expect_contains "$TMP/out" "xcloudctl host evacuate x86-01 --dry-run"
echo "ha: ok"
