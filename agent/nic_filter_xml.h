// The network filter a NIC's <filterref> names: anti-spoofing bound to the
// NIC's MAC and addresses (libvirt's clean-traffic family and xcloud's IPv6
// filter) plus the NIC's security-group set filter, if any. Pure; safe from
// any thread.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/domain_spec.h"

namespace xc {

// Ours, beside libvirt's no-ip-spoofing: outbound IPv6 only from $IPV6, a
// link-local address or :: (duplicate address detection).
inline constexpr char kIpv6SpoofingFilter[] = "xcloud-no-ipv6-spoofing";
std::string ipv6_spoofing_filter_xml();

// libvirt's filters that nic_filter references, shipped by libvirt
// (Debian: libvirt-daemon-config-nwfilter).
const std::vector<std::string>& libvirt_spoofing_filters();

struct NicFilter {
  std::string name;  // "xcnic-" + 16 hex digits of the SHA-256 of its references
  std::string xml;
  // The <filterref>'s parameters: MAC, and IP / IPV6 when the NIC has them.
  std::vector<std::pair<std::string, std::string>> parameters;
};

// `set_filter` is the NIC's security_group_set_filter_name, or empty. What is
// bound depends on what the NIC's addresses are known:
//   IPv4 only: clean-traffic (MAC, IP and ARP bound; any other layer-2
//     protocol, IPv6 included, dropped).
//   IPv4 and IPv6: the MAC, IPv4 and ARP filters of clean-traffic plus the
//     IPv6 source filter.
//   IPv6 only: MAC, ARP's sender MAC and the IPv6 source; IPv4 is bound to the MAC only.
//   no address, or IPv6 "auto" (SLAAC): the MAC only (the frames' source and
//     ARP's sender MAC); IP sources cannot be bound to addresses not known.
NicFilter nic_filter(const DomainNic& nic, const std::string& set_filter);

}  // namespace xc
