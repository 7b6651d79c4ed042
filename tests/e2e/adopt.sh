# xcloudctl adopt and apply --adopt against real agents over mutual TLS: a
# domain defined on a simulated host outside xcloud (libvirt's test:///
# driver, with its disk in a storage pool and its NIC on a tenant network's
# bridge) is listed by `get unmanaged`, written as a manifest that validates,
# refused by apply without --adopt (FILE:LINE:COL), and taken over with it
# without a restart (same libvirt domain ID); then it is a VM like any other,
# audited and metered, and a second apply changes nothing.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
UUID=6695eb01-f6a4-8304-79aa-97f2502e193f

ctl init >/dev/null
ctl ca init >/dev/null

# "virsh define" on x86-01: the test driver keeps its domains in memory per
# connection, so the definitions go into the simulated host's own XML: a pool
# with a 20 GiB qcow2 volume, a domain on the bridge of education/legacy, and
# one xcloud cannot represent (a raw disk, a NIC on libvirt's default network).
bridge=$(python3 -c 'import hashlib; print("xcbr" + hashlib.sha256(b"education/legacy").hexdigest()[:10])')
mkdir -p "$TMP/agents/x86-01"
cat >"$TMP/agents/x86-01/extra.xml" <<XML
<pool type='dir'><name>legacy-pool</name><target><path>/srv/legacy</path></target>
<volume type='file'><name>erp.qcow2</name><capacity unit='GiB'>20</capacity><target><path>/srv/legacy/erp.qcow2</path><format type='qcow2'/></target></volume>
<volume type='file'><name>old.img</name><capacity unit='GiB'>8</capacity><target><path>/srv/legacy/old.img</path><format type='raw'/></target></volume></pool>
<domain type='test'><name>legacy-erp</name><uuid>$UUID</uuid><memory unit='GiB'>2</memory><vcpu>2</vcpu><os><type arch='x86_64'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/srv/legacy/erp.qcow2'/><target dev='vda' bus='virtio'/></disk>
<interface type='bridge'><mac address='52:54:00:12:34:56'/><source bridge='$bridge'/><model type='virtio'/></interface></devices></domain>
<domain type='test'><name>old-db</name><memory unit='GiB'>1</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/srv/legacy/old.img'/><target dev='hda' bus='ide'/></disk>
<interface type='network'><mac address='52:54:00:12:34:57'/><source network='default'/><model type='e1000'/></interface></devices></domain>
XML
M="$TMP/manifests"
start_example_cloud "$M"
# The legacy segment as an xcloud network; the test driver leases 192.168.0.1 to the first NIC.
cat >"$M/legacy-network.yaml" <<'YAML'
apiVersion: xcloud/v1
kind: Network
metadata: {name: legacy, tenant: education}
spec:
  zone: gov-extranet
  vlan: 130
  ipv4: {subnet: 192.168.0.0/24, gateway: 192.168.0.254}
