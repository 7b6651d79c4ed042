# A guest OS small enough for every test run (TESTBED.md): Debian's kernel
# and an initramfs of busybox and the QEMU guest agent, on a FAT disk that
# SYSLINUX boots. It answers the guest agent (guest-ping, fsfreeze) a few
# seconds after it starts under TCG, and does nothing else. Built from
# Debian packages only (apt-get download; nothing is installed), about 10 s.
# Source after e2e.sh.

# build_tiny_guest OUT.qcow2 WORKDIR: the boot disk as qcow2.
build_tiny_guest() {
  local out=$1 work=$2
  mkdir -p "$work/debs" "$work/root" "$work/initramfs"
  (cd "$work/debs" && apt-get download -q linux-image-amd64 busybox-static qemu-guest-agent >"$work/apt.log" 2>&1) ||
    fail "apt-get download: $(tail -3 "$work/apt.log")"
  # linux-image-amd64 only depends on the versioned kernel package.
  local kernel_pkg
  kernel_pkg=$(dpkg-deb -f "$work"/debs/linux-image-amd64_*.deb Depends | grep -o 'linux-image-[0-9][^ ,]*-amd64' | head -1)
  [ -n "$kernel_pkg" ] || fail "linux-image-amd64 names no kernel package"
  (cd "$work/debs" && apt-get download -q "$kernel_pkg" >>"$work/apt.log" 2>&1) ||
    fail "apt-get download $kernel_pkg: $(tail -3 "$work/apt.log")"
  local deb
  for deb in "$work"/debs/linux-image-[0-9]*.deb "$work"/debs/busybox-static_*.deb "$work"/debs/qemu-guest-agent_*.deb; do
    dpkg-deb -x "$deb" "$work/root"
  done
  local version
  version=$(basename "$(ls -d "$work"/root/lib/modules/*)")
  local ir="$work/initramfs" mods="$work/root/lib/modules/$version/kernel/drivers"
  mkdir -p "$ir"/{bin,sbin,dev,proc,sys,run,tmp,lib/modules,lib64,lib/x86_64-linux-gnu,dev/virtio-ports}
  cp "$work/root/bin/busybox" "$ir/bin/busybox"
  cp "$work/root/usr/sbin/qemu-ga" "$ir/sbin/qemu-ga"
  # qemu-ga's shared libraries, from this machine's Debian (the same release).
  local lib
  for lib in $(ldd "$ir/sbin/qemu-ga" | grep -o '/lib[^ ]*'); do
    cp -L "$lib" "$ir$lib"
  done
  local m
  for m in virtio/virtio.ko virtio/virtio_ring.ko virtio/virtio_pci_legacy_dev.ko \
    virtio/virtio_pci_modern_dev.ko virtio/virtio_pci.ko char/virtio_console.ko; do
    cp "$mods/$m" "$ir/lib/modules/"
  done
  cat >"$ir/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/virtio-ports
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_console; do
  insmod /lib/modules/$m.ko
done
echo "tiny guest: modules loaded"
# No udev: the port's well-known name links to its device by hand.
for i in $(seq 100); do
  for p in /sys/class/virtio-ports/*; do
    [ -f "$p/name" ] && [ "$(cat "$p/name")" = org.qemu.guest_agent.0 ] &&
      ln -sf "/dev/$(basename "$p")" /dev/virtio-ports/org.qemu.guest_agent.0
  done
  [ -e /dev/virtio-ports/org.qemu.guest_agent.0 ] && break
  sleep 0.1
done
echo "tiny guest: starting qemu-ga"
/sbin/qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0 -t /run &
while true; do sleep 3600; done
INIT
  chmod 755 "$ir/init"
  (cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
  # A FAT "superfloppy" (no partition table) whose boot sector is SYSLINUX's.
  rm -f "$work/boot.img"
  mkfs.fat -C "$work/boot.img" $((64 * 1024)) >/dev/null
  cat >"$work/syslinux.cfg" <<'CFG'
DEFAULT tiny
PROMPT 0
TIMEOUT 0
LABEL tiny
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND console=ttyS0 quiet
CFG
  mcopy -i "$work/boot.img" "$work/root/boot/vmlinuz-$version" ::vmlinuz
  mcopy -i "$work/boot.img" "$work/initrd.gz" ::initrd.gz
  mcopy -i "$work/boot.img" "$work/syslinux.cfg" ::syslinux.cfg
  syslinux --install "$work/boot.img"
  qemu-img convert -q -f raw -O qcow2 "$work/boot.img" "$out"
}
