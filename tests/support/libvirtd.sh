# Starts a real libvirtd with the QEMU driver for system tests, on machines
# without systemd and possibly without KVM (needs root, as CI runs). Leaves a
# libvirtd that was already running alone. Source after e2e.sh.
# The users and groups libvirt resolves for QEMU even when qemu.conf
# overrides them, so they must exist.
prepare_test_qemu() {
  getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    useradd --system --no-create-home --shell /usr/sbin/nologin -g libvirt-qemu libvirt-qemu
  getent group kvm >/dev/null || groupadd --system kvm
}

# write_test_qemu_conf FILE: the QEMU driver configuration for test machines.
write_test_qemu_conf() {
  cat >"$1" <<'CONF'
# xcloud system test: QEMU runs as root without a security driver (these
# machines have neither the libvirt-qemu setup nor AppArmor/SELinux).
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
swtpm_user = "root"
swtpm_group = "root"
CONF
}

# socket_answers PATH: something accepts connections on the Unix socket.
socket_answers() {
  python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$1" 2>/dev/null
}

# A virtlogd that accepts on /run/libvirt/virtlogd-sock, which QEMU's console
# log needs. A socket file alone proves nothing: a machine restored from an
# image, or a virtlogd killed with SIGKILL, leaves one nobody listens on
# (QEMU then fails with "Connection refused"). A virtlogd still exiting holds
# its pid file for a moment, so starting is retried for ten seconds.
start_virtlogd() {
  local sock=/run/libvirt/virtlogd-sock
  for _ in $(seq 50); do
    socket_answers "$sock" && return 0
    # Refused: nobody listens there, so the file can go. A virtlogd that
    # still holds /run/virtlogd.pid makes this start fail; then retry.
    rm -f "$sock" /run/libvirt/virtlogd-admin-sock
    virtlogd -d 2>/dev/null && socket_answers "$sock" && return 0
    sleep 0.2
  done
  fail "virtlogd does not accept connections on $sock"
}

# remove_leftover_domains NAME...: domains a test defines, left by an earlier
# run that was killed before its cleanup (with their snapshot and checkpoint
# metadata); said on stderr, since a test must start from nothing.
remove_leftover_domains() {
  local name
  for name in "$@"; do
    virsh -c qemu:///system dominfo "$name" >/dev/null 2>&1 || continue
    echo "note: removing $name, left by an interrupted earlier run" >&2
    virsh -c qemu:///system destroy "$name" >/dev/null 2>&1 || true
    virsh -c qemu:///system undefine --nvram --snapshots-metadata --checkpoints-metadata "$name" >/dev/null 2>&1 ||
      virsh -c qemu:///system undefine "$name" >/dev/null 2>&1 || fail "cannot remove leftover domain $name"
  done
}

start_libvirtd() {
  [ "$(id -u)" -eq 0 ] || fail "the system test needs root to run libvirtd"
  mkdir -p /run/libvirt /var/log/libvirt /var/lib/libvirt/qemu /var/cache/libvirt/qemu /etc/libvirt
  prepare_test_qemu
  if [ ! -f /etc/libvirt/qemu.conf ] || ! grep -q '^# xcloud system test' /etc/libvirt/qemu.conf; then
    [ -f /etc/libvirt/qemu.conf ] && cp /etc/libvirt/qemu.conf /etc/libvirt/qemu.conf.before-xcloud
    write_test_qemu_conf /etc/libvirt/qemu.conf
  fi
  STARTED_LIBVIRTD=""
  start_virtlogd
  if ! virsh -c qemu:///system version >/dev/null 2>&1; then
    libvirtd -d
    STARTED_LIBVIRTD=yes
    for _ in $(seq 100); do
      virsh -c qemu:///system version >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
  virsh -c qemu:///system version >/dev/null 2>&1 || fail "libvirtd did not start"
}

# Stops what start_libvirtd started, and returns only when it has exited, so
# the next test never meets a daemon that is going away.
stop_libvirtd() {
  if [ -n "${STARTED_LIBVIRTD:-}" ]; then
    pkill -x libvirtd || true
    pkill -x virtlogd || true
    for _ in $(seq 100); do
      pgrep -x libvirtd >/dev/null || pgrep -x virtlogd >/dev/null || return 0
      sleep 0.1
    done
  fi
}
