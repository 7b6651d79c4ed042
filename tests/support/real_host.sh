# One enrolled host on the real libvirtd for the system tests: its agent
# serving over mutual TLS on a free port, and the lab's Zone, Pool and Host
# in DIR/m/lab.yaml for `apply -f DIR/m`. DIR is $REAL_HOST_DIR, else $TMP.
# Source after e2e.sh, libvirtd.sh and simulated_hosts.sh; needs ctl() on
# $STATE, after `ctl init` and `ctl ca init`.

# start_real_host HOST STORAGE-POOL: sets port and AGENT_PID. The agent keeps
# disks in DIR/disks and images in DIR/images, and logs to DIR/agent.log.
start_real_host() {
  local host=$1 pool=$2 dir=${REAL_HOST_DIR:-$TMP}
  REAL_HOST_POOL=$pool
  port=$(free_port)
  ctl host enroll "$host" --address "127.0.0.1:$port" >/dev/null
  local bundle
  bundle="$(dirname "$STATE")/pki/hosts/$host"
  mkdir -p "$dir/images" "$dir/disks" "$dir/m"
  cat >"$dir/agent.yaml" <<YAML
listen: 127.0.0.1
port: $port
libvirt: qemu:///system
domainType: qemu
storageDir: $dir/disks
storagePool: $pool
imageDir: $dir/images
tls: {cert: $bundle/agent.crt, key: $bundle/agent.key, ca: $bundle/ca.crt}
YAML
  "$XCLOUD_AGENT" serve --config "$dir/agent.yaml" 2>"$dir/agent.log" &
  AGENT_PID=$!
  local _
  for _ in $(seq 100); do
    grep -q serving "$dir/agent.log" && break
    sleep 0.1
  done
  grep -q serving "$dir/agent.log" || fail "the agent did not start: $(cat "$dir/agent.log")"
  cat >"$dir/m/lab.yaml" <<YAML
apiVersion: xcloud/v1
kind: Zone
metadata: {name: lab}
spec: {displayName: lab}
---
apiVersion: xcloud/v1
kind: Pool
metadata: {name: bench}
spec: {zone: lab}
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: $host}
spec: {pool: bench, address: "127.0.0.1:$port", imageDir: $dir/images}
YAML
}

# stop_real_host DOMAIN...: for a test's EXIT trap. Removes the domains (with
# their snapshot metadata), stops the agent, removes its storage pool, stops
# the libvirtd start_libvirtd started and removes $TMP.
stop_real_host() {
  local dom
  for dom in "$@"; do
    virsh -c qemu:///system destroy "$dom" >/dev/null 2>&1 || true
    virsh -c qemu:///system undefine --nvram --snapshots-metadata "$dom" >/dev/null 2>&1 || true
  done
  [ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null && { wait "$AGENT_PID" 2>/dev/null || true; }
  if [ -n "${REAL_HOST_POOL:-}" ]; then
    virsh -c qemu:///system pool-destroy "$REAL_HOST_POOL" >/dev/null 2>&1 || true
    virsh -c qemu:///system pool-undefine "$REAL_HOST_POOL" >/dev/null 2>&1 || true
  fi
  stop_libvirtd
  rm -rf "$TMP"
}
