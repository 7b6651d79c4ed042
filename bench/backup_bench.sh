#!/usr/bin/env bash
# Backup performance (issue 16), as root on a machine with libvirtd + QEMU:
#  1. incremental backup of a SIZE_GIB disk (default 10) of random data with
#     1% changed (100 writes of SIZE_GIB/100/100... 1 MiB each per GiB):
#     bytes stored vs the full backup, time vs `qemu-img convert` of the
#     whole disk (the floor for a full copy);
#  2. SM4's cost: bench/backup_seal_bench on a raw file of SEAL_GIB
#     (default 2; 0 skips) sealed vs plain, and restore vs `cp` of the same file.
#   sudo BUILD=build SIZE_GIB=10 bench/backup_bench.sh
# Not run by CI. Uses the shared system-test lock.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SIZE_GIB=${SIZE_GIB:-10}
SEAL_GIB=${SEAL_GIB:-2}
export XCLOUDCTL=$PWD/$BUILD/ctl/xcloudctl XCLOUD_AGENT=$PWD/$BUILD/agent/xcloud-agent
exec 9>/tmp/xcloud-system-test.lock
flock 9
source tests/support/e2e.sh
source tests/support/libvirtd.sh
source scripts/lib/simulated_hosts.sh
source tests/support/real_host.sh
WORK=${WORK:-$TMP}
STATE="$WORK/state/state.db"
POOL="xc-backupbench-$$"
DOM=xc-bench.bk-1
AGENT_PID=""
cleanup() {
  "$XCLOUDCTL" --state "$STATE" delete vm bk-1 --yes >/dev/null 2>&1 || true
  [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null || true
  virsh -c qemu:///system pool-destroy "$POOL" >/dev/null 2>&1 || true
  virsh -c qemu:///system pool-undefine "$POOL" >/dev/null 2>&1 || true
  stop_libvirtd
  rm -rf "$TMP"
}
trap cleanup EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
random_file() {  # random_file PATH GIB: incompressible data, fast
  { openssl enc -sm4-ctr -nosalt -pass pass:bench -in /dev/zero 2>/dev/null || true; } | head -c $(($2 << 30)) >"$1"
  [ "$(stat -c %s "$1")" -eq $(($2 << 30)) ]
}
secs() { python3 -c 'import time; print(f"{time.time():.3f}")'; }

if [ "$SEAL_GIB" != 0 ]; then
echo "== SM4 cost and restore vs cp ($SEAL_GIB GiB raw file)"
mkdir -p "$WORK/seal"
random_file "$WORK/seal/disk.raw" "$SEAL_GIB"
"$BUILD/bench/backup_seal_bench" "$WORK/seal/disk.raw" "$WORK/seal"
sync
t0=$(secs); cp "$WORK/seal/disk.raw" "$WORK/seal/copy.raw"; sync; t1=$(secs)
python3 -c "print(f'cp + sync of the same file: {$t1 - $t0:.2f} s, {($SEAL_GIB * 1024) / ($t1 - $t0):.0f} MiB/s')"
cmp "$WORK/seal/disk.raw" "$WORK/seal/restore/vda.raw" && echo "restored file equals the source"
rm -rf "$WORK/seal"
fi

echo "== incremental backup of a $SIZE_GIB GiB disk, 1% changed"
start_libvirtd
ctl init >/dev/null
ctl ca init >/dev/null
REAL_HOST_DIR=$WORK start_real_host bench-01 "$POOL"
mkdir -p "$WORK/backups"
random_file "$WORK/images/data.raw" "$SIZE_GIB"
qemu-img convert -O qcow2 "$WORK/images/data.raw" "$WORK/images/data.qcow2"
rm "$WORK/images/data.raw"
cat >"$WORK/m/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: bench}
spec: {displayName: bench, zones: [lab]}
---
apiVersion: xcloud/v1
kind: Image
metadata: {name: data}
spec: {arch: x86_64, source: $WORK/images/data.qcow2}
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: bk-1, tenant: bench}
spec:
  cpus: 1
  memoryGiB: 1
  image: data
  disks: [{name: root, sizeGiB: $SIZE_GIB, tier: normal}]
  power: running
YAML
ctl apply -f "$WORK/m" >/dev/null
top=$(virsh -c qemu:///system domblklist "$DOM" | awk '$1 == "vda" {print $2}')

t0=$(secs); ctl backup run bk-1 --target "$WORK/backups" -o json >"$WORK/full.json"; t1=$(secs)
full_bytes=$(du -sb "$WORK/backups" | cut -f1)
echo "full backup: $(python3 -c "print(f'{$t1 - $t0:.1f} s')"), $full_bytes bytes in the target"

# 1%: SIZE_GIB * 1024 MiB / 100, in 1 MiB writes spread over the disk.
writes=$((SIZE_GIB * 1024 / 100))
for i in $(seq 0 $((writes - 1))); do
  off=$((i * (SIZE_GIB * 1024 / writes)))
  virsh -c qemu:///system qemu-monitor-command "$DOM" --hmp \
    "qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \"write -P 0x5a ${off}M 1M\"" >/dev/null
done
virsh -c qemu:///system qemu-monitor-command "$DOM" --hmp 'qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "flush"' >/dev/null
t0=$(secs); ctl backup run bk-1 --target "$WORK/backups" -o json >"$WORK/inc.json"; t1=$(secs)
inc_bytes=$(($(du -sb "$WORK/backups" | cut -f1) - full_bytes))
echo "incremental backup ($writes MiB changed): $(python3 -c "print(f'{$t1 - $t0:.1f} s')"), $inc_bytes bytes ($(python3 -c "print(f'{100 * $inc_bytes / $full_bytes:.2f}')")% of full)"
cat "$WORK/inc.json"
t0=$(secs); qemu-img convert -U -O qcow2 "$top" "$WORK/convert.qcow2"; sync; t1=$(secs)
echo "qemu-img convert of the whole disk: $(python3 -c "print(f'{$t1 - $t0:.1f} s')")"
rm -f "$WORK/convert.qcow2"
