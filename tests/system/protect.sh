# Snapshots and backups against a real libvirtd with QEMU, through the real
# binaries (`xcloud-agent serve` over mutual TLS, `xcloudctl`). A guest
# without an OS (a blank disk) is written through QEMU's own block layer
# (HMP qemu-io on the running disk), so each point's data is known exactly.
# Checks:
#  - backup run: the first backup is full (libvirt push backup + checkpoint),
#    the next holds only the changed 64 KiB blocks; restore --at each backup
#    gives the source disk's digest at that point; verify authenticates;
#  - a flipped byte in a chunk fails verify and restore naming the chunk, and
#    restore leaves nothing; a wrong key fails before writing anything;
#  - snapshot create (running: not quiesced, no guest agent), delete while
#    running (block commit of an inner and of the active overlay), data kept;
#    revert of a stopped VM discards later writes; delete when stopped;
#    an incremental backup still works after the snapshot operations;
#  - restore --as: a new VM from a backup, equal to the source at that point,
#    the source untouched;
#  - snapshots count in the tenant's storage quota (a create over it is
#    refused, nothing changed) and are metered as open intervals of the
#    disk's tier while they exist.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/real_host.sh"
STATE="$TMP/state/state.db"
POOL="xc-protecttest-$$"
DOM=xc-systest.prot-1
AGENT_PID=""
cleanup() {
  [ -n "$AGENT_PID" ] && "$XCLOUDCTL" --state "$STATE" delete vm prot-1 --yes >/dev/null 2>&1 || true
  virsh -c qemu:///system destroy "$DOM" >/dev/null 2>&1 || true
  virsh -c qemu:///system undefine --nvram --snapshots-metadata --checkpoints-metadata "$DOM" >/dev/null 2>&1 || true
  virsh -c qemu:///system undefine xc-systest.prot-r >/dev/null 2>&1 || true
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null || true
  virsh -c qemu:///system pool-destroy "$POOL" >/dev/null 2>&1 || true
  virsh -c qemu:///system pool-undefine "$POOL" >/dev/null 2>&1 || true
  stop_libvirtd
  rm -rf "$TMP"
}
trap cleanup EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$STATE" "$1"; }
# snapshot_gib: the open snapshot interval's GiB ("" when none); quota_snap: quota's column.
snapshot_gib() { sql "SELECT coalesce(sum(quantity), '') FROM meter_intervals WHERE vm = 'prot-1' AND item = 'snapshots-storage-normal' AND end_ms IS NULL"; }
quota_snap() { ctl quota systest -o json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['resources']['snapshotsGiB']['used'])"; }
wait_for() {  # wait_for FILE TEXT SECONDS
  for _ in $(seq $(($3 * 10))); do
    grep -qa -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "$1 did not show '$2' within $3 s"
}
# qemu_write PATTERN OFFSET LENGTH: a write through the running disk, flushed.
qemu_write() {
  virsh -c qemu:///system qemu-monitor-command "$DOM" --hmp \
    "qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \"write -P $1 $2 $3\"" >"$TMP/hmp" 2>&1 || fail "qemu-io: $(cat "$TMP/hmp")"
  # qemu-io prints to QEMU's own stdout; the monitor only carries errors.
  [ -z "$(tr -d '[:space:]' <"$TMP/hmp")" ] || fail "qemu-io: $(cat "$TMP/hmp")"
  virsh -c qemu:///system qemu-monitor-command "$DOM" --hmp 'qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "flush"' >/dev/null
}
top_file() { virsh -c qemu:///system domblklist "$DOM" | awk '$1 == "vda" {print $2}'; }
# save_point NAME: the guest-visible disk now (its whole chain), as a sparse
# copy; same_as NAME FILE: FILE has exactly that content (qemu-img compare
# reads both, skipping holes quickly: a whole-disk digest of 1 GiB costs
# seconds, done once below).
save_point() { qemu-img convert -U -O qcow2 "$(top_file)" "$TMP/$1.qcow2"; }
same_as() { qemu-img compare -U -q "$TMP/$1.qcow2" "$2" || fail "$2 differs from the disk at $1"; }
restore_at() {  # restore_at BACKUP DIR: restores into DIR/vda.raw
  mkdir -p "$2"
  expect_status 0 ctl backup restore prot-1 --target "$TMP/backups" --at "$1" --to "$2"
}

start=$(date +%s)
start_libvirtd
remove_leftover_domains xc-systest.prot-1 xc-systest.prot-r
ctl init >/dev/null
ctl ca init >/dev/null
start_real_host sys-01 "$POOL"
mkdir -p "$TMP/backups"
qemu-img create -q -f qcow2 "$TMP/images/blank.qcow2" 1G
cat >"$TMP/m/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: systest}
spec: {displayName: system test, zones: [lab], quota: {storageGiB: {normal: 3}}}
---
apiVersion: xcloud/v1
kind: Image
metadata: {name: blank-x86}
spec: {arch: x86_64, source: $TMP/images/blank.qcow2}
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: prot-1, tenant: systest}
spec:
  cpus: 1
  memoryGiB: 1
  image: blank-x86
  disks: [{name: root, sizeGiB: 1, tier: normal}]
  power: running
