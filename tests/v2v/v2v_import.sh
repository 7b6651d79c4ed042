# virt-v2v through `xcloudctl image import` on a real guest OS (issue 16,
# item 4). Optional, as it installs about 170 packages and converts under
# software emulation for several minutes: `XCLOUD_V2V_TEST=1 scripts/test`
# runs it after the suite (needs root, like the system tests).
#
# A Debian 12 guest is built from Debian packages (mmdebstrap) onto a disk
# laid out as a VMware guest's would be: MBR and GRUB, and an fstab that
# names its root /dev/sda1, the SCSI disk VMware gives it. On KVM's virtio
# disk that name does not exist, so the guest would stop in emergency mode.
# Exported as a VMDK, it is imported the default way, which is virt-v2v when
# it is installed:
#  - the Image records virt-v2v as its converter, and its fstab names the
#    virtio disk (/dev/vda1) where the source had /dev/sda1;
#  - a VM from the Image boots on the real libvirtd (QEMU, TCG) and its QEMU
#    guest agent answers guest-ping through libvirt: the guest came up to
#    multi-user with its root file system mounted;
#  - `snapshot create` of the running VM is quiesced through that agent.
# The VMDK is kept in XC_V2V_CACHE (default: build/v2v-cache) for the next run.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"
source "$(dirname "$0")/../../scripts/lib/simulated_hosts.sh"
source "$(dirname "$0")/../support/real_host.sh"
STATE="$TMP/state/state.db"
POOL="xc-v2vtest-$$"
DOM=xc-v2vtest.deb-1
CACHE=${XC_V2V_CACHE:-$XC_SOURCE_DIR/build/v2v-cache}
trap 'stop_real_host "$DOM"' EXIT
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
elapsed() { echo "$(($(date +%s) - $1)) s"; }
[ "$(id -u)" -eq 0 ] || fail "run as root (mmdebstrap, libvirtd)"