YAML
expect_status 0 ctl apply -f "$M"
expect_status 0 ctl get unmanaged -o json
json_check 'sorted(x["domain"] for x in d) == ["legacy-erp", "old-db"]'
id_before=$(agent_rpc "${ports[0]}" domain.inspect '{"name":"legacy-erp"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
[ "$id_before" -ge 1 ] || fail "legacy-erp is not running: id $id_before"

# adopt: one manifest (exit 0 though old-db is refused, with every reason).
expect_status 0 ctl adopt --host x86-01 --tenant education --system erp
cp "$TMP/out" "$TMP/adopt.yaml"
expect_contains "$TMP/err" "error: domain 'old-db' on host x86-01: cannot adopt:"
expect_contains "$TMP/err" "disk hda: format 'raw' (xcloud's disks are qcow2)"
expect_contains "$TMP/err" "nic 0: network 'default' is not the bridge of a network of tenant education"
expect_contains "$TMP/err" "Adopt: 1 manifest(s) written, 1 domain(s) refused."
expect_contains "$TMP/out" "uuid: $UUID"
expect_contains "$TMP/out" "path: /srv/legacy/erp.qcow2"
expect_contains "$TMP/out" "# disk vda: /srv/legacy/erp.qcow2, volume of pool legacy-pool"
expect_contains "$TMP/out" "sizeGiB: 20"
expect_contains "$TMP/out" "52:54:00:12:34:56"
expect_contains "$TMP/out" "ipv4: \"192.168.0.1\""
expect_contains "$TMP/out" "memoryGiB: 2"
# Only the refused one named: nothing written, exit 1. --dir never overwrites.
expect_status 1 ctl adopt --host x86-01 old-db --tenant education
expect_status 2 ctl adopt --host x86-09 --tenant education
expect_contains "$TMP/err" "unknown host 'x86-09'"
mkdir "$TMP/adopted"
expect_status 0 ctl adopt --host x86-01 legacy-erp --tenant education --system erp --dir "$TMP/adopted"
cmp -s <(grep -v '^#' "$TMP/adopted/legacy-erp.yaml") <(grep -v '^#' "$TMP/adopt.yaml") || fail "--dir wrote another manifest"
expect_status 1 ctl adopt --host x86-01 legacy-erp --tenant education --dir "$TMP/adopted"
expect_contains "$TMP/err" "legacy-erp.yaml: exists; not overwritten"
cp "$TMP/adopt.yaml" "$M/legacy-erp.yaml"
expect_status 0 ctl validate -f "$M"

# Without --adopt: refused with the manifest's position, nothing changed.
expect_status 2 ctl apply -f "$M"
grep -qE "legacy-erp.yaml:[0-9]+:[0-9]+: error: VirtualMachine education/legacy-erp: domain 'legacy-erp' on host x86-01 exists and is not managed by xcloud; 'apply --adopt' takes it over" "$TMP/err" ||
  fail "no FILE:LINE:COL refusal: $(cat "$TMP/err")"
expect_status 2 ctl get vms legacy-erp

# A manifest whose NIC is put on another network (education/app) does not
# match the domain's bridge: the agent refuses the adoption, nothing changes.
cp -r "$M" "$TMP/wrong-bridge"
python3 - "$TMP/wrong-bridge/legacy-erp.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
text, n = re.subn(r"network: legacy\b", "network: app", text)
text = re.sub(r'ipv4: "192\.168\.0\.1"', 'ipv4: "10.20.1.200"', text)
assert n == 1, text
open(sys.argv[1], "w").write(text)
PY
expect_status 1 ctl apply -f "$TMP/wrong-bridge" --adopt
expect_contains "$TMP/err" "domain legacy-erp: its definition (vCPUs, memory, disks or NICs) differs from the manifest"
expect_status 2 ctl get vms legacy-erp

# With --adopt: one adopt step, no create, no restart.
expect_status 1 ctl diff -f "$M" --adopt
expect_contains "$TMP/out" "+ adopt VirtualMachine education/legacy-erp on x86-01"
expect_status 0 ctl apply -f "$M" --adopt --as alice --reason CHG-42
expect_contains "$TMP/out" "done: adopt VirtualMachine education/legacy-erp on x86-01"
expect_contains "$TMP/out" "1 to adopt"
expect_contains "$TMP/out" "Plan: 0 to create"
id_after=$(agent_rpc "${ports[0]}" domain.inspect '{"name":"legacy-erp"}' | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; assert r["managed"] and r["state"]=="running", r; print(r["id"])')
[ "$id_after" = "$id_before" ] || fail "legacy-erp was restarted: id $id_before -> $id_after"
expect_status 0 ctl get vms legacy-erp -o json
json_check 'd[0]["host"] == "x86-01" and d[0]["state"] == "running" and d[0]["id"] == "'$UUID'" and d[0]["system"] == "erp"'
expect_status 0 ctl get unmanaged -o json
json_check '[x["domain"] for x in d] == ["old-db"]'
expect_status 0 ctl audit list --object VirtualMachine/education/legacy-erp -o json
json_check 'd[-1]["action"] == "adopt" and d[-1]["result"] == "ok" and d[-1]["as"] == "alice"'

# A second apply (with or without --adopt) changes nothing.
expect_status 0 ctl diff -f "$M"
expect_status 0 ctl apply -f "$M"
expect_contains "$TMP/out" "Applied: 0 done, 0 failed."
id_again=$(agent_rpc "${ports[0]}" domain.inspect '{"name":"legacy-erp"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["id"])')
[ "$id_again" = "$id_before" ] || fail "legacy-erp was restarted by the second apply"
