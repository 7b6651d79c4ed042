// A NIC's anti-spoofing and security-group filter as libvirt nwfilter XML.
#include "agent/nic_filter_xml.h"

#include <pugixml.hpp>

#include "agent/xml_text.h"
#include "common/digest.h"

namespace xc {
namespace {

void source_rule(pugi::xml_node filter, const char* action, int priority, const char* address,
                 const char* mask) {
  auto r = filter.append_child("rule");
  r.append_attribute("action") = action;
  r.append_attribute("direction") = "out";
  r.append_attribute("priority") = priority;
  if (!address) return;
  auto match = r.append_child("ipv6");
  match.append_attribute("srcipaddr") = address;
  if (mask) match.append_attribute("srcipmask") = mask;
}

}  // namespace

std::string ipv6_spoofing_filter_xml() {
  pugi::xml_document doc;
  auto filter = doc.append_child("filter");
  filter.append_attribute("name") = kIpv6SpoofingFilter;
  // An ebtables chain for IPv6 frames of its own, beside libvirt's "ipv6-ip".
  filter.append_attribute("chain") = "ipv6-xcsrc";
  filter.append_attribute("priority") = -610;
  // Link-local sources (neighbour discovery, router solicitation) and the
  // unspecified address (duplicate address detection) before an address is
  // configured; then the NIC's own; everything else is dropped.
  source_rule(filter, "return", 100, "fe80::", "10");
  source_rule(filter, "return", 100, "::", "128");
  source_rule(filter, "return", 500, "$IPV6", nullptr);
  source_rule(filter, "drop", 1000, nullptr, nullptr);
  return xml_text(doc);
}

const std::vector<std::string>& libvirt_spoofing_filters() {
  static const std::vector<std::string> names = {"clean-traffic", "no-mac-spoofing",
                                                 "no-ip-spoofing", "no-arp-spoofing",
                                                 "no-arp-mac-spoofing"};
  return names;
}

NicFilter nic_filter(const DomainNic& nic, const std::string& set_filter) {
  NicFilter out;
  out.parameters.push_back({"MAC", nic.mac});
  bool ipv4 = !nic.ipv4.empty();
  bool ipv6 = !nic.ipv6.empty() && nic.ipv6 != "auto";
  std::vector<std::string> refs;
  if (ipv4 && nic.ipv6.empty()) {
    refs = {"clean-traffic"};
  } else {
    refs = {"no-mac-spoofing"};
    if (ipv4) {
      refs.push_back("no-ip-spoofing");
      refs.push_back("no-arp-spoofing");
    } else {
      refs.push_back("no-arp-mac-spoofing");
    }
    if (ipv6) refs.push_back(kIpv6SpoofingFilter);
  }
  if (ipv4) out.parameters.push_back({"IP", nic.ipv4});
  if (ipv6) out.parameters.push_back({"IPV6", nic.ipv6});
  if (!set_filter.empty()) refs.push_back(set_filter);

  std::string key;
  for (const std::string& ref : refs) key += ref + "\n";
  out.name = "xcnic-" + sha256_hex(key).substr(0, 16);
  pugi::xml_document doc;
  auto filter = doc.append_child("filter");
  filter.append_attribute("name") = out.name.c_str();
  filter.append_attribute("chain") = "root";
  for (const std::string& ref : refs)
    filter.append_child("filterref").append_attribute("filter") = ref.c_str();
  out.xml = xml_text(doc);
  return out;
}

}  // namespace xc