# virt-v2v needs nbdkit, libnbd and a kernel for its appliance (TESTBED.md);
# guestfish lays out the source disk, mmdebstrap builds its root.
missing=()
for tool in virt-v2v:virt-v2v nbdkit:nbdkit nbdcopy:libnbd-bin guestfish:libguestfs-tools mmdebstrap:mmdebstrap; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing+=(linux-image-amd64)
if [ ${#missing[@]} -gt 0 ]; then
  start=$(date +%s)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >"$TMP/apt.log" 2>&1 ||
    fail "apt-get install ${missing[*]}: $(tail -5 "$TMP/apt.log")"
  echo "v2v: installed ${missing[*]} in $(elapsed "$start")"
fi
# No KVM here: libguestfs's appliance runs under TCG, started by itself.
export LIBGUESTFS_BACKEND=direct
[ -e /dev/kvm ] || export LIBGUESTFS_BACKEND_SETTINGS=force_tcg

# --- the source guest: Debian 12 as VMware would hold it -------------------
VMDK="$CACHE/debian12-vmware.vmdk"
if [ ! -s "$VMDK" ]; then
  mkdir -p "$CACHE"
  start=$(date +%s)
  mmdebstrap --quiet --mode=root --variant=apt \
    --include=linux-image-amd64,grub-pc,systemd-sysv,udev,qemu-guest-agent,initramfs-tools,e2fsprogs \
    bookworm "$TMP/root.tar" >"$TMP/mmdebstrap.log" 2>&1 || fail "mmdebstrap: $(tail -5 "$TMP/mmdebstrap.log")"
  echo "v2v: Debian 12 root built in $(elapsed "$start")"
  start=$(date +%s)
  # The disk, partitioned, its file system filled from the root, GRUB
  # installed in its MBR, its kernel's console on the serial port.
  guestfish -N "$TMP/guest.raw=disk:3G" >"$TMP/guestfish.log" 2>&1 <<GUESTFISH || fail "guestfish: $(tail -5 "$TMP/guestfish.log")"
part-disk /dev/sda mbr
part-set-bootable /dev/sda 1 true
mkfs ext4 /dev/sda1
mount /dev/sda1 /
tar-in $TMP/root.tar /
write /etc/fstab "/dev/sda1 / ext4 errors=remount-ro 0 1\n"
write /etc/hostname "vmware-guest\n"
write-append /etc/default/grub "GRUB_CMDLINE_LINUX=\"console=ttyS0\"\nGRUB_TIMEOUT=1\n"
command "grub-install --target=i386-pc /dev/sda"
command "update-grub"
GUESTFISH
  qemu-img convert -q -f raw -O vmdk "$TMP/guest.raw" "$VMDK.tmp"
  mv "$VMDK.tmp" "$VMDK"
  rm -f "$TMP/guest.raw" "$TMP/root.tar"
  echo "v2v: the VMware-style disk made in $(elapsed "$start") ($(du -m "$VMDK" | cut -f1) MiB)"
fi

# --- image import: virt-v2v by default --------------------------------------
ctl init >/dev/null
ctl ca init >/dev/null
start=$(date +%s)
mkdir -p "$TMP/m"
expect_status 0 ctl image import "$VMDK" --name deb12 --os 'Debian 12' --timeout 40 \
  --host-image-dir "$TMP/images" -o yaml
echo "v2v: image import with virt-v2v took $(elapsed "$start")"
cp "$TMP/out" "$TMP/m/image.yaml"
ctl get images deb12 -o json >"$TMP/out"
json_check 'd[0]["import"]["converter"] == "virt-v2v" and "converterNote" not in d[0]["import"]'
sha=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["spec"]["sha256"])' "$TMP/out")
stored="$TMP/state/images/$sha.qcow2"
guestfish --ro -a "$stored" -i cat /etc/fstab >"$TMP/fstab" 2>"$TMP/err" || fail "reading the Image's fstab: $(cat "$TMP/err")"
expect_contains "$TMP/fstab" "/dev/vda1 / ext4"
grep -q "/dev/sda1" "$TMP/fstab" && fail "the Image's fstab still names /dev/sda1: $(cat "$TMP/fstab")"

# --- a VM from it on the real libvirtd ---------------------------------------
start_libvirtd
remove_leftover_domains "$DOM"
start_real_host v2v-01 "$POOL"
cat >"$TMP/m/cloud.yaml" <<YAML
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: v2vtest}
spec: {displayName: v2v test, zones: [lab]}
---
apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: deb-1, tenant: v2vtest}
spec:
  cpus: 1
  memoryGiB: 1
  image: deb12
  disks: [{name: root, sizeGiB: 4, tier: normal}]
  power: running
YAML
expect_status 0 ctl apply -f "$TMP/m" --yes
cat "$TMP/out" "$TMP/err" >"$TMP/applied"
expect_contains "$TMP/applied" "image deb12 sent to v2v-01"
[ "$(virsh -c qemu:///system domstate "$DOM")" = running ] || fail "the guest is not running"

# The guest agent starts once systemd reaches it, after the root file system
# was mounted by the name v2v wrote; under TCG that takes a minute or two.
start=$(date +%s)
until virsh -c qemu:///system qemu-agent-command "$DOM" '{"execute":"guest-ping"}' >"$TMP/ping" 2>&1; do
  [ $(($(date +%s) - start)) -lt 400 ] || {
    virsh -c qemu:///system console "$DOM" --force </dev/null >/dev/null 2>&1 || true
    fail "no answer from the guest agent in 400 s: $(cat "$TMP/ping")"
  }
  sleep 5
done
expect_contains "$TMP/ping" '"return":{}'
echo "v2v: the converted guest booted and its agent answered after $(elapsed "$start")"
virsh -c qemu:///system qemu-agent-command "$DOM" '{"execute":"guest-get-osinfo"}' >"$TMP/osinfo"
expect_contains "$TMP/osinfo" '"id":"debian"'

# A snapshot of the running VM is quiesced through that agent.
expect_status 0 ctl snapshot create deb-1 before-change
expect_contains "$TMP/out" "quiesced through the guest agent"
echo "v2v import: ok"
