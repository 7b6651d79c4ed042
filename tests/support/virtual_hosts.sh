# Several real libvirt hosts on one machine, for migration tests (needs root).
# A virtual host is a private mount namespace in which /etc/libvirt,
# /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt and
# /var/lib/xcloud are that host's own directories, with its own virtlogd and
# libvirtd (and the QEMU processes they start). Outside, a host is reached at
# qemu:///system?socket=DIR/run/libvirt-sock; peer-to-peer migration reaches
# it through `qemu+ext://NAME/system?command=DIR/connect`, which enters its
# namespace and runs virt-ssh-helper, as qemu+ssh:// does between machines.
# Migration data goes over TLS (libvirt's migrate_tls) with the certificates
# `host enroll` issues from the cloud CA: start_vhost_agent puts the bundle's
# qemu/ files in DIR/pki-qemu, qemu.conf's migrate_tls_x509_cert_dir, unless
# VHOST_NO_MIGRATION_TLS is set. The migration URI names this machine's
# hostname (libvirt's default), which `host enroll --migration-name` puts in
# those server certificates. libvirtd logs its
# QMP commands to DIR/libvirtd.log, so tests can see the TLS objects QEMU got.
# Source after e2e.sh and libvirtd.sh. Stop them with stop_virtual_hosts.

VIRTUAL_HOSTS=()

# vhost_dir NAME, vhost_pid NAME (its libvirtd), vhost_uri NAME
vhost_dir() { echo "$TMP/vhosts/$1"; }
vhost_pid() { cat "$(vhost_dir "$1")/libvirtd.pid"; }
vhost_uri() { echo "qemu:///system?socket=$(vhost_dir "$1")/run/libvirt-sock"; }
vhost_virsh() {
  local name=$1
  shift
  virsh -c "$(vhost_uri "$name")" "$@"
}

# start_virtual_host NAME
start_virtual_host() {
  local name=$1 dir
  dir=$(vhost_dir "$name")
  [ "$(id -u)" -eq 0 ] || fail "virtual hosts need root"
  prepare_test_qemu
  mkdir -p "$dir"/{etc/qemu,run,lib/qemu,cache/qemu,log/qemu,xcloud/disks,pki-qemu}
  write_test_qemu_conf "$dir/etc/qemu.conf"
  # Two daemons on one machine would make the same cgroup for a domain.
  echo 'cgroup_controllers = [ ]' >>"$dir/etc/qemu.conf"
  cat >>"$dir/etc/qemu.conf" <<CONF
migrate_tls_x509_cert_dir = "$dir/pki-qemu"
migrate_tls_x509_verify = 1
CONF
  # libvirt refuses to migrate between daemons with one host UUID.
  cat >"$dir/etc/libvirtd.conf" <<CONF
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
log_filters = "1:qemu.qemu_monitor"
log_outputs = "1:file:$dir/libvirtd.log"
CONF
  : >"$dir/etc/virtlogd.conf"
  # libvirt's stock network filters (clean-traffic, ...) that a guest's NIC references.
  [ -d /etc/libvirt/nwfilter ] && cp -a /etc/libvirt/nwfilter "$dir/etc/"
  # The capabilities cache is shared, so QEMU is probed once, not per host.
  if [ -d /var/cache/libvirt/qemu/capabilities ]; then
    cp -a /var/cache/libvirt/qemu/capabilities "$dir/cache/qemu/" 2>/dev/null || true
  fi
  # The mount points exist only once the system libvirtd ran: a virtual host
  # may be the first libvirt of a fresh machine.
  mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
  unshare -m --propagation private sh -c "
    mount --bind '$dir/etc' /etc/libvirt &&
    mount --bind '$dir/run' /run/libvirt &&
    mount --bind '$dir/lib' /var/lib/libvirt &&
    mount --bind '$dir/cache' /var/cache/libvirt &&
    mount --bind '$dir/log' /var/log/libvirt &&
    mkdir -p /var/lib/xcloud && mount --bind '$dir/xcloud' /var/lib/xcloud &&
    virtlogd -d -p '$dir/virtlogd.pid' &&
    libvirtd -d -p '$dir/libvirtd.pid'" || fail "virtual host $name did not start"
  for _ in $(seq 200); do
    vhost_virsh "$name" version >/dev/null 2>&1 && break
    sleep 0.1
  done
  vhost_virsh "$name" version >/dev/null 2>&1 || fail "libvirtd of virtual host $name does not answer"
  cat >"$dir/connect" <<SCRIPT
#!/bin/sh
exec nsenter -t $(vhost_pid "$name") -m -- virt-ssh-helper qemu:///system
SCRIPT
  chmod +x "$dir/connect"
  VIRTUAL_HOSTS+=("$name")
}

