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

start_libvirtd() {
  [ "$(id -u)" -eq 0 ] || fail "the system test needs root to run libvirtd"
  mkdir -p /run/libvirt /var/log/libvirt /var/lib/libvirt/qemu /var/cache/libvirt/qemu /etc/libvirt
  prepare_test_qemu
  if [ ! -f /etc/libvirt/qemu.conf ] || ! grep -q '^# xcloud system test' /etc/libvirt/qemu.conf; then
    [ -f /etc/libvirt/qemu.conf ] && cp /etc/libvirt/qemu.conf /etc/libvirt/qemu.conf.before-xcloud
    write_test_qemu_conf /etc/libvirt/qemu.conf
  fi
  STARTED_LIBVIRTD=""
  if ! virsh -c qemu:///system version >/dev/null 2>&1; then
    # A virtlogd without its socket cannot serve QEMU: start one.
    { pgrep -x virtlogd >/dev/null && [ -S /run/libvirt/virtlogd-sock ]; } || virtlogd -d
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
