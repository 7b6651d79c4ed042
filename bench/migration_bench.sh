#!/usr/bin/env bash
# Issue 15's migration figures, on this machine:
#   (a) live: `xcloudctl vm migrate --live` of a running TCG x86_64 guest with
#       a local disk (DISK_MIB of its own data over a base image) between two
#       real libvirtd (tests/support/virtual_hosts.sh), over TLS with the
#       cloud CA's certificates (libvirt's migrate_tls), total time and
#       downtime as libvirt reports them, beside `virsh migrate --live --p2p
#       --copy-storage-all --tls` of the same guest between the same daemons;
#       ROUNDS rounds, each moving it there with xcloudctl and back with virsh;
#   (b) cold: `xcloudctl vm migrate --cold` of the stopped guest, its disk
#       copied through the agents, in MiB/s of disk file, against `cp` of the
#       same file (target: >= 80% of cp);
#   (c) drain: `xcloudctl host drain` of DRAIN_VMS VMs on a simulated host
#       (test:/// driver, real agents), --parallel PARALLEL, against the sum
#       of the same moves made one `vm migrate` at a time.
#
#   sudo bench/migration_bench.sh                    # binaries from ./build
#   sudo BUILD=/path/to/build ROUNDS=3 DISK_MIB=512 bench/migration_bench.sh
#
# Needs root, unshare, nsenter, libvirtd, virsh, qemu-img, qemu-io, qemu-system-x86_64,
# curl and python3. Every process it starts is stopped on exit. Uses the
# shared system-test lock (other benches and system tests wait for it).
set -euo pipefail
exec 9>/tmp/xcloud-system-test.lock
flock 9
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$HERE/../build}
ROUNDS=${ROUNDS:-3}
DISK_MIB=${DISK_MIB:-256}
DRAIN_VMS=${DRAIN_VMS:-20}
PARALLEL=${PARALLEL:-4}
export XCLOUDCTL=$BUILD/ctl/xcloudctl XCLOUD_AGENT=$BUILD/agent/xcloud-agent
source "$HERE/../tests/support/e2e.sh"
source "$HERE/../tests/support/libvirtd.sh"
source "$HERE/../tests/support/virtual_hosts.sh"
source "$HERE/../scripts/lib/simulated_hosts.sh"
trap 'stop_virtual_hosts; stop_agents; rm -rf "$TMP"' EXIT
now() { date +%s.%N; }
ms() { python3 -c "print(round(($2 - $1) * 1000))"; }

echo "== (a) live, (b) cold: two real libvirtd, TCG guest, disk $DISK_MIB MiB of own data"
STATE="$TMP/state/state.db"
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
ctl init >/dev/null
ctl ca init >/dev/null
start_virtual_host vh-a
start_virtual_host vh-b
mkdir -p "$TMP/images"
qemu-img create -q -f qcow2 "$TMP/images/base.qcow2" 64M
VHOST_AGENT_YAML="imageDir: $TMP/images"
pa=$(free_port)
pb=$(free_port)
start_vhost_agent vh-a "$pa"
start_vhost_agent vh-b "$pb"
M="$TMP/m"
mkdir -p "$M"
python3 - "$M/cloud.yaml" "$pa" "$pb" "$TMP/images" <<'PY'
import sys
path, pa, pb, images = sys.argv[1:]
docs = ["kind: Zone\nmetadata: {name: gov}\nspec: {displayName: Gov}",
        "kind: Pool\nmetadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread}",
        "kind: Host\nmetadata: {name: vh-a}\nspec: {pool: p1, address: \"127.0.0.1:%s\", transport: tls, imageDir: %s}" % (pa, images),
        "kind: Host\nmetadata: {name: vh-b}\nspec: {pool: p1, address: \"127.0.0.1:%s\", transport: tls, imageDir: %s}" % (pb, images),
        "kind: Tenant\nmetadata: {name: education}\nspec:\n  displayName: Education\n  zones: [gov]\n  pools: [p1]\n"
        "  quota: {vcpu: 8, memoryGiB: 8, storageGiB: {normal: 100, high: 100}, vms: 4, networks: 1}",
        "kind: Image\nmetadata: {name: base}\nspec: {arch: x86_64, os: Blank, format: qcow2, source: %s/base.qcow2, visibility: global}" % images,
        "kind: PriceList\nmetadata: {name: prices}\nspec:\n  currency: CNY\n  effectiveFrom: \"2026-01-01\"\n"
        "  timeZone: Asia/Shanghai\n  prices: {vcpu: 12, memory: 20, storage-normal: \"0.3\", storage-high: \"0.6\"}",
        "kind: VirtualMachine\nmetadata: {name: web-1, tenant: education}\nspec:\n  arch: x86_64\n  cpus: 1\n"
        "  memoryGiB: 1\n  image: base\n  disks:\n    - {name: root, sizeGiB: 2, tier: normal}\n"
        "  placement: {zone: gov, pool: p1}\n  power: stopped"]
