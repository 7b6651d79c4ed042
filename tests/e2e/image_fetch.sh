# Hosts fetch an imported image on first use (issue 16, item 4), through the
# real binaries and three agents over mutual TLS (libvirt's test:/// driver):
# `apply` of a VM whose Image is in the controller's image store sends the
# file to the host before its disk is built (image.stat/write/commit), once;
# the host keeps it only when its bytes have the Image's SHA-256. A store
# file that no longer has its digest is refused by the host, which keeps no
# file or part, and the VM is not created.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
STORE="$TMP/state/images"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }

IMG="$TMP/host-images"  # every simulated host's imageDir (a Host's dir must hold the Image's source)
ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
export AGENT_EXTRA_YAML="imageDir: $IMG"
start_example_cloud "$M"
rm "$M/vms.yaml" "$M/images.yaml"
sed -i "s|  transport: tls|  transport: tls\n  imageDir: $IMG|" "$M/infrastructure.yaml"

qemu-img create -q -f vmdk "$TMP/oa.vmdk" 8M
qemu-io -f vmdk -c 'write -P 0x6d 1M 1M' "$TMP/oa.vmdk" >/dev/null
expect_status 0 ctl image import "$TMP/oa.vmdk" --name oa-base --os 'Kylin V10' --host-image-dir "$IMG" -o yaml
cp "$TMP/out" "$M/oa-base.yaml"
sha=$(ctl get images oa-base -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["sha256"])')
vm() {  # vm NAME: a VM of education on the imported image
  cat <<YAML
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: $1, tenant: education}
spec:
  cpus: 1
  memoryGiB: 1
  image: oa-base
  disks: [{name: root, sizeGiB: 10, tier: high}]
  nics: [{network: app}]
  placement: {zone: gov-extranet, pool: erlonglu}
  power: running
YAML
}
vm oa-1 >"$M/oa.yaml"
vm oa-2 >>"$M/oa.yaml"
[ ! -e "$IMG/$sha.qcow2" ] || fail "the host has the image before the apply"

# First use: sent and verified before the disks are built, and the VMs run. The
# simulated hosts share one image directory (as hosts may over NFS): the
# pushes of one image are serialised, so the second host finds it there.
expect_status 0 ctl apply -f "$M"
expect_contains "$TMP/out" "image oa-base sent to x86-0"
[ "$(grep -c 'sent to .* on first use' "$TMP/out")" = 1 ] || fail "sent more than once: $(cat "$TMP/out")"
[ "$(sha256sum "$IMG/$sha.qcow2" | cut -d' ' -f1)" = "$sha" ] || fail "the host's copy differs"
cmp "$IMG/$sha.qcow2" "$STORE/$sha.qcow2" || fail "the host's copy is not the store's"
ctl get vms -o json | python3 -c '
import json,sys
vms = {v["name"]: v["state"] for v in json.load(sys.stdin)}
assert vms.get("oa-1") == "running" and vms.get("oa-2") == "running", vms' || fail "VMs: $(ctl get vms)"
expect_status 0 ctl audit list --object Image/oa-base -o json
python3 -c '
import json,sys
d = [r for r in json.load(open(sys.argv[1])) if r["action"] == "push"]
assert len(d) == 1 and "first use by apply" in d[0]["message"] and sys.argv[2] in d[0]["message"], d
' "$TMP/out" "$sha" || fail "the push is not audited: $(cat "$TMP/out")"
expect_status 0 ctl apply -f "$M"
if grep -q "on first use" "$TMP/out"; then fail "sent again: $(cat "$TMP/out")"; fi

# The store's file damaged (its bytes no longer have their name's digest) and
# the host without the image: the host refuses the bytes, keeps nothing, and
# the new VM is not created; the others stay.
cp "$STORE/$sha.qcow2" "$TMP/good.qcow2"
printf 'XX' | dd of="$STORE/$sha.qcow2" bs=1 seek=1048576 conv=notrunc status=none
rm "$IMG/$sha.qcow2"
vm oa-3 >>"$M/oa.yaml"
expect_status 1 ctl apply -f "$M"
expect_contains "$TMP/err" "image $sha to x86-0"
expect_contains "$TMP/err" "expected $(stat -c %s "$TMP/good.qcow2") bytes, sha256 $sha"
[ -z "$(ls -A "$IMG")" ] || fail "the host kept a refused image: $(ls -la "$IMG")"
ctl get vms -o json | python3 -c '
import json,sys
vms = {v["name"]: v["state"] for v in json.load(sys.stdin)}
assert vms.get("oa-3") != "running" and vms.get("oa-1") == "running", vms' || fail "VMs: $(ctl get vms)"

# The file restored: the next apply sends it and creates the VM.
cp "$TMP/good.qcow2" "$STORE/$sha.qcow2"
expect_status 0 ctl apply -f "$M"
expect_contains "$TMP/out" "image oa-base sent to x86-0"
[ "$(sha256sum "$IMG/$sha.qcow2" | cut -d' ' -f1)" = "$sha" ] || fail "the host's copy differs"

# A move to a host without the image (here: the image directory emptied
# under the running VMs) sends it first, then moves; audited as a push by
# the move. Likewise a host drain. (An HA restart: tests/e2e/ha_image.sh.)
host_of() { ctl get vms -o json | python3 -c "import json,sys; print([v['host'] for v in json.load(sys.stdin) if v['name'] == sys.argv[1]][0])" "$1"; }
other_host() { [ "$1" = x86-01 ] && echo x86-02 || echo x86-01; }
rm "$IMG/$sha.qcow2"
from=$(host_of oa-1)
to=$(other_host "$from")
expect_status 0 ctl vm migrate oa-1 --to "$to" --yes
expect_contains "$TMP/out" "image oa-base sent to $to on first use"
[ "$(host_of oa-1)" = "$to" ] || fail "oa-1 is not on $to: $(ctl get vms)"
[ "$(sha256sum "$IMG/$sha.qcow2" | cut -d' ' -f1)" = "$sha" ] || fail "the host's copy differs"
expect_status 0 ctl audit list --object Image/oa-base -o json
python3 -c '
import json,sys
d = [r for r in json.load(open(sys.argv[1])) if r["action"] == "push" and "first use by vm migrate" in r["message"]]
assert len(d) == 1 and sys.argv[2] in d[0]["message"], d
' "$TMP/out" "$to" || fail "the push of the move is not audited: $(cat "$TMP/out")"
rm "$IMG/$sha.qcow2"
expect_status 0 ctl host drain "$to" -f "$M" --yes
expect_contains "$TMP/out" "image oa-base sent to"
[ "$(host_of oa-1)" != "$to" ] || fail "oa-1 is still on $to: $(ctl get vms)"
[ "$(sha256sum "$IMG/$sha.qcow2" | cut -d' ' -f1)" = "$sha" ] || fail "the host's copy differs"
expect_status 0 ctl audit list --object Image/oa-base -o json
python3 -c '
import json,sys
d = [r for r in json.load(open(sys.argv[1])) if r["action"] == "push" and "first use by host drain" in r["message"]]
assert len(d) == 1, d
' "$TMP/out" || fail "the push of the drain is not audited: $(cat "$TMP/out")"
echo "image fetch on first use: ok"