YAML
expect_status 0 ctl apply -f "$TMP/m"
[ "$(virsh -c qemu:///system domstate "$DOM")" = running ] || fail "the guest is not running"

# --- backups: full, then incremental -------------------------------------
qemu_write 0x11 0 4M
qemu_write 0x22 100M 1M
save_point p1
expect_status 0 ctl backup run prot-1 --target "$TMP/backups" -o json
python3 - "$TMP/out" <<'PY' || fail "full backup: $(cat "$TMP/out")"
import json, sys
[b] = json.load(open(sys.argv[1]))
assert b["kind"] == "full" and "push backup" in b["method"], b
assert b["bytes"] >= 5 << 20 and b["bytes"] < 64 << 20, b  # the written data, not the blank GiB
PY
[ "$(stat -c %a "$TMP/state/keys/backup.key")" = 600 ] || fail "the key file is not 0600"
b1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$TMP/out")

qemu_write 0x33 50M 64k
qemu_write 0x44 300M 64k
save_point p2
expect_status 0 ctl backup run prot-1 --target "$TMP/backups" -o json
python3 - "$TMP/out" <<'PY' || fail "incremental backup: $(cat "$TMP/out")"
import json, sys
[b] = json.load(open(sys.argv[1]))
assert b["kind"] == "incremental" and b["chunks"] == 2 and b["bytes"] == 128 << 10, b
PY
b2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$TMP/out")
grep -rq "$(head -c 16 "$TMP/state/keys/backup.key" | od -An -tx1 | tr -d ' \n')" "$TMP/backups" &&
  fail "the key is in the backup"
restore_at "$b1" "$TMP/r1"
same_as p1 "$TMP/r1/vda.raw"
# The SM3 of the whole disk as restore --digest prints it, against the source's.
mkdir -p "$TMP/r2"
expect_status 0 ctl backup restore prot-1 --target "$TMP/backups" --at "$b2" --to "$TMP/r2" --digest -o json
restored_sm3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["sm3"])' "$TMP/out")
qemu-img convert -O raw "$TMP/p2.qcow2" "$TMP/p2.raw"
[ "$(openssl dgst -sm3 -r "$TMP/p2.raw" | cut -d' ' -f1)" = "$restored_sm3" ] ||
  fail "the restored disk's SM3 is not the source's at backup $b2"
