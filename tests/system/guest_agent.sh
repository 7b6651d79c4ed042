# A guest with the QEMU guest agent on the real libvirtd (issue 16, item 1),
# through the real binaries: a tiny guest OS built from Debian packages
# (tests/support/tiny_guest.sh) boots as an xcloud VM, and
#  - its agent answers guest-ping on the channel every VM's definition has;
#  - `snapshot create` of the running VM is quiesced through it (file
#    systems frozen and thawed), said in the output, the list and the audit;
#  - the snapshot is deleted (block commit while it runs) and the agent
#    still answers.
# protect.sh covers a guest without an agent ("not quiesced").
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/real_host.sh"
source "$(dirname "$0")/../support/tiny_guest.sh"
STATE="$TMP/state/state.db"
POOL="xc-gatest-$$"
DOM=xc-systest.ga-1
trap 'stop_real_host "$DOM"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
guest_ping() { virsh -c qemu:///system qemu-agent-command "$DOM" '{"execute":"guest-ping"}' >"$TMP/ping" 2>&1; }

start=$(date +%s)
build_tiny_guest "$TMP/tiny.qcow2" "$TMP/guest"
echo "guest agent: tiny guest built in $(($(date +%s) - start)) s"
start_libvirtd
remove_leftover_domains "$DOM"
ctl init >/dev/null
ctl ca init >/dev/null
start_real_host sys-01 "$POOL"
mv "$TMP/tiny.qcow2" "$TMP/images/tiny.qcow2"
cat >"$TMP/m/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: systest}
spec: {displayName: system test, zones: [lab]}
---
apiVersion: xcloud/v1
kind: Image
metadata: {name: tiny}
spec: {arch: x86_64, source: $TMP/images/tiny.qcow2}
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: ga-1, tenant: systest}
spec:
  cpus: 1
  memoryGiB: 1
  image: tiny
  disks: [{name: root, sizeGiB: 1, tier: normal}]
  power: running
YAML
expect_status 0 ctl apply -f "$TMP/m"
[ "$(virsh -c qemu:///system domstate "$DOM")" = running ] || fail "the guest is not running"
virsh -c qemu:///system dumpxml "$DOM" >"$TMP/dom.xml"
expect_contains "$TMP/dom.xml" "name='org.qemu.guest_agent.0'"

start=$(date +%s)
until guest_ping; do
  [ $(($(date +%s) - start)) -lt 120 ] || fail "no answer from the guest agent in 120 s: $(cat "$TMP/ping")"
  sleep 1
done
echo "guest agent: answered $(($(date +%s) - start)) s after the VM started"

expect_status 0 ctl snapshot create ga-1 calm
expect_contains "$TMP/out" "systest/ga-1: snapshot calm created (quiesced through the guest agent; 1 of 8)"
expect_status 0 ctl snapshot list ga-1 -o json
json_check 'len(d) == 1 and d[0]["name"] == "calm" and d[0]["quiesced"] is True'
expect_status 0 ctl audit list --object VirtualMachine/systest/ga-1 -o json
json_check 'any(r["action"] == "snapshot-create" and "quiesced" not in r["message"] for r in d)'
expect_status 0 ctl snapshot delete ga-1 calm --yes
guest_ping || fail "the guest agent stopped answering after the snapshot's delete: $(cat "$TMP/ping")"
echo "guest agent: ok"
