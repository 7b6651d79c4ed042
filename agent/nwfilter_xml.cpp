// Security group filters as libvirt nwfilter XML.
#include "agent/nwfilter_xml.h"

#include <pugixml.hpp>
#include <sstream>

#include "common/ip_address.h"

namespace xc {
namespace {

using nlohmann::json;

std::string to_xml(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

pugi::xml_node rule(pugi::xml_node filter, const char* action, int priority) {
  auto r = filter.append_child("rule");
  r.append_attribute("action") = action;
  r.append_attribute("direction") = "in";
  r.append_attribute("priority") = priority;
  return r;
}

Result<int> port(const json& rule, const char* key, const std::string& what) {
  const json& value = rule[key];
  if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 65535)
    return error(Code::kInvalidArgument, what + "." + key + ": expected a port from 1 to 65535");
  return value.get<int>();
}

// One ingress rule as the element inside <rule>, e.g. <tcp srcipaddr=...>.
Status append_match(pugi::xml_node r, const json& ingress, const std::string& what) {
  if (!ingress.is_object()) return error(Code::kInvalidArgument, what + ": expected an object");
  std::string protocol = ingress.value("protocol", "tcp");
  if (protocol != "tcp" && protocol != "udp" && protocol != "icmp" && protocol != "any")
    return error(Code::kInvalidArgument, what + ".protocol: expected tcp, udp, icmp or any");
  std::string from = ingress.value("from", "0.0.0.0/0");
  std::optional<Subnet> source;
  if (from.find('/') == std::string::npos) {
    if (auto host = parse_ip(from)) source = Subnet{*host, host->v6 ? 128 : 32};
  } else {
    source = parse_subnet(from);
  }
  if (!source)
    return error(Code::kInvalidArgument,
                 what + ".from: expected an address or a CIDR network such as 10.0.0.0/8");
  bool v6 = source->base.v6;
  std::string element = protocol == "any"    ? "all"
                        : protocol == "icmp" ? (v6 ? "icmpv6" : "icmp")
                                             : protocol;
  if (v6 && protocol != "icmp") element += "-ipv6";
  auto match = r.append_child(element.c_str());
  match.append_attribute("srcipaddr") = from.substr(0, from.find('/')).c_str();
  match.append_attribute("srcipmask") = source->prefix;
  if (ingress.contains("port_from") && (protocol == "tcp" || protocol == "udp")) {
    auto first = port(ingress, "port_from", what);
    if (!first.ok()) return first.status();
    int last = *first;
    if (ingress.contains("port_to")) {
      auto to = port(ingress, "port_to", what);
      if (!to.ok()) return to.status();
      if (*to < *first)
        return error(Code::kInvalidArgument, what + ".port_to: expected at least port_from");
      last = *to;
    }
    match.append_attribute("dstportstart") = *first;
    match.append_attribute("dstportend") = last;
  }
  return {};
}

}  // namespace

Result<std::string> group_filter_xml(const std::string& filter_name, const json& ingress) {
  if (!ingress.is_array())
    return error(Code::kInvalidArgument,
                 "security group " + filter_name + ": ingress: expected an array");
  pugi::xml_document doc;
  auto filter = doc.append_child("filter");
  filter.append_attribute("name") = filter_name.c_str();
  filter.append_attribute("chain") = "root";
  for (size_t i = 0; i < ingress.size(); ++i) {
    std::string what = "security group " + filter_name + ": ingress[" + std::to_string(i) + "]";
    Status s = append_match(rule(filter, "accept", kGroupRulePriority), ingress[i], what);
    if (!s.ok()) return s;
  }
  return to_xml(doc);
}

std::string set_filter_xml(const std::string& set_name,
                           const std::vector<std::string>& group_filter_names) {
  pugi::xml_document doc;
  auto filter = doc.append_child("filter");
  filter.append_attribute("name") = set_name.c_str();
  filter.append_attribute("chain") = "root";
  for (const std::string& group : group_filter_names)
    filter.append_child("filterref").append_attribute("filter") = group.c_str();
  for (const char* family : {"all", "all-ipv6"})
    rule(filter, "accept", kEstablishedPriority).append_child(family).append_attribute("state") =
        "ESTABLISHED,RELATED";
  // The state makes libvirt put the drop only in the chain towards the guest;
  // a bare drop lands in every chain of the NIC and stops the guest's own
  // outbound traffic too.
  for (const char* family : {"all", "all-ipv6"})
    rule(filter, "drop", kDropPriority).append_child(family).append_attribute("state") =
        "NEW,INVALID";
  return to_xml(doc);
}

}  // namespace xc
