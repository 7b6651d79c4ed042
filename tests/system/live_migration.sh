# Live and cold migration between two real libvirtd instances on this machine
# (tests/support/virtual_hosts.sh), through xcloudctl and two real agents over
# mutual TLS: a running x86_64 TCG guest with a local qcow2 disk (an overlay
# with its own data over a base image) moves live, peer-to-peer with its
# storage copied; it keeps running on the target only, its disk digest is
# unchanged, get vms, the audit record (with libvirt's downtime and total
# time) and the meter are right. The live move goes over TLS with the
# certificates `host enroll` issued from the cloud CA (libvirt's migrate_tls):
# refused while the target's are incomplete, and QEMU on both sides got
# tls-creds-x509 objects (libvirtd's QMP log). Then it moves back cold (shut down, disk
# copied through the agents with SHA-256, started there), digest unchanged.
# Takes about 40 s.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"
source "$(dirname "$0")/../support/virtual_hosts.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
STATE="$TMP/state/state.db"
trap 'stop_virtual_hosts; rm -rf "$TMP"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@" </dev/null; }
sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$STATE" "$1"; }
DOMAIN=xc-education.web-1
disk_of() { echo "$(vhost_dir "$1")/xcloud/disks/$DOMAIN.root.qcow2"; }
digest() { qemu-img convert -U -O raw "$1" "$TMP/raw" && sha256sum <"$TMP/raw" && rm -f "$TMP/raw"; }
domains_on() { vhost_virsh "$1" list --all --name | grep -c "^$DOMAIN\$" || true; }

ctl init >/dev/null
ctl ca init >/dev/null
start_virtual_host vh-a
start_virtual_host vh-b
mkdir -p "$TMP/images"
qemu-img create -q -f qcow2 "$TMP/images/base.qcow2" 64M
qemu-io -c "write -P 0x5a 0 4M" "$TMP/images/base.qcow2" >/dev/null
VHOST_AGENT_YAML="imageDir: $TMP/images"
port_a=$(free_port)
start_vhost_agent vh-a "$port_a"
port_b=$(free_port)
start_vhost_agent vh-b "$port_b"

M="$TMP/manifests"
mkdir -p "$M"
cat >"$M/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Zone
metadata: {name: gov}
spec: {displayName: Gov}
---
apiVersion: xcloud/v1
kind: Pool
metadata: {name: p1}
spec: {zone: gov, cpuOvercommit: 1.0, policy: spread}
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: vh-a}
spec: {pool: p1, address: "127.0.0.1:$port_a", transport: tls, imageDir: $TMP/images}
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: vh-b}
spec: {pool: p1, address: "127.0.0.1:$port_b", transport: tls, imageDir: $TMP/images}
---
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: education}
spec:
  displayName: Education
  zones: [gov]
  pools: [p1]
  quota: {vcpu: 8, memoryGiB: 8, storageGiB: {normal: 100, high: 100}, vms: 4, networks: 1}
---
apiVersion: xcloud/v1
kind: Image
metadata: {name: base}
spec: {arch: x86_64, os: Blank, format: qcow2, source: $TMP/images/base.qcow2, visibility: global}
---
apiVersion: xcloud/v1
kind: PriceList
metadata: {name: prices}
spec:
  currency: CNY
  effectiveFrom: "2026-01-01"
  timeZone: Asia/Shanghai
  prices: {vcpu: 12, memory: 20, storage-normal: "0.3", storage-high: "0.6"}
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: web-1, tenant: education}
spec:
  arch: x86_64
  cpus: 1
  memoryGiB: 1
  image: base
  disks:
    - {name: root, sizeGiB: 1, tier: normal}
  placement: {zone: gov, pool: p1}
  power: stopped
YAML
expect_status 0 ctl apply -f "$M"
from=$(ctl get vms -o json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['host'])")
to=vh-b
[ "$from" = vh-b ] && to=vh-a
# The overlay gets data of its own before the guest boots.
qemu-io -c "write -P 0xc3 1M 2M" "$(disk_of "$from")" >/dev/null
want=$(digest "$(disk_of "$from")")
sed -i 's/power: stopped/power: running/' "$M/cloud.yaml"
expect_status 0 ctl apply -f "$M"
[ "$(vhost_virsh "$from" domstate "$DOMAIN")" = running ] || fail "the guest does not run on $from"
meters=$(sql "SELECT count(*) FROM meter_intervals")

