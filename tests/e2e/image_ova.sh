# xcloudctl image import of an OVA through the real binary, GNU tar and
# qemu-img (issue 16, item 4): an OVA made here (an OVF descriptor and a
# VMDK from qemu-img) is detected by its tar header, its first disk imported
# with the same content, the OVF's CPU and memory reported; OVAs with a path
# or a link as a member, or no .ovf, are refused with nothing registered or
# left in the store.
source "$(dirname "$0")/../support/e2e.sh"
STATE="$TMP/state/state.db"
STORE="$TMP/state/images"
ctl() { "$XCLOUDCTL" --state "$STATE" "$@"; }
command -v qemu-img >/dev/null && command -v tar >/dev/null || fail "qemu-img and tar are needed"
ctl init >/dev/null

D="$TMP/ova"
mkdir -p "$D"
qemu-img create -q -f vmdk -o subformat=streamOptimized "$D/oa-disk1.vmdk" 16M
qemu-io -f vmdk -c 'write -P 0x4f 3M 1M' "$D/oa-disk1.vmdk" >/dev/null
want=$(qemu-img convert -f vmdk -O raw "$D/oa-disk1.vmdk" "$TMP/raw" && sha256sum "$TMP/raw" | cut -d' ' -f1)
cat >"$D/oa.ovf" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
  xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
  <References><File ovf:href="oa-disk1.vmdk" ovf:id="file1"/></References>
  <DiskSection><Info>disks</Info><Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="16777216"/></DiskSection>
  <VirtualSystem ovf:id="oa-server">
    <VirtualHardwareSection>
      <Item><rasd:ElementName>2 virtual CPUs</rasd:ElementName><rasd:InstanceID>1</rasd:InstanceID>
        <rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:ElementName>4096MB</rasd:ElementName>
        <rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType>
        <rasd:VirtualQuantity>4096</rasd:VirtualQuantity></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
XML
tar -cf "$TMP/oa-server.ova" -C "$D" oa.ovf oa-disk1.vmdk

expect_status 0 ctl image import "$TMP/oa-server.ova" --name oa-server --os 'Windows Server 2019'
expect_contains "$TMP/out" "image oa-server imported from ova (qemu-img); its disk oa-disk1.vmdk, the OVF asks for 2 CPUs and 4096 MiB"
sha=$(ctl get images oa-server -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["spec"]["sha256"])')
[ "$(qemu-img convert -f qcow2 -O raw "$STORE/$sha.qcow2" "$TMP/raw" && sha256sum "$TMP/raw" | cut -d' ' -f1)" = "$want" ] ||
  fail "the OVA's disk changed in the import"
[ "$(ls -A "$STORE")" = "$sha.qcow2" ] || fail "scratch files left: $(ls -A "$STORE")"

refused() {  # refused MESSAGE OVA: refused, nothing registered or left
  expect_status 2 ctl image import "$2" --name bad --os X
  expect_contains "$TMP/err" "$1"
  expect_contains "$TMP/err" "nothing was imported"
  [ "$(ls -A "$STORE")" = "$sha.qcow2" ] || fail "left in the store: $(ls -A "$STORE")"
}
# A member with a path (../) and a symbolic link are refused before extraction.
mkdir -p "$D/sub"
cp "$D/oa-disk1.vmdk" "$D/sub/"
tar -cf "$TMP/traversal.ova" -C "$D/sub" --transform 's|^|../|' oa-disk1.vmdk -C "$D" oa.ovf
refused "OVA member '../oa-disk1.vmdk': a member is a plain file name" "$TMP/traversal.ova"
ln -s /etc/passwd "$D/link.vmdk"
tar -cf "$TMP/link.ova" -C "$D" oa.ovf link.vmdk
refused "OVA member 'link.vmdk -> /etc/passwd' is not a regular file" "$TMP/link.ova"
tar -cf "$TMP/noovf.ova" -C "$D" oa-disk1.vmdk
refused "the OVA has no .ovf descriptor" "$TMP/noovf.ova"
[ "$(ctl get images -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ] ||
  fail "a refused OVA was registered"
echo "image import of an OVA: ok"
