// Security group filters as libvirt nwfilter XML.
#include "agent/nwfilter_xml.h"

#include <pugixml.hpp>

#include "agent/xml_text.h"
#include "common/ip_address.h"

namespace xc {
namespace {

using nlohmann::json;

pugi::xml_node rule(pugi::xml_node filter, const char* action, int priority,
                    const char* direction = "in") {
  auto r = filter.append_child("rule");
  r.append_attribute("action") = action;
  r.append_attribute("direction") = direction;
  r.append_attribute("priority") = priority;
  return r;
}

Result<int> port(const json& rule, const char* key, const std::string& what) {
  const json& value = rule[key];
  if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 65535)
    return error(Code::kInvalidArgument, what + "." + key + ": expected a port from 1 to 65535");
  return value.get<int>();
}

// Which way a rule points: an ingress rule matches its peer as the source, an
// egress rule as the destination; both match the destination port.
struct Way {
  const char* list;       // "ingress"
  const char* peer_key;   // "from"
  const char* direction;  // libvirt's, seen from the guest
  const char* address;    // "srcipaddr"
  const char* mask;       // "srcipmask"
};
constexpr Way kIngress{"ingress", "from", "in", "srcipaddr", "srcipmask"};
constexpr Way kEgress{"egress", "to", "out", "dstipaddr", "dstipmask"};

// One rule as the element inside <rule>, e.g. <tcp srcipaddr=...>.
Status append_match(pugi::xml_node r, const json& spec, const Way& way, const std::string& what) {
  if (!spec.is_object()) return error(Code::kInvalidArgument, what + ": expected an object");
  std::string protocol = spec.value("protocol", "tcp");
  if (protocol != "tcp" && protocol != "udp" && protocol != "icmp" && protocol != "any")
    return error(Code::kInvalidArgument, what + ".protocol: expected tcp, udp, icmp or any");
  std::string peer = spec.value(way.peer_key, "0.0.0.0/0");
  std::optional<Subnet> network;
  if (peer.find('/') == std::string::npos) {
    if (auto host = parse_ip(peer)) network = Subnet{*host, host->v6 ? 128 : 32};
  } else {
    network = parse_subnet(peer);
  }
  if (!network)
    return error(
        Code::kInvalidArgument,
        what + "." + way.peer_key + ": expected an address or a CIDR network such as 10.0.0.0/8");
  bool v6 = network->base.v6;
  std::string element = protocol == "any"    ? "all"
                        : protocol == "icmp" ? (v6 ? "icmpv6" : "icmp")
                                             : protocol;
  if (v6 && protocol != "icmp") element += "-ipv6";
  auto match = r.append_child(element.c_str());
  match.append_attribute(way.address) = peer.substr(0, peer.find('/')).c_str();
  match.append_attribute(way.mask) = network->prefix;
  if (spec.contains("port_from") && (protocol == "tcp" || protocol == "udp")) {
    auto first = port(spec, "port_from", what);
    if (!first.ok()) return first.status();
    int last = *first;
    if (spec.contains("port_to")) {
      auto to = port(spec, "port_to", what);
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

Status append_rules(pugi::xml_node filter, const std::string& filter_name, const json& rules,
                    const Way& way) {
  if (!rules.is_array())
    return error(Code::kInvalidArgument,
                 "security group " + filter_name + ": " + way.list + ": expected an array");
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string what =
        "security group " + filter_name + ": " + way.list + "[" + std::to_string(i) + "]";
    Status s = append_match(rule(filter, "accept", kGroupRulePriority, way.direction), rules[i],
                            way, what);
    if (!s.ok()) return s;
  }
  return {};
}

// The accept of replies and the drop of other connections of one direction.
void deny_rest(pugi::xml_node filter, const char* direction) {
  for (const char* family : {"all", "all-ipv6"})
    rule(filter, "accept", kEstablishedPriority, direction)
        .append_child(family)
        .append_attribute("state") = "ESTABLISHED,RELATED";
  // The state makes libvirt put the drop only in the chain of its direction;
  // a bare drop lands in every chain of the NIC and stops both ways.
  for (const char* family : {"all", "all-ipv6"})
    rule(filter, "drop", kDropPriority, direction).append_child(family).append_attribute("state") =
        "NEW,INVALID";
}

}  // namespace

Result<std::string> group_filter_xml(const std::string& filter_name, const json& ingress,
                                     const json& egress) {
  pugi::xml_document doc;
  auto filter = doc.append_child("filter");
  filter.append_attribute("name") = filter_name.c_str();
  filter.append_attribute("chain") = "root";
  Status s = append_rules(filter, filter_name, ingress, kIngress);
  if (s.ok() && !egress.is_null()) s = append_rules(filter, filter_name, egress, kEgress);
  if (!s.ok()) return s;
  if (!egress.is_null()) deny_rest(filter, "out");
  return xml_text(doc);
}

std::string set_filter_xml(const std::string& set_name,
                           const std::vector<std::string>& group_filter_names) {
  pugi::xml_document doc;
  auto filter = doc.append_child("filter");
  filter.append_attribute("name") = set_name.c_str();
  filter.append_attribute("chain") = "root";
  for (const std::string& group : group_filter_names)
    filter.append_child("filterref").append_attribute("filter") = group.c_str();
  deny_rest(filter, "in");
  return xml_text(doc);
}

}  // namespace xc
