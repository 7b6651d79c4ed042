# xcloudctl vm clone and image capture through the real binaries and three
# agents over mutual TLS (libvirt's test:/// driver; the disks are real qcow2
# files in the agents' storage directories, made here with qemu-img): a full
# clone is a byte-exact copy with a new MAC and address, billed and audited;
# a linked clone is an overlay backed by its source's disk, which can then
# not be deleted or started; apply leaves clones alone until the manifests
# declare them, then adopts them; a clone over quota changes nothing; a
# capture's Image holds the disk's content; running VMs are refused.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_agents; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$STATE" "$1"; }
vm_field() {  # vm_field VM PYTHON-EXPR-ON-v
  ctl get vms -o json | python3 -c "import json,sys; v=[v for v in json.load(sys.stdin) if v['name']=='$1'][0]; print($2)"
}
disk() { echo "$TMP/agents/$1/disks/xc-education.$2.root.qcow2"; }
counts() { echo "$(sql 'SELECT count(*) FROM resources') $(sql 'SELECT count(*) FROM audit_log') $(sql 'SELECT count(*) FROM meter_intervals')"; }

ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/manifests"
start_example_cloud "$M"
cat >>"$M/vms.yaml" <<'YAML'
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: edu-tpl, tenant: education, labels: {system: edu-lab}}
spec:
  cpus: 1
  memoryGiB: 1
  image: uos-20
  disks: [{name: root, sizeGiB: 10, tier: high}]
  nics: [{network: app}]
  placement: {zone: gov-extranet, pool: erlonglu}
  power: stopped
YAML
expect_status 0 ctl apply -f "$M"
host=$(vm_field edu-portal-db-1 "v['host']")
tpl_host=$(vm_field edu-tpl "v['host']")
mkdir -p "$TMP/agents/$host/disks" "$TMP/agents/$tpl_host/disks"
qemu-img create -q -f qcow2 "$(disk "$host" edu-portal-db-1)" 64M
qemu-io -f qcow2 -c 'write -P 0x5a 1M 3M' "$(disk "$host" edu-portal-db-1)" >/dev/null
qemu-img create -q -f qcow2 "$(disk "$tpl_host" edu-tpl)" 32M
qemu-io -f qcow2 -c 'write -P 0x33 0 1M' "$(disk "$tpl_host" edu-tpl)" >/dev/null

# A running source is refused before anything is copied.
before=$(counts)
expect_status 1 ctl vm clone edu-portal-db-1 db-copy
expect_contains "$TMP/err" "education/edu-portal-db-1 is running on $host"
expect_contains "$TMP/err" "stop it first"
[ "$(counts)" = "$before" ] || fail "a refused clone changed the state"
expect_status 2 ctl vm clone edu-portal-db-1 Bad_Name
expect_status 2 ctl vm clone no-such-vm db-copy
expect_status 2 ctl vm clone edu-portal-db-1 edu-portal-web-1
expect_contains "$TMP/err" "vm education/edu-portal-web-1 already exists"

# Full clone of the stopped source.
expect_status 0 ctl vm stop edu-portal-db-1 --force
meters=$(sql "SELECT count(*) FROM meter_intervals WHERE vm = 'db-copy' AND end_ms IS NULL")
[ "$meters" = 0 ] || fail "db-copy metered before it exists"
expect_status 0 ctl vm clone edu-portal-db-1 db-copy --as alice --reason CHG-77
expect_contains "$TMP/out" "cloned education/edu-portal-db-1 -> education/db-copy on $host (full copy, 1 disk(s))"
expect_contains "$TMP/out" "name: db-copy"
expect_contains "$TMP/err" "copying disk root of education/edu-portal-db-1"
[ "$(vm_field db-copy "v['host']")" = "$host" ] || fail "db-copy is not on $host"
[ "$(vm_field db-copy "v['state']")" = stopped ] || fail "db-copy is not stopped"
[ "$(vm_field db-copy "v['nics'][0]['mac']")" != "$(vm_field edu-portal-db-1 "v['nics'][0]['mac']")" ] || fail "same MAC"
src_ip=$(vm_field edu-portal-db-1 "v['nics'][0]['ipv4']")
new_ip=$(vm_field db-copy "v['nics'][0]['ipv4']")
[ -n "$new_ip" ] && [ "$new_ip" != "$src_ip" ] || fail "address: $new_ip (source $src_ip)"
[ "$(sha256sum <"$(disk "$host" db-copy)")" = "$(sha256sum <"$(disk "$host" edu-portal-db-1)")" ] ||
  fail "the clone's disk differs from the source's"
[ ! -e "$(disk "$host" db-copy).part" ] || fail "a part file was left"
[ "$(sql "SELECT count(*) FROM meter_intervals WHERE vm = 'db-copy' AND end_ms IS NULL")" -gt 0 ] ||
  fail "db-copy is not metered"