rm -f "$TMP/p2.raw"
# restore --as: a new VM with the disk as of b2; prot-1 goes on untouched.
top_before=$(top_file)
expect_status 0 ctl backup restore prot-1 --target "$TMP/backups" --at "$b2" --as prot-r
expect_contains "$TMP/out" "systest/prot-1 is unchanged"
same_as p2 "$TMP/disks/xc-systest.prot-r.root.qcow2"
[ "$(virsh -c qemu:///system domstate xc-systest.prot-r)" = "shut off" ] || fail "prot-r is not a stopped domain"
[ "$(virsh -c qemu:///system domstate "$DOM")" = running ] || fail "prot-1 stopped"
[ "$(top_file)" = "$top_before" ] || fail "prot-1's disk changed: $(top_file)"
expect_status 2 ctl backup restore prot-1 --target "$TMP/backups" --as prot-r
expect_contains "$TMP/err" "vm systest/prot-r already exists"
expect_status 2 ctl backup restore prot-1 --target "$TMP/backups" --as prot-s --to "$TMP"
expect_status 0 ctl delete vm prot-r --yes
echo "restore --as: ok ($(($(date +%s) - start)) s)"
expect_status 0 ctl backup verify prot-1 --target "$TMP/backups"
expect_contains "$TMP/out" "backup $b2: 2 chunks authenticated"
expect_status 0 ctl backup list prot-1 --target "$TMP/backups" -o wide
expect_contains "$TMP/out" incremental

# A flipped byte: verify and restore name the chunk; restore writes nothing.
chunk=$(ls "$TMP/backups/systest/prot-1/$b1/vda/" | head -1)
python3 - "$TMP/backups/systest/prot-1/$b1/vda/$chunk" <<'PY'
import sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
data[1000] ^= 0xff
open(p, "wb").write(data)
PY
expect_status 1 ctl backup verify prot-1 --target "$TMP/backups"
expect_contains "$TMP/err" "chunk vda@${chunk%.chunk}+"
mkdir -p "$TMP/r3"
expect_status 1 ctl backup restore prot-1 --target "$TMP/backups" --at "$b2" --to "$TMP/r3"
expect_contains "$TMP/err" "chunk vda@${chunk%.chunk}+"
[ -z "$(ls -A "$TMP/r3")" ] || fail "a failed restore left files: $(ls "$TMP/r3")"
# A wrong key: refused at the manifest, nothing written.
head -c 48 /dev/urandom >"$TMP/wrong.key"
chmod 600 "$TMP/wrong.key"
expect_status 1 ctl backup restore prot-1 --target "$TMP/backups" --key "$TMP/wrong.key" --to "$TMP/r3"
expect_contains "$TMP/err" "(wrong key)"
[ -z "$(ls -A "$TMP/r3")" ] || fail "a wrong key wrote files"
echo "backups: ok ($(($(date +%s) - start)) s)"

