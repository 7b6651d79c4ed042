# xcloudctl play through the real binaries and two agents over mutual TLS
# (simulated hosts): the shipped drain playbook's dry-run report, then its
# run (each step audited, the VMs moved); a playbook whose verify step finds
# a closed TCP port stops there, names the step and exits 1, and --resume
# continues from that step once the port answers (and its next step, a
# command over SSH to a throwaway sshd, passes); a changed playbook is not
# resumed; a bad playbook gives FILE:LINE:COL and runs nothing.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/sshd.sh"
STATE="$TMP/state/state.db"
LISTENER=""
start_sshd
trap '[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null; kill "$(cat "$TMP/sshd/sshd.pid")" 2>/dev/null; stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
PLAYBOOKS="$XC_SOURCE_DIR/playbooks"

init_ssh_state "$STATE"   # pki/ssh_key and pki/known_hosts for the ssh verify step
M="$TMP/manifests"
mkdir -p "$M"
declare -A port
for h in x86-01 x86-02 x86-03; do
  port[$h]=$(free_port)
  start_agent "$h" x86_64 16 64 "${port[$h]}"
done
write_cloud() {  # write_cloud DIR "HOSTS" VM_POOL: x86-03 is in pool p2, the others in p1
  mkdir -p "$1"
  python3 - "$1/cloud.yaml" "$2" "$3" "${port[x86-01]}" "${port[x86-02]}" "${port[x86-03]}" <<'PY'
import sys
path, hosts, vm_pool = sys.argv[1], sys.argv[2].split(), sys.argv[3]
ports = dict(zip(["x86-01", "x86-02", "x86-03"], sys.argv[4:]))
docs = ["kind: Zone\nmetadata: {name: gov}\nspec: {displayName: Gov}",
        "kind: Pool\nmetadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread}",
        "kind: Pool\nmetadata: {name: p2}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread}",
        "kind: Tenant\nmetadata: {name: education}\nspec:\n  displayName: Education\n  zones: [gov]\n  pools: [p1, p2]\n"
        "  quota: {vcpu: 64, memoryGiB: 64, storageGiB: {normal: 2000, high: 100}, vms: 30, networks: 1}",
        "kind: Image\nmetadata: {name: uos-20}\nspec: {arch: x86_64, os: UOS 20, format: qcow2, "
        "source: /var/lib/xcloud/images/uos-20.qcow2, visibility: global}",
        "kind: PriceList\nmetadata: {name: prices}\nspec:\n  currency: CNY\n  effectiveFrom: \"2026-01-01\"\n"
        "  timeZone: Asia/Shanghai\n  prices: {vcpu: 12, memory: 20, storage-normal: \"0.3\", storage-high: \"0.6\"}"]
for h in hosts:
    docs.append("kind: Host\nmetadata: {name: %s}\nspec: {pool: %s, address: \"127.0.0.1:%s\", transport: tls}"
                % (h, "p2" if h == "x86-03" else "p1", ports[h]))
for n in ["web-1", "web-2", "db-1"]:
    docs.append("kind: VirtualMachine\nmetadata: {name: %s, tenant: education, labels: {system: portal}}\n"
                "spec:\n  cpus: 2\n  memoryGiB: 2\n  image: uos-20\n  disks:\n    - {name: root, sizeGiB: 20, tier: normal}\n"
                "  placement: {zone: gov, pool: %s}\n  power: running" % (n, vm_pool))
open(path, "w").write("".join("---\napiVersion: xcloud/v1\n" + d + "\n" for d in docs))
PY
}
write_cloud "$M" "x86-01" p1
expect_status 0 ctl apply -f "$M"
write_cloud "$M" "x86-01 x86-02 x86-03" p1
expect_status 0 ctl apply -f "$M"