# vhost_migration_uri NAME: what another host's libvirtd migrates to.
vhost_migration_uri() { echo "qemu+ext://$1/system?command=$(vhost_dir "$1")/connect"; }

# start_vhost_agent NAME PORT: an xcloud-agent serving TLS inside the host's
# namespace, enrolled in $STATE; extra YAML from VHOST_AGENT_YAML.
start_vhost_agent() {
  local name=$1 port=$2 dir bundle
  dir=$(vhost_dir "$name")
  "$XCLOUDCTL" --state "$STATE" host enroll "$name" --address "127.0.0.1:$port" \
    --migration-name "$(hostname)" >/dev/null
  bundle="$(dirname "$STATE")/pki/hosts/$name"
  if [ -z "${VHOST_NO_MIGRATION_TLS:-}" ]; then
    mkdir -p "$dir/pki-qemu"
    cp "$bundle"/qemu/*.pem "$dir/pki-qemu/"
  fi
  cat >"$dir/agent.yaml" <<YAML
listen: 127.0.0.1
port: $port
libvirt: qemu:///system
domainType: qemu
storageDir: /var/lib/xcloud/disks
storagePool: xcloud
migrationUri: "$(vhost_migration_uri "$name")"
tls: {cert: $bundle/agent.crt, key: $bundle/agent.key, ca: $bundle/ca.crt}
${VHOST_AGENT_YAML:-}
YAML
  nsenter -t "$(vhost_pid "$name")" -m -- "$XCLOUD_AGENT" serve --config "$dir/agent.yaml" \
    2>"$dir/agent.log" &
  echo $! >"$dir/agent.pid"
  for _ in $(seq 400); do
    grep -q "serving" "$dir/agent.log" 2>/dev/null && return 0
    sleep 0.05
  done
  fail "agent of virtual host $name did not start: $(cat "$dir/agent.log")"
}

# Stops every virtual host's agent, domains, libvirtd and virtlogd (only the
# processes these hosts started) and waits for them to exit.
stop_virtual_hosts() {
  local name dir pid
  for name in "${VIRTUAL_HOSTS[@]}"; do
    dir=$(vhost_dir "$name")
    # A process may be gone already (the test killed it): not an error here.
    [ -f "$dir/agent.pid" ] && kill "$(cat "$dir/agent.pid")" 2>/dev/null || true
    for d in $(vhost_virsh "$name" list --name 2>/dev/null); do vhost_virsh "$name" destroy "$d" >/dev/null 2>&1; done
    for f in libvirtd virtlogd; do
      [ -f "$dir/$f.pid" ] && pid=$(cat "$dir/$f.pid") && kill "$pid" 2>/dev/null || true
    done
  done
  for name in "${VIRTUAL_HOSTS[@]}"; do
    dir=$(vhost_dir "$name")
    for f in libvirtd virtlogd; do
      [ -f "$dir/$f.pid" ] || continue
      pid=$(cat "$dir/$f.pid")
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    done
  done
  VIRTUAL_HOSTS=()
}