# --- snapshots ------------------------------------------------------------
[ "$(quota_snap)" = 0 ] || fail "snapshot GiB before any: $(quota_snap)"
expect_status 0 ctl snapshot create prot-1 s1
expect_contains "$TMP/out" "not quiesced"
[ "$(snapshot_gib)" = 1 ] && [ "$(quota_snap)" = 1 ] || fail "after s1: metered $(snapshot_gib), quota $(quota_snap)"
expect_status 1 ctl snapshot create prot-1 sx --limit 1
expect_contains "$TMP/err" "has 1 snapshots, the limit is 1"
qemu_write 0x55 0 1M
expect_status 0 ctl snapshot create prot-1 s2
[ "$(snapshot_gib)" = 2 ] || fail "after s2: metered $(snapshot_gib)"
qemu_write 0x66 2M 1M
# The disk (1) and two snapshots (2) fill the quota of 3 GiB: refused first.
expect_status 1 ctl snapshot create prot-1 s3
expect_contains "$TMP/err" "tenant systest: quota exceeded for storageGiB.normal: using 3, plan adds 1, limit 3"
expect_contains "$TMP/err" "nothing was changed"
expect_status 0 ctl snapshot list prot-1 -o json
python3 - "$TMP/out" <<'PY' || fail "snapshot list: $(cat "$TMP/out")"
import json, sys
s = json.load(open(sys.argv[1]))
assert [x["name"] for x in s] == ["s1", "s2"] and not s[0]["quiesced"], s
PY
save_point before
expect_status 1 ctl snapshot delete prot-1 s1 </dev/null  # no --yes, no terminal
expect_status 0 ctl snapshot delete prot-1 s1 --yes
expect_contains "$TMP/out" "block commit"
same_as before "$(top_file)"
expect_status 0 ctl snapshot delete prot-1 s2 --yes
same_as before "$(top_file)"
[ -z "$(snapshot_gib)" ] && [ "$(quota_snap)" = 0 ] || fail "after the deletes: metered $(snapshot_gib), quota $(quota_snap)"
top=$(top_file)
[ "$top" = "$TMP/disks/xc-systest.prot-1.root.qcow2" ] || fail "after deletes the disk is $top"
expect_status 0 ctl snapshot create prot-1 s3
qemu_write 0x77 8M 1M
expect_status 0 ctl vm stop prot-1 --force
expect_status 1 ctl snapshot revert prot-1 s3 </dev/null
expect_status 0 ctl snapshot revert prot-1 s3 --yes
expect_status 0 ctl vm start prot-1
same_as before "$(top_file)"  # the write after s3 is gone
qemu_write 0x78 9M 64k
save_point after
expect_status 0 ctl vm stop prot-1 --force
expect_status 0 ctl snapshot delete prot-1 s3 --yes
expect_contains "$TMP/out" "qemu-img commit"
expect_status 0 ctl vm start prot-1
same_as after "$(top_file)"
# An apply now changes nothing (no drift from the snapshot's moves).
expect_status 0 ctl diff -f "$TMP/m"
echo "snapshots: ok ($(($(date +%s) - start)) s)"

# The offline revert and commit dropped the checkpoints: the next backup is
# full (with a note), the one after incremental again; both restore exactly.
expect_status 0 ctl backup run prot-1 --target "$TMP/backups" -o json
expect_contains "$TMP/out" '"kind": "full"'
expect_contains "$TMP/err" "note: full: the incremental since $b2 failed"
b3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$TMP/out")
expect_status 0 ctl snapshot create prot-1 s4
qemu_write 0x79 20M 64k
qemu_write 0x00 0 64k  # zeroes over old data must be restored as zeroes
save_point p4
expect_status 0 ctl backup run prot-1 --target "$TMP/backups" -o json
expect_contains "$TMP/out" '"kind": "incremental"'
b4=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$TMP/out")
restore_at "$b3" "$TMP/r4"
same_as after "$TMP/r4/vda.raw"
restore_at "$b4" "$TMP/r5"
same_as p4 "$TMP/r5/vda.raw"

# Retention: one day kept, so b1 and b2 go (b4 and the full b3 it needs stay).
expect_status 1 ctl backup prune prot-1 --target "$TMP/backups" --daily 1 --weekly 0 --monthly 0 </dev/null
expect_status 0 ctl backup prune prot-1 --target "$TMP/backups" --daily 1 --weekly 0 --monthly 0 --yes
expect_contains "$TMP/out" "pruned backup $b1"
expect_contains "$TMP/out" "pruned backup $b2"
expect_status 0 ctl backup list prot-1 --target "$TMP/backups" -o json
python3 - "$TMP/out" "$b3" "$b4" <<'PY' || fail "after prune: $(cat "$TMP/out")"
import json, sys
assert [b["id"] for b in json.load(open(sys.argv[1]))] == sys.argv[2:], sys.argv
PY
expect_status 0 ctl backup verify prot-1 --target "$TMP/backups"

# The audit trail has every change.
ctl audit list --object VirtualMachine/systest/prot-1 -o json >"$TMP/audit.json"
python3 - "$TMP/audit.json" <<'PY' || fail "audit records: $(cat "$TMP/audit.json")"
import json, sys
actions = [r["action"] for r in json.load(open(sys.argv[1]))]
for a in ["backup", "backup-prune", "snapshot-create", "snapshot-delete", "snapshot-revert"]:
    assert a in actions, (a, actions)
PY
echo "protect: ok in $(($(date +%s) - start)) s"