# The dry run: every step, the drain's moves with what the board signs; nothing changes.
expect_status 0 ctl play "$PLAYBOOKS/drain-host.yaml" --set host=x86-01 --set "manifests=$M" --dry-run
expect_contains "$TMP/out" 'step 3/4 "drain" (drain)'
expect_contains "$TMP/out" "runs: xcloudctl host drain x86-01 -f $M --parallel 4 --yes"
expect_contains "$TMP/out" "> education/db-1: x86-01 (pool p1) -> x86-02 (pool p1), cold; arch x86_64 = x86_64; disks 20 GiB on local storage, copied: about 1 min 42 s at 200 MiB/s"
expect_contains "$TMP/out" "copy estimate: 60 GiB in all, about 5 min 7 s at 200 MiB/s (an estimate: a drain copies as fast as it can) if copied one after another"
expect_contains "$TMP/out" "capacity of x86-02 after the moves: vCPU 6 of 16, memory 6 GiB of 64 GiB"
expect_contains "$TMP/out" "quotas: every tenant stays within its quota"
expect_contains "$TMP/out" "Every step can run as planned."
expect_status 0 ctl play "$PLAYBOOKS/drain-host.yaml" --set host=x86-01 --set "manifests=$M" --dry-run -o json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["ready"] and len(r["steps"]) == 4 and r["steps"][2]["vms"] == 3, r' "$TMP/out" || fail "dry run json"
ctl get hosts x86-01 -o json >"$TMP/hosts.json"
grep -q '"maintenance"' "$TMP/hosts.json" && fail "a dry run put x86-01 in maintenance"

# The run: each step audited at start and end, its commands' output under the step's name.
start=$(date +%s.%N)
expect_status 0 ctl play "$PLAYBOOKS/drain-host.yaml" --set host=x86-01 --set "manifests=$M" --yes
echo "drain playbook, 3 VMs: $(python3 -c "print(round($(date +%s.%N) - $start, 2))") s"
expect_contains "$TMP/out" '== step 1/4 "host and manifests are fine" (precheck)'
expect_contains "$TMP/out" "host x86-01 answers"
expect_contains "$TMP/out" "  [drain] Drained x86-01: 3 moved, 0 not moved"
expect_contains "$TMP/out" "Playbook drain-host done: 4 step(s) run."
ctl get vms -o json >"$TMP/vms.json"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert all(x["host"]=="x86-02" for x in v), v' "$TMP/vms.json" || fail "VMs not on x86-02"
ctl audit list -o json >"$TMP/audit.json"
python3 - "$TMP/audit.json" <<'PY' || fail "playbook audit records: $(cat "$TMP/audit.json")"
import json, sys
r = [x for x in json.load(open(sys.argv[1])) if x["kind"] == "Playbook"]
assert [x["action"] for x in r] == ["step-start", "step"] * 4, r
assert all(x["result"] == "ok" and x["name"] == "drain-host" for x in r), r
assert r[3]["message"] == 'step 2/4 "announce" (note): Draining x86-01 for maintenance; its VMs move to other hosts of their pools.', r[3]
PY
expect_status 0 ctl audit list -o json
expect_contains "$TMP/out" '"action": "migrate"'

# The shipped move-system playbook: the system's VMs to pool p2 as the new
# manifests place them, one vm migrate each, its service checked around it
# (the sshd's port stands in for the service), then the manifests applied.
M2="$TMP/manifests-p2"
write_cloud "$M2" "x86-01 x86-02 x86-03" p2
MOVE=(ctl play "$PLAYBOOKS/move-system.yaml" --set system=portal --set "manifests=$M2" --set "service=127.0.0.1:$SSHD_PORT")
expect_status 0 "${MOVE[@]}" --dry-run
expect_contains "$TMP/out" "> education/web-1: x86-02 (pool p1) -> x86-03 (pool p2), cold; arch x86_64 = x86_64; disks 20 GiB"
expect_contains "$TMP/out" "runs: xcloudctl vm migrate web-1 --tenant education --to x86-03 --yes --bandwidth 200"
# Moving stops running VMs (cold): without a typed yes or --yes the step runs nothing.
expect_status 1 "${MOVE[@]}" </dev/null
expect_contains "$TMP/err" "the step was not confirmed (type yes, or --yes)"
expect_contains "$TMP/err" "Next: confirm the step: type yes at the prompt, or pass --yes"
ctl get vms -o json >"$TMP/vms.json"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert all(x["host"]=="x86-02" for x in v), v' "$TMP/vms.json" || fail "an unconfirmed move moved VMs"
expect_status 0 "${MOVE[@]}" --restart --yes
expect_contains "$TMP/out" "  [move the VMs] migrated education/db-1 x86-02 -> x86-03"
expect_contains "$TMP/out" "Playbook move-system done: 6 step(s) run."
ctl get vms -o json >"$TMP/vms.json"
python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); assert all(x["host"]=="x86-03" for x in v), v' "$TMP/vms.json" || fail "VMs not on x86-03"
expect_status 0 ctl diff -f "$M2"   # the manifests hold: nothing moves back

