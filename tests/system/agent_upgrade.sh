# Running VMs are not touched by an agent upgrade: on a real libvirtd with a
# running QEMU guest, `xcloudctl host upgrade` over a real sshd replaces the
# agent binary (dpkg-deb -x into the host's root directory) and restarts the
# agent's TLS daemon (restart-agent.sh, the test's stand-in for `systemctl
# restart xcloud-agent`); the new daemon answers with the new version and the
# guest keeps its libvirt domain ID and its QEMU process.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"
source "$(dirname "$0")/../support/sshd.sh"
source "$(dirname "$0")/../support/agent_deb.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
start_libvirtd
remove_leftover_domains xc-systest.upgrade-1
start_sshd
ROOT="$TMP/host"
POOL="xc-upgrade-$$"
DOMAIN=""
cleanup() {
  if [ -n "$DOMAIN" ]; then
    printf '{"id":1,"method":"domain.delete","params":{"name":"%s","wipe":true}}\n' "$DOMAIN" |
      "$ROOT/usr/bin/xcloud-agent" rpc --config "$ROOT/etc/xcloud/agent.yaml" >/dev/null 2>&1 || true
  fi
  virsh -c qemu:///system pool-destroy "$POOL" >/dev/null 2>&1 || true
  virsh -c qemu:///system pool-undefine "$POOL" >/dev/null 2>&1 || true
  [ -s "$TMP/agent.pid" ] && kill "$(cat "$TMP/agent.pid")" 2>/dev/null
  kill "$(cat "$TMP/sshd/sshd.pid")" 2>/dev/null
  stop_libvirtd
  rm -rf "$TMP"
}
trap cleanup EXIT
STATE="$TMP/state/state.db"
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
init_ssh_state "$STATE"
build_agent_deb "$TMP"

# The host: this build's agent in ROOT, its TLS daemon on a free port.
port=$(free_port)
ctl host enroll h-qemu --address "127.0.0.1:$port" >/dev/null
bundle="$TMP/state/pki/hosts/h-qemu"
mkdir -p "$ROOT/usr/bin" "$ROOT/etc/xcloud" "$TMP/images"
cp "$XCLOUD_AGENT" "$ROOT/usr/bin/xcloud-agent"
cat >"$ROOT/etc/xcloud/agent.yaml" <<YAML
listen: 127.0.0.1
port: $port
libvirt: qemu:///system
domainType: qemu
storageDir: $TMP/disks
storagePool: $POOL
imageDir: $TMP/images
tls: {cert: $bundle/agent.crt, key: $bundle/agent.key, ca: $bundle/ca.crt}
YAML
cat >"$TMP/restart-agent.sh" <<SH
#!/bin/sh
# Stops the running daemon (if any) and starts the installed binary's.
if [ -s "$TMP/agent.pid" ]; then
  pid=\$(cat "$TMP/agent.pid")
  kill "\$pid" 2>/dev/null
  while kill -0 "\$pid" 2>/dev/null; do sleep 0.1; done
fi
: >"$TMP/agent.log"
setsid "$ROOT/usr/bin/xcloud-agent" serve --config "$ROOT/etc/xcloud/agent.yaml" \
  >/dev/null 2>"$TMP/agent.log" </dev/null &
echo \$! >"$TMP/agent.pid"
for _ in \$(seq 100); do
  grep -q serving "$TMP/agent.log" && exit 0
  sleep 0.1
done
cat "$TMP/agent.log" >&2
exit 1
SH
chmod 755 "$TMP/restart-agent.sh"
"$TMP/restart-agent.sh" || fail "the agent daemon did not start"

hello() {
  local pki="$TMP/state/pki"
  curl -sS --cacert "$pki/ca.crt" --cert "$pki/controller.crt" --key "$pki/controller.key" \
    -H 'Content-Type: application/json' -d '{"id":1,"method":"agent.hello"}' \
    "https://127.0.0.1:$port/v1/rpc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["version"])'
}
[ "$(hello)" = "$AGENT_VERSION" ] || fail "the daemon answers $(hello) before the upgrade"

# A running guest (software emulation, a blank disk: its firmware keeps it busy).
spec='{"tenant":"systest","name":"upgrade-1","spec_hash":"0a1b2c","generation":1,"arch":"x86_64",
"cpus":1,"memory_mib":256,"disks":[{"name":"root","size_gib":1,"tier":"normal","iops":2000}],
"nics":[],"accelerators":[],"power":"running"}'
printf '{"id":1,"method":"domain.ensure","params":%s}\n' "$(tr -d '\n' <<<"$spec")" |
  "$ROOT/usr/bin/xcloud-agent" rpc --config "$ROOT/etc/xcloud/agent.yaml" >"$TMP/ensure.json"
DOMAIN=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["result"]["action"]=="created", r; print(r["result"]["domain"])' "$TMP/ensure.json")
id_before=$(virsh -c qemu:///system domid "$DOMAIN")
qemu_before=$(cat "/run/libvirt/qemu/$DOMAIN.pid")
[ "$(virsh -c qemu:///system domstate "$DOMAIN")" = running ] || fail "the guest is not running"
daemon_before=$(cat "$TMP/agent.pid")

mkdir -p "$TMP/m"
cat >"$TMP/m/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Zone
metadata: {name: test}
spec: {}
---
apiVersion: xcloud/v1
kind: Pool
metadata: {name: lab}
spec: {zone: test}
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: h-qemu}
spec:
  pool: lab
  address: 127.0.0.1
  transport: ssh
  ssh:
    port: $SSHD_PORT
    command: "$ROOT/usr/bin/xcloud-agent rpc --config $ROOT/etc/xcloud/agent.yaml"
    installCommand: "dpkg-deb -x {package} $ROOT"
    restartCommand: "$TMP/restart-agent.sh"
YAML
expect_status 0 ctl apply -f "$TMP/m"
expect_status 0 ctl host upgrade h-qemu --package "$AGENT_DEB"
expect_contains "$TMP/out" "h-qemu: agent $NEW_VERSION answers (was $AGENT_VERSION)"

[ "$(cat "$TMP/agent.pid")" != "$daemon_before" ] || fail "the agent daemon was not restarted"
[ "$(hello)" = "$NEW_VERSION" ] || fail "the restarted daemon answers $(hello)"
cmp -s "$NEW_AGENT" "$ROOT/usr/bin/xcloud-agent" || fail "the new binary was not installed"
id_after=$(virsh -c qemu:///system domid "$DOMAIN")
qemu_after=$(cat "/run/libvirt/qemu/$DOMAIN.pid")
[ "$id_after" = "$id_before" ] || fail "the guest's domain ID changed: $id_before -> $id_after"
[ "$qemu_after" = "$qemu_before" ] && kill -0 "$qemu_after" || fail "the guest's QEMU process changed"
[ "$(virsh -c qemu:///system domstate "$DOMAIN")" = running ] || fail "the guest stopped"
echo "agent upgrade under a running guest: ok (domain ID $id_before, QEMU pid $qemu_before kept)"
