// Attaches a tenant network's bridge to the host's uplink NIC: one kernel link
// per segment (an 802.1Q sub-interface or a VXLAN device) enslaved to the
// bridge. The kernel sits behind LinkTable: netlink through libnl-route-3 in
// uplink.cpp, a fake in tests. The functions here hold no state; they are as
// thread-safe as the LinkTable given (netlink_link_table's is: a socket per call).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

enum class SegmentKind { kVlan, kVxlan };

const char* segment_kind_name(SegmentKind kind);  // "vlan", "vxlan"

inline constexpr int kVxlanPort = 4789;  // IANA's VXLAN port (Linux defaults to 8472)

// What the kernel reports about one link, or asks it to create.
struct Link {
  std::string name{};
  std::string kind{};     // rtnetlink's kind: "vlan", "vxlan", "bridge", "veth"; "" for a NIC
  int64_t id = 0;         // VLAN id or VNI
  int port = 0;           // VXLAN UDP destination port
  bool learning = false;  // VXLAN source-address learning
  std::string group{};    // VXLAN multicast group for flooding, as inet_ntop writes it; "" if none
  std::string device{};   // lower device (the uplink); "" if none
  std::string master{};   // bridge the link is enslaved to; "" if none
  bool up = false;

  bool operator==(const Link&) const = default;
};

// The kernel's network links in the agent's network namespace. Errors carry
// a message without a prefix ("the kernel cannot create VLAN devices ...").
class LinkTable {
 public:
  virtual ~LinkTable() = default;
  virtual Result<std::vector<Link>> list() = 0;
  // Creates `link` (kind vlan or vxlan) on link.device, enslaved to
  // link.master and up, in one request.
  virtual Status create(const Link& link) = 0;
  // Enslaves an existing link to `master` and sets it up.
  virtual Status attach(const std::string& name, const std::string& master) = 0;
  virtual Status remove(const std::string& name) = 0;
};

// The real kernel through libnl-route-3.
std::unique_ptr<LinkTable> netlink_link_table();

// Which segment of which network to attach to which bridge.
struct UplinkSpec {
  std::string network;  // "education/app", starts error messages
  SegmentKind kind = SegmentKind::kVlan;
  int64_t id = 0;
  std::string device;  // the uplink NIC, from the agent's config
  std::string bridge;  // the network's bridge
  // VXLAN multicast group (agent config 'vxlanGroup', as inet_ntop writes
  // it); "" floods nowhere, so the segment stays on this host.
  std::string group{};
};

// The link xcloud names after a segment: "xv" + VLAN id, "xx" + VNI, at most
// 12 characters. Distinct from libvirt's (virbr, vnet, macvtap) and xcloud's
// bridge ("xcbr") names, so a link of this name and kind is xcloud's.
std::string segment_link_name(SegmentKind kind, int64_t id);

// Linux interface names: 1-15 characters, none of them '/', ':' or blanks,
// and not "." or "..".
bool valid_interface_name(const std::string& name);

// Checks a spec without touching the kernel (kInvalidArgument).
Status check_uplink_spec(const UplinkSpec& spec);

struct UplinkResult {
  Link link;
  std::string action;  // created, attached (it lost its bridge), unchanged
};

// Makes the segment's link exist on spec.device, enslaved to spec.bridge and
// up. A correct link is left alone; a link of that name with another kind,
// id, port, device, bridge or (when spec.group is set) group is a kConflict
// naming it, never replaced.
Result<UplinkResult> ensure_uplink(LinkTable& links, const UplinkSpec& spec);

// Deletes the xcloud segment links enslaved to `bridge` (named after their
// own kind and id, see segment_link_name); returns their names.
Result<std::vector<std::string>> remove_uplinks(LinkTable& links, const std::string& network,
                                                const std::string& bridge);

}  // namespace xc