open(path, "w").write("".join("---\napiVersion: xcloud/v1\n" + d + "\n" for d in docs))
PY
ctl apply -f "$M" >/dev/null
D=xc-education.web-1
host=$(ctl get vms -o json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['host'])")
other=vh-b
[ "$host" = vh-b ] && other=vh-a
file() { echo "$(vhost_dir "$1")/xcloud/disks/$D.root.qcow2"; }
qemu-io -c "write -P 0x3c 0 ${DISK_MIB}M" "$(file "$host")" >/dev/null
sed -i 's/power: stopped/power: running/' "$M/cloud.yaml"
ctl apply -f "$M" >/dev/null
for round in $(seq "$ROUNDS"); do
  ctl vm migrate web-1 --to "$other" --live -o json >"$TMP/live.json" 2>/dev/null
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["tls"]; print("round %s  xcloudctl live: total %d ms, downtime %d ms" % (sys.argv[2], r["totalMs"], r["downtimeMs"])); open(sys.argv[3], "a").write("x %d %d\n" % (r["totalMs"], r["downtimeMs"]))' "$TMP/live.json" "$round" "$TMP/live.txt"
  # virsh back, peer-to-peer with storage copy: the target image pre-created at the same path.
  size=$(qemu-img info -U --output=json "$(file "$other")" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')
  qemu-img create -q -f qcow2 -b "$TMP/images/base.qcow2" -F qcow2 "$(file "$host")" "$size"
  # The NoCloud seed is a read-only CD-ROM that libvirt does not copy (xcloudctl sends it first).
  seed="$(vhost_dir "$other")/xcloud/disks/$D.cidata.iso"
  [ ! -f "$seed" ] || cp "$seed" "$(vhost_dir "$host")/xcloud/disks/"
  vhost_virsh "$other" migrate --live --p2p --tls --persistent --undefinesource --copy-storage-all "$D" "$(vhost_migration_uri "$host")" >/dev/null
  vhost_virsh "$host" domjobinfo --completed "$D" | python3 -c '
import sys
v = {l.split(":")[0].strip(): l.split(":")[1].split()[0] for l in sys.stdin if ":" in l}
print("round %s  virsh migrate:   total %s ms, downtime %s ms" % (sys.argv[1], v.get("Time elapsed"), v.get("Total downtime")))
open(sys.argv[2], "a").write("v %s %s\n" % (v["Time elapsed"], v["Total downtime"]))' "$round" "$TMP/live.txt"
  rm -f "$(file "$other")" "$seed"
  ctl apply -f "$M" >/dev/null   # the store learns where it runs again
done

python3 - "$TMP/live.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
def mean(who, col):
    v = [int(r[col]) for r in rows if r[0] == who]
    return sum(v) / len(v)
xt, xd, vt, vd = mean("x", 1), mean("x", 2), mean("v", 1), mean("v", 2)
print("live, mean of %d rounds: xcloudctl total %.0f ms, downtime %.0f ms; virsh total %.0f ms, downtime %.0f ms; "
      "ratio total %.2f, downtime %.2f" % (len(rows) // 2, xt, xd, vt, vd, xt / vt, xd / max(vd, 1)))
PY

# (b) cold, of the stopped guest.
ctl vm stop web-1 --force >/dev/null
sed -i 's/power: running/power: stopped/' "$M/cloud.yaml"
bytes=$(stat -c %s "$(file "$host")")
start=$(now)
ctl vm migrate web-1 --to "$other" --cold -o json >"$TMP/cold.json"
end=$(now)
cold_ms=$(ms "$start" "$end")
sync
start=$(now)
cp "$(file "$other")" "$TMP/cp-copy.qcow2"
sync "$TMP/cp-copy.qcow2"
end=$(now)
cp_ms=$(ms "$start" "$end")
python3 - "$bytes" "$cold_ms" "$cp_ms" "$TMP/cold.json" <<'PY'
import json, sys
b, cold, cp = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = json.load(open(sys.argv[4]))
mib = b / 2**20
print("cold: %.0f MiB disk file, vm migrate --cold %d ms wall (%d ms by the engine, copy %s) = %.0f MiB/s; cp %d ms = %.0f MiB/s; %.0f%% of cp"
      % (mib, cold, r["totalMs"], r["copy"], mib / (cold / 1000), cp, mib / (max(cp, 1) / 1000), 100.0 * cp / cold))
PY
stop_virtual_hosts

echo "== (c) drain of $DRAIN_VMS VMs, simulated hosts, --parallel $PARALLEL"
STATE="$TMP/state2/state.db"
ctl init >/dev/null
ctl ca init >/dev/null
M="$TMP/m2"
mkdir -p "$M"
declare -A port
for h in x86-01 x86-02 x86-03; do
  port[$h]=$(free_port)
  start_agent "$h" x86_64 64 256 "${port[$h]}"
done
write_cloud() {
  python3 - "$M/cloud.yaml" "$1" "$DRAIN_VMS" "${port[x86-01]}" "${port[x86-02]}" "${port[x86-03]}" <<'PY'
import sys
path, hosts, n = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
ports = dict(zip(["x86-01", "x86-02", "x86-03"], sys.argv[4:]))
docs = ["kind: Zone\nmetadata: {name: gov}\nspec: {displayName: Gov}",
        "kind: Pool\nmetadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread}",
        "kind: Tenant\nmetadata: {name: education}\nspec:\n  displayName: Education\n  zones: [gov]\n  pools: [p1]\n"
        "  quota: {vcpu: 200, memoryGiB: 200, storageGiB: {normal: 9000, high: 100}, vms: 200, networks: 1}",
        "kind: Image\nmetadata: {name: uos-20}\nspec: {arch: x86_64, os: UOS 20, format: qcow2, "
        "source: /var/lib/xcloud/images/uos-20.qcow2, visibility: global}",
        "kind: PriceList\nmetadata: {name: prices}\nspec:\n  currency: CNY\n  effectiveFrom: \"2026-01-01\"\n"
        "  timeZone: Asia/Shanghai\n  prices: {vcpu: 12, memory: 20, storage-normal: \"0.3\", storage-high: \"0.6\"}"]
for h in hosts:
    docs.append("kind: Host\nmetadata: {name: %s}\nspec: {pool: p1, address: \"127.0.0.1:%s\", transport: tls}" % (h, ports[h]))
for i in range(1, n + 1):
    docs.append("kind: VirtualMachine\nmetadata: {name: app-%02d, tenant: education}\nspec:\n  cpus: 1\n  memoryGiB: 1\n"
                "  image: uos-20\n  disks:\n    - {name: root, sizeGiB: 10, tier: normal}\n"
                "  placement: {zone: gov, pool: p1}\n  power: running" % i)
open(path, "w").write("".join("---\napiVersion: xcloud/v1\n" + d + "\n" for d in docs))
PY
}
write_cloud "x86-01"
ctl apply -f "$M" >/dev/null
write_cloud "x86-01 x86-02 x86-03"
ctl apply -f "$M" >/dev/null
start=$(now)
ctl host drain x86-01 -f "$M" --parallel "$PARALLEL" --yes >/dev/null
end=$(now)
drain_ms=$(ms "$start" "$end")
# The same moves one at a time: each VM back to x86-01, then the sum.
ctl host maintenance x86-01 off >/dev/null
total=0
for i in $(seq -f "%02g" 1 "$DRAIN_VMS"); do
  start=$(now)
  ctl vm migrate "app-$i" --to x86-01 --yes >/dev/null
  end=$(now)
  total=$((total + $(ms "$start" "$end")))
done
echo "drain: $DRAIN_VMS VMs in $drain_ms ms with --parallel $PARALLEL; one vm migrate at a time: $total ms in sum"