# A verify step on a closed port stops the run there; --resume continues once it answers.
WEB=$(free_port)
cat >"$TMP/release.yaml" <<YAML
apiVersion: xcloud/v1
kind: Playbook
metadata: {name: release}
spec:
  params:
    web: {description: the service}
  steps:
    - {name: begin, type: note, text: releasing}
    - {name: web answers, type: verify, tcp: "\${web}", timeout: 2s}
    - {name: shell answers, type: verify, ssh: {address: "root@127.0.0.1:$SSHD_PORT", command: [test, -d, "$TMP"]}}
    - {name: settled, type: wait, duration: 1s}
    - {name: done, type: note, text: released}
YAML
expect_status 1 ctl play "$TMP/release.yaml" --set "web=127.0.0.1:$WEB"
expect_contains "$TMP/err" "step 2/5 \"web answers\" (verify) failed: tcp 127.0.0.1:$WEB accepts a connection: not within 2 s"
expect_contains "$TMP/err" "Next: bring up what the check names"
expect_contains "$TMP/err" "Then continue from this step: xcloudctl play $TMP/release.yaml --resume --set web=127.0.0.1:$WEB"
grep -q "released" "$TMP/out" && fail "the run went past the failed step"
expect_status 2 ctl play "$TMP/release.yaml" --set "web=127.0.0.1:$WEB"
expect_contains "$TMP/err" "its last run stopped at step 2/5 \"web answers\"; continue it with --resume"
expect_status 2 ctl play "$TMP/release.yaml" --set "web=127.0.0.1:1" --resume
expect_contains "$TMP/err" "the parameters differ from the stopped run's"
python3 -c "import socket, time; s = socket.create_server(('127.0.0.1', $WEB)); time.sleep(120)" &
LISTENER=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$WEB") 2>/dev/null && break; sleep 0.1; done
expect_status 0 ctl play "$TMP/release.yaml" --set "web=127.0.0.1:$WEB" --resume
expect_contains "$TMP/out" 'resuming at step 2/5 "web answers" (verify)'
expect_contains "$TMP/out" '== step 3/5 "shell answers" (verify): verify: ssh root@127.0.0.1:'
expect_contains "$TMP/out" "Playbook release done: 4 step(s) run (resumed)."
grep -q '"begin"' "$TMP/out" && fail "the resumed run repeated step 1"
expect_status 2 ctl play "$TMP/release.yaml" --set "web=127.0.0.1:$WEB" --resume
expect_contains "$TMP/err" "its last run finished; nothing to resume"

# A changed playbook is not resumed blindly.
sed -i 's/text: released/text: released!/' "$TMP/release.yaml"
expect_status 2 ctl play "$TMP/release.yaml" --set "web=127.0.0.1:$WEB" --resume
expect_contains "$TMP/err" "release.yaml changed since its last run (SM3 "

# A bad playbook: FILE:LINE:COL, what was expected, nothing run.
sed -i 's/type: wait/type: wiat/' "$TMP/release.yaml"
expect_status 2 ctl play "$TMP/release.yaml" --set "web=127.0.0.1:$WEB"
expect_contains "$TMP/err" "$TMP/release.yaml:11:29: error: field 'spec.steps[3].type' must be one of precheck, migrate, drain, adopt, apply, verify, wait, cutover or note, got 'wiat' (did you mean 'wait'?)"
expect_status 2 ctl play "$PLAYBOOKS/drain-host.yaml"
expect_contains "$TMP/err" "drain-host.yaml:12:5: error: parameter 'host' has no default: give it with --set host=VALUE"
echo "play: ok"
