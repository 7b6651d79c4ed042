# network.ensure joins a tenant network's bridge to the uplink through a real
# kernel link: a VXLAN device (checked with `ip -d link`), without and with a
# multicast group (vxlanGroup), then an 802.1Q
# sub-interface (or, on kernels without 8021q, its clear error). The uplink is
# a veth pair this script creates; it touches no interface it did not create.
source "$(dirname "$0")/../support/e2e.sh"
source "$(dirname "$0")/../support/libvirtd.sh"

UPLINK=xcup0
PEER=xcup1
TENANT=xctest
NAME=uplink
NETWORK=xcn-$TENANT-$NAME
VNI=5001
VID=101
MADE_VETH=""

# Another test or benchmark may be using its own libvirtd: let it finish
# rather than share it (it could stop it under us). Never stopped by us.
for _ in $(seq 120); do
  pgrep -x libvirtd >/dev/null || break
  sleep 0.5
done
pgrep -x libvirtd >/dev/null && echo "note: sharing a libvirtd that was already running" >&2
VIRTLOGD_BEFORE=$(pgrep -x virtlogd || true)

cleanup() {
  set +e
  # Only what this script made: the test network (its link goes with it) and the veth pair.
  if [ -f "$TMP/agent.yaml" ] && virsh -c qemu:///system net-info "$NETWORK" >/dev/null 2>&1; then
    echo "{\"id\":1,\"method\":\"network.delete\",\"params\":{\"tenant\":\"$TENANT\",\"name\":\"$NAME\"}}" |
      "$XCLOUD_AGENT" rpc --config "$TMP/agent.yaml" >/dev/null 2>&1
  fi
  [ -n "$MADE_VETH" ] && ip link del "$UPLINK" 2>/dev/null
  # Stop libvirtd/virtlogd by pid, only if this script started them.
  if [ -n "${STARTED_LIBVIRTD:-}" ]; then
    [ -f /run/libvirtd.pid ] && kill "$(cat /run/libvirtd.pid)" 2>/dev/null
    if [ -z "$VIRTLOGD_BEFORE" ] && [ -f /run/virtlogd.pid ]; then kill "$(cat /run/virtlogd.pid)" 2>/dev/null; fi
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

start_libvirtd
virsh -c qemu:///system net-info "$NETWORK" >/dev/null 2>&1 &&
  fail "libvirt network $NETWORK exists from an earlier run; remove it with: virsh net-destroy $NETWORK; virsh net-undefine $NETWORK"
for link in "$UPLINK" "$PEER" "xx$VNI" "xv$VID"; do
  ip link show "$link" >/dev/null 2>&1 && fail "interface $link already exists; this test will not touch it"
done
ip link add "$UPLINK" type veth peer name "$PEER"
MADE_VETH=yes
ip link set "$UPLINK" up
ip link set "$PEER" up

configure() {  # MODE [VXLAN_GROUP]
  mkdir -p "$TMP/disks"
  cat >"$TMP/agent.yaml" <<EOF
libvirt: qemu:///system
storageDir: $TMP/disks
storagePool: xctest-uplink
uplink: $UPLINK
networkMode: $1
EOF
  [ -z "${2:-}" ] || echo "vxlanGroup: $2" >>"$TMP/agent.yaml"
}

# rpc METHOD PARAMS: one request through `xcloud-agent rpc`; the reply is in $TMP/reply.
rpc() {
  echo "{\"id\":1,\"method\":\"$1\",\"params\":$2}" | "$XCLOUD_AGENT" rpc --config "$TMP/agent.yaml" >"$TMP/reply"
}
# reply_is JQ WANT: the reply's value at JQ is the JSON WANT (key order aside).
reply_is() {
  local got
  got=$(jq -cS "$1" "$TMP/reply")
  [ "$got" = "$(jq -cS . <<<"$2")" ] || fail "reply $1 is $got, expected $2; reply: $(cat "$TMP/reply")"
}
# link_has LINK TEXT: `ip -d link show LINK` contains TEXT.
link_has() {
  ip -d link show "$1" >"$TMP/link" 2>&1 || fail "no link $1: $(cat "$TMP/link")"
  expect_contains "$TMP/link" "$2"
}

# ---- VXLAN ----
configure vxlan
rpc network.ensure "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\",\"vxlan\":$VNI}"
reply_is .result.action '"created"'
BRIDGE=$(jq -r .result.bridge "$TMP/reply")
reply_is .result.uplink "{\"link\":\"xx$VNI\",\"kind\":\"vxlan\",\"id\":$VNI,\"device\":\"$UPLINK\",\"action\":\"created\"}"
link_has "xx$VNI" "master $BRIDGE"
link_has "xx$VNI" "vxlan id $VNI dev $UPLINK "
link_has "xx$VNI" "dstport 4789"
ip -j link show "xx$VNI" | jq -e '.[0].flags | index("UP")' >/dev/null || fail "xx$VNI is not up: $(cat "$TMP/link")"
IFINDEX=$(ip -j link show "xx$VNI" | jq .[0].ifindex)

rpc network.ensure "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\",\"vxlan\":$VNI}"
reply_is .result.action '"unchanged"'
reply_is .result.uplink.action '"unchanged"'
[ "$(ip -j link show "xx$VNI" | jq .[0].ifindex)" = "$IFINDEX" ] || fail "xx$VNI was recreated"

rpc network.delete "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\"}"
reply_is .result.action '"deleted"'
ip link show "xx$VNI" >/dev/null 2>&1 && fail "network.delete left link xx$VNI"
virsh -c qemu:///system net-info "$NETWORK" >/dev/null 2>&1 && fail "network.delete left network $NETWORK"
ip link show "$UPLINK" >/dev/null 2>&1 || fail "network.delete removed the uplink"

# ---- VXLAN flooding to a multicast group ----
configure vxlan 239.1.1.1
rpc network.ensure "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\",\"vxlan\":$VNI}"
reply_is .result.uplink "{\"link\":\"xx$VNI\",\"kind\":\"vxlan\",\"id\":$VNI,\"device\":\"$UPLINK\",\"group\":\"239.1.1.1\",\"action\":\"created\"}"
link_has "xx$VNI" "vxlan id $VNI group 239.1.1.1 dev $UPLINK "
link_has "xx$VNI" "dstport 4789"
IFINDEX=$(ip -j link show "xx$VNI" | jq .[0].ifindex)

rpc network.ensure "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\",\"vxlan\":$VNI}"
reply_is .result.uplink.action '"unchanged"'
reply_is .result.uplink.group '"239.1.1.1"'

# Another group on the host is a conflict; the link is left as it is.
configure vxlan 239.1.1.2
rpc network.ensure "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\",\"vxlan\":$VNI}"
reply_is .error.code '"conflict"'
reply_is .error.message "\"network $TENANT/$NAME: link xx$VNI has multicast group 239.1.1.1, not 239.1.1.2; xcloud leaves it alone\""
[ "$(ip -j link show "xx$VNI" | jq .[0].ifindex)" = "$IFINDEX" ] || fail "xx$VNI was recreated"
link_has "xx$VNI" "group 239.1.1.1 "

# A group that is not multicast is refused when the config is loaded.
configure vxlan 10.0.0.1
rpc network.ensure "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\",\"vxlan\":$VNI}" 2>"$TMP/stderr" &&
  fail "the agent accepted vxlanGroup 10.0.0.1"
expect_contains "$TMP/stderr" "$TMP/agent.yaml:6:13: vxlanGroup \"10.0.0.1\": expected a multicast address (224.0.0.0/4 or ff00::/8)"

configure vxlan 239.1.1.1
rpc network.delete "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\"}"
reply_is .result.action '"deleted"'
ip link show "xx$VNI" >/dev/null 2>&1 && fail "network.delete left link xx$VNI"

# ---- VLAN ----
configure vlan
rpc network.ensure "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\",\"vlan\":$VID}"
if jq -e .error "$TMP/reply" >/dev/null; then
  reply_is .error.code '"failed_precondition"'
  reply_is .error.message "\"network $TENANT/$NAME: the kernel cannot create VLAN devices (module 8021q missing?)\""
  echo "note: this kernel cannot create VLAN devices; checked the error instead" >&2
else
  reply_is .result.uplink "{\"link\":\"xv$VID\",\"kind\":\"vlan\",\"id\":$VID,\"device\":\"$UPLINK\",\"action\":\"created\"}"
  BRIDGE=$(jq -r .result.bridge "$TMP/reply")
  link_has "xv$VID" "xv$VID@$UPLINK"
  link_has "xv$VID" "master $BRIDGE"
  link_has "xv$VID" "vlan protocol 802.1Q id $VID "
  ip -j link show "xv$VID" | jq -e '.[0].flags | index("UP")' >/dev/null || fail "xv$VID is not up"
fi
rpc network.delete "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\"}"
reply_is .result.action '"deleted"'
ip link show "xv$VID" >/dev/null 2>&1 && fail "network.delete left link xv$VID"

# A network on the other kind of segment than the host's mode is refused before anything is made.
rpc network.ensure "{\"tenant\":\"$TENANT\",\"name\":\"$NAME\",\"vxlan\":$VNI}"
reply_is .error.message "\"network $TENANT/$NAME: this host's networkMode is vlan but the network's segment is vxlan $VNI\""
virsh -c qemu:///system net-info "$NETWORK" >/dev/null 2>&1 && fail "a refused network.ensure defined $NETWORK"

echo "network uplink: ok"
