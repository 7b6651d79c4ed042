// Host-specific libvirt domain XML from a portable DomainSpec (built with
// pugixml, never by pasting strings), the xcloud <metadata> element, and which
// spec changes apply live. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <vector>

#include "common/domain_diff.h"
#include "common/domain_spec.h"
#include "common/status.h"

namespace pugi {
class xml_node;
}

namespace xc {

inline constexpr const char* kXcloudDomainNs = "https://xcloud.local/xmlns/domain/1";
inline constexpr const char* kXcloudDomainNsPrefix = "xcloud";

// What the renderer needs to know about the host.
struct HostContext {
  Arch host_arch = Arch::kX86_64;
  std::string storage_dir = "/var/lib/xcloud/disks";
  std::string domain_type = "kvm";  // "kvm", or "qemu" for software emulation (TCG)
  std::string aarch64_loader = "/usr/share/AAVMF/AAVMF_CODE.fd";
  std::string aarch64_vars_template = "/usr/share/AAVMF/AAVMF_VARS.fd";
  std::string x86_machine = "q35";
  std::string aarch64_machine = "virt";
  // Network name -> host bridge. A network missing here is used as the bridge
  // name itself when it is a valid interface name.
  std::map<std::string, std::string> bridges;
  // Linux bridges carry a tenant's VLAN on the bridge itself (libvirt refuses
  // <vlan> on their ports); Open vSwitch bridges tag each port instead.
  bool openvswitch = false;
  std::string disk_cache = "none";  // "writeback" where O_DIRECT is unavailable (tmpfs)
  // Every NIC gets <filterref> to its nic_filter (anti-spoofing, and its
  // security groups' set filter) with its MAC and addresses as parameters.
  // False on libvirt's test driver, which has no network filters; the spec
  // keeps the groups either way.
  bool network_filters = true;
};

// The libvirt domain XML. Validates the spec and the host settings first:
// kInvalidArgument for bad text, kFailedPrecondition when this host cannot
// run the spec (a foreign arch under kvm, a network without a bridge).
Result<std::string> render_domain_xml(const DomainSpec& spec, const HostContext& host);

// Replaces an <interface>'s <filterref> with the one to the NIC's filter
// (nic_filter_xml.h): its anti-spoofing and its security groups.
void set_nic_filterref(pugi::xml_node interface, const std::string& tenant, const DomainNic& nic);

// <xcloud:instance owner='xcloud' kind= tenant= name= spec-hash= generation=/>
struct XcloudMetadata {
  std::string owner = "xcloud";
  std::string kind = "VirtualMachine";
  std::string tenant;
  std::string name;
  std::string spec_hash;
  int64_t generation = 0;
  bool operator==(const XcloudMetadata&) const = default;
};

XcloudMetadata xcloud_metadata_of(const DomainSpec& spec);
// Appends the element to `parent`; `prefixed` declares xmlns:xcloud on it
// (inside a domain's <metadata>), otherwise it is bare (see below).
void append_xcloud_metadata(pugi::xml_node parent, const XcloudMetadata& metadata, bool prefixed);
// The bare element, as virDomainSetMetadata(ELEMENT, key kXcloudDomainNsPrefix,
// uri kXcloudDomainNs) takes it and virDomainGetMetadata gives it back.
std::string xcloud_metadata_fragment(const XcloudMetadata& metadata);
// Reads the element back from a whole domain XML or a <metadata> element
// (matched by namespace URI, not prefix; only inside /domain/metadata), or
// from the bare <instance .../> that virDomainGetMetadata(ELEMENT, uri)
// returns (libvirt has matched the namespace then). nullopt: the domain is
// not xcloud's ("unmanaged"), including when owner is not "xcloud".
std::optional<XcloudMetadata> parse_xcloud_metadata(const std::string& xml);

}  // namespace xc
