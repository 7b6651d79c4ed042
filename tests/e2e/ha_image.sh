# An HA restart onto a host without the VM's image sends the image first
# (issue 16 item 4 with issue 15 item 3): two agents over mutual TLS
# (simulated hosts) sharing the pool's sharedStorage, a VM with `ha: restart`
# on an imported image. The image directory is emptied under the running VM
# (the other host has never held it), x86-01 freezes (SIGSTOP), an operator
# confirms it dead, and `host evacuate` restarts the VM on x86-02 after
# sending and verifying the image there; the push is audited as made by the
# HA restart.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
cleanup() {
  for pid in "${AGENT_PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done
  stop_agents
  rm -rf "$TMP"
}
trap cleanup EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
host_of() {
  ctl get vms -o json | python3 -c "import json,sys; print([v['host'] for v in json.load(sys.stdin) if v['name'] == sys.argv[1]][0])" "$1"
}

ctl init >/dev/null
ctl ca init >/dev/null
SHARED="$TMP/shared"
IMG="$TMP/host-images"
mkdir -p "$SHARED" "$IMG"
export AGENT_STORAGE_DIR="$SHARED" AGENT_EXTRA_YAML="imageDir: $IMG"
declare -A port
for h in x86-01 x86-02; do
  port[$h]=$(free_port)
  start_agent "$h" x86_64 16 64 "${port[$h]}"
done

M="$TMP/manifests"
mkdir -p "$M"
qemu-img create -q -f qcow2 "$TMP/base.qcow2" 8M
qemu-io -f qcow2 -c 'write -P 0x48 1M 1M' "$TMP/base.qcow2" >/dev/null
expect_status 0 ctl image import "$TMP/base.qcow2" --name ha-base --os 'UOS 20' --host-image-dir "$IMG" -o yaml
cp "$TMP/out" "$M/image.yaml"
sha=$(ctl get images ha-base -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["sha256"])')
hosts=""
for h in x86-01 x86-02; do
  hosts+="---
apiVersion: xcloud/v1
kind: Host
metadata: {name: $h}
spec: {pool: p1, address: \"127.0.0.1:${port[$h]}\", transport: tls, imageDir: $IMG}
"
done
cat >"$M/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Zone
metadata: {name: gov}
spec: {displayName: Gov}
---
apiVersion: xcloud/v1
kind: Pool
metadata: {name: p1}
spec: {zone: gov, policy: pack, sharedStorage: $SHARED}
---
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: education}
spec:
  displayName: Education
  zones: [gov]
  pools: [p1]
  quota: {vcpu: 8, memoryGiB: 8, storageGiB: {normal: 100, high: 100}, vms: 4, networks: 1}
$hosts---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: web-1, tenant: education}
spec:
  cpus: 1
  memoryGiB: 1
  image: ha-base
  disks: [{name: root, sizeGiB: 10, tier: normal}]
  placement: {zone: gov, pool: p1}
  power: running
  ha: restart
YAML
expect_status 0 ctl apply -f "$M"
expect_contains "$TMP/out" "image ha-base sent to"
from=$(host_of web-1)
to=x86-02
[ "$from" = x86-01 ] || to=x86-01
idx=0
[ "$from" = x86-01 ] || idx=1

# The image gone from the hosts' directory; the VM's host freezes.
rm "$IMG/$sha.qcow2"
kill -STOP "${AGENT_PIDS[$idx]}"
expect_status 1 ctl heartbeat
expect_status 0 ctl host fence "$from" --confirm-dead
expect_status 0 ctl host evacuate "$from"
expect_contains "$TMP/err" "ha: image ha-base sent to $to on first use"
expect_contains "$TMP/out" "1 restarted elsewhere, 0 not restarted."
[ "$(host_of web-1)" = "$to" ] || fail "web-1 is not on $to: $(ctl get vms)"
[ "$(sha256sum "$IMG/$sha.qcow2" | cut -d' ' -f1)" = "$sha" ] || fail "the host's copy differs"
grep -qx "xc-education.web-1=running" <<<"$(agent_rpc "${port[$to]}" domains.list '{}' | python3 -c '
import json, sys
for d in json.load(sys.stdin).get("result", {}).get("managed", []): print(d["domain"] + "=" + d["state"])')" ||
  fail "web-1 does not run on $to"
expect_status 0 ctl audit list --object Image/ha-base -o json
python3 -c '
import json,sys
d = [r for r in json.load(open(sys.argv[1])) if r["action"] == "push" and "first use by ha restart" in r["message"]]
assert len(d) == 1 and sys.argv[2] in d[0]["message"], d
' "$TMP/out" "$to" || fail "the push of the HA restart is not audited: $(cat "$TMP/out")"
echo "ha image: ok"