# No plain-TCP live migration: with the target's server key gone, refused
# before anything moves, naming the host and the file.
key="$(vhost_dir "$to")/pki-qemu/server-key.pem"
mv "$key" "$key.away"
expect_status 1 ctl vm migrate web-1 --to "$to" --live
expect_contains "$TMP/err" "live migration refused"
expect_contains "$TMP/err" "$to: "
expect_contains "$TMP/err" "server-key.pem"
expect_contains "$TMP/err" "--insecure-migration"
[ "$(vhost_virsh "$from" domstate "$DOMAIN")" = running ] || fail "a refused move stopped the guest"
[ ! -e "$(disk_of "$to")" ] || fail "a refused move left a disk on $to"
mv "$key.away" "$key"

# Live: the default for a running guest between hosts of one arch.
expect_status 0 ctl vm migrate web-1 --to "$to" -o json
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["mode"]=="live" and r["copy"]=="none" and r["tls"] is True and r["totalMs"]>0 and r["downtimeMs"]>0 and r["to"]==sys.argv[2], r' "$TMP/out" "$to" || fail "migrate result: $(cat "$TMP/out")"
cat "$TMP/out"
expect_contains "$TMP/err" "education/web-1: migrating over TLS ($from -> $to)"
# libvirt gave QEMU TLS credentials from the certificate directory: the
# source as client, the target (migration and NBD disk copy) as server.
pki_a="$(vhost_dir "$from")/pki-qemu"
pki_b="$(vhost_dir "$to")/pki-qemu"
grep -q "\"qom-type\":\"tls-creds-x509\".*\"dir\":\"$pki_a\".*\"endpoint\":\"client\"" "$(vhost_dir "$from")/libvirtd.log" ||
  fail "the source QEMU got no TLS client credentials: $(grep -o 'tls-creds[^}]*' "$(vhost_dir "$from")/libvirtd.log" | head -5)"
grep -q '"tls-creds":"obj' "$(vhost_dir "$from")/libvirtd.log" || fail "the source's migration parameters name no tls-creds"
grep -q "\"qom-type\":\"tls-creds-x509\".*\"dir\":\"$pki_b\".*\"endpoint\":\"server\"" "$(vhost_dir "$to")/libvirtd.log" ||
  fail "the target QEMU got no TLS server credentials"
[ "$(vhost_virsh "$to" domstate "$DOMAIN")" = running ] || fail "the guest does not run on $to"
[ "$(domains_on "$from")" = 0 ] || fail "$from still defines the guest"
# The guest has no OS: SeaBIOS halts between boot retries, so its CPU time
# may not move; libvirt's state and reason say it runs, resumed by the move.
reason=$(vhost_virsh "$to" domstate --reason "$DOMAIN")
[ "$reason" = "running (migrated)" ] || fail "the migrated guest is $reason, not running (migrated)"
[ "$(digest "$(disk_of "$to")")" = "$want" ] || fail "the disk digest changed in the live move"
[ "$(ctl get vms -o json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['host'])")" = "$to" ] || fail "get vms does not show $to"
[ "$(sql "SELECT count(*) FROM meter_intervals")" = "$meters" ] || fail "a live move opened a meter interval"
ctl audit list --object VirtualMachine/education/web-1 -o json >"$TMP/out"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[-1]; assert r["action"]=="migrate" and r["result"]=="ok" and ": live over TLS, " in r["message"] and "downtime" in r["message"], r' "$TMP/out" || fail "audit: $(cat "$TMP/out")"
expect_status 0 ctl diff -f "$M"

# Cold, back: the guest (no OS, so no ACPI) is powered off after --timeout,
# its disk copied through the agents, started on the source again.
expect_status 0 ctl vm migrate web-1 --to "$from" --cold --yes --timeout 1s
expect_contains "$TMP/out" "migrated education/web-1 $to -> $from: cold,"
# The disk went from agent to agent (each in its own network namespace).
expect_contains "$TMP/out" ", copied host to host"
[ "$(vhost_virsh "$from" domstate "$DOMAIN")" = running ] || fail "the guest does not run on $from after the cold move"
[ "$(domains_on "$to")" = 0 ] || fail "$to still defines the guest"
[ "$(digest "$(disk_of "$from")")" = "$want" ] || fail "the disk digest changed in the cold move"
[ "$(sql "SELECT count(*) FROM meter_intervals")" = "$meters" ] || fail "a cold move opened a meter interval"
expect_status 0 ctl diff -f "$M"
echo "live migration: ok"