[ "$(sql "SELECT manifest_set FROM resources WHERE kind = 'VirtualMachine' AND name = 'db-copy'")" = vm-clone ] ||
  fail "db-copy is not in the vm-clone set"
ctl audit list --object VirtualMachine/education/db-copy -o json >"$TMP/audit"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[-1]; assert r["action"]=="clone" and r["result"]=="ok" and r["as"]=="alice" and r["message"].startswith("from education/edu-portal-db-1 on host "), r' "$TMP/audit" ||
  fail "audit record: $(cat "$TMP/audit")"

# Linked clone: only of a source declared stopped; an overlay on its disk.
expect_status 2 ctl vm clone edu-portal-db-1 db-linked --linked
expect_contains "$TMP/err" "is declared 'power: running'"
expect_status 0 ctl vm clone edu-tpl lab-1 --linked -o yaml
cp "$TMP/out" "$TMP/lab-1.yaml"
expect_contains "$TMP/lab-1.yaml" "name: lab-1"
expect_contains "$TMP/lab-1.yaml" "power: stopped"
qemu-img info --output=json "$(disk "$tpl_host" lab-1)" >"$TMP/info"
python3 -c 'import json,sys; i=json.load(open(sys.argv[1])); assert i["backing-filename"]==sys.argv[2], i' "$TMP/info" "$(disk "$tpl_host" edu-tpl)" ||
  fail "lab-1's disk is not an overlay on edu-tpl's: $(cat "$TMP/info")"
qemu-img compare -q "$(disk "$tpl_host" lab-1)" "$(disk "$tpl_host" edu-tpl)" || fail "lab-1 reads differently"
expect_status 1 ctl delete vm edu-tpl --yes
expect_contains "$TMP/err" "has 1 linked clone(s) (education/lab-1)"
expect_status 1 ctl vm start edu-tpl
expect_contains "$TMP/err" "linked clone(s) (education/lab-1)"
[ -e "$(disk "$tpl_host" edu-tpl)" ] || fail "the template's disk is gone"

# Capture: a stopped VM's root disk becomes an Image with its content.
expect_status 0 ctl image capture edu-portal-db-1 --name db-golden
expect_contains "$TMP/out" "image education/db-golden captured from vm education/edu-portal-db-1"
sha=$(ctl get images db-golden -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["sha256"])')
stored="$TMP/state/images/$sha.qcow2"
[ "$(sha256sum "$stored" | cut -d' ' -f1)" = "$sha" ] || fail "the Image's digest is not its file's"
qemu-img compare -q "$stored" "$(disk "$host" edu-portal-db-1)" || fail "the Image differs from the disk"
[ ! -e "$TMP/agents/$host/disks/xc-education.edu-portal-db-1.root.capture.qcow2" ] || fail "the host kept the flattened copy"
grep -q capture <<<"$(ls -a "$TMP/state/images")" && fail "the controller kept the downloaded disk"
grep -q '"capture"' <<<"$(ctl audit list --object Image/education/db-golden -o json)" || fail "capture not audited"

# apply leaves the clones alone (warning) until the manifests declare one.
expect_status 1 ctl diff -f "$M"
expect_contains "$TMP/out" "warning: VirtualMachine education/db-copy on $host: made by \`xcloudctl vm clone\`"
cp "$TMP/lab-1.yaml" "$M/lab-1.yaml"
expect_status 0 ctl apply -f "$M" --prune --yes
[ "$(vm_field db-copy "v['host']")" = "$host" ] || fail "apply --prune removed the clone"
[ "$(sql "SELECT manifest_set FROM resources WHERE kind = 'VirtualMachine' AND name = 'lab-1'")" = default ] ||
  fail "apply did not adopt lab-1"
[ "$(vm_field edu-portal-db-1 "v['state']")" = running ] || fail "apply did not start db-1 again"

# Capturing a running VM is refused.
expect_status 1 ctl image capture edu-portal-db-1 --name db-golden-2
expect_contains "$TMP/err" "is running on $host"

# Over quota: refused before anything is copied; nothing changes.
used=$(ctl quota -o json | python3 -c 'import json,sys; print([t for t in json.load(sys.stdin) if t["tenant"]=="education"][0]["resources"]["vms"]["used"])')
sed -i "s/    vms: 20/    vms: $used/" "$M/tenants.yaml"
expect_status 0 ctl apply -f "$M" --yes
expect_status 0 ctl vm stop edu-portal-db-1 --force
before=$(counts)
expect_status 1 ctl vm clone edu-portal-db-1 over-1
expect_contains "$TMP/err" "tenant education: quota exceeded for vms: using $used, plan adds 1, limit $used"
expect_contains "$TMP/err" "nothing was changed"
[ "$(counts)" = "$before" ] || fail "a clone over quota changed the state"
[ ! -e "$(disk "$host" over-1)" ] || fail "a clone over quota copied a disk"
echo "vm clone: ok"
