// Network filters of a domain's NICs, defined through libvirt.
#include "agent/nic_filters.h"

#include <pugixml.hpp>
#include <set>

#include "agent/libvirt_handle.h"
#include "agent/nic_filter_xml.h"
#include "agent/nwfilter_xml.h"
#include "common/network_naming.h"

namespace xc {
namespace {

using nlohmann::json;

// What a filter does, ignoring what libvirt adds (uuid) and its formatting:
// each <filterref> and each rule with its match element and attributes.
std::vector<std::string> filter_content(const std::string& xml) {
  pugi::xml_document doc;
  doc.load_string(xml.c_str());
  std::vector<std::string> out;
  for (auto node : doc.child("filter").children()) {
    if (std::string(node.name()) == "uuid") continue;
    std::string line = node.name();
    for (auto a : node.attributes()) line += std::string(" ") + a.name() + "=" + a.value();
    for (auto match : node.children()) {
      line += std::string(" <") + match.name();
      std::set<std::string> attributes;
      for (auto a : match.attributes()) attributes.insert(std::string(a.name()) + "=" + a.value());
      for (const auto& a : attributes) line += " " + a;
    }
    out.push_back(line);
  }
  return out;
}

// The filter's XML as libvirt holds it, or empty when it is not defined.
std::string defined_xml(AgentContext& ctx, const std::string& name) {
  virNWFilterPtr found = virNWFilterLookupByName(ctx.conn, name.c_str());
  if (!found) {
    virResetLastError();
    return {};
  }
  NwFilter filter(found);
  return take_string(virNWFilterGetXMLDesc(filter.get(), 0));
}

// Defines `xml` unless libvirt holds the same filter: redefining
// re-instantiates the filter on every NIC using it.
Result<bool> define(AgentContext& ctx, const std::string& name, const std::string& xml,
                    const std::string& what) {
  auto lock = ctx.lock_object("filter/" + name);
  std::string current = defined_xml(ctx, name);
  if (!current.empty() && filter_content(current) == filter_content(xml)) return false;
  virNWFilterPtr defined = virNWFilterDefineXML(ctx.conn, xml.c_str());
  if (!defined) return libvirt_error(what + "filter " + name + ": ");
  NwFilter keep(defined);
  return true;
}

}  // namespace

Status ensure_nic_filters(AgentContext& ctx, const DomainSpec& spec, json& result) {
  if (ctx.test_driver) return {};  // no network filters; <filterref> was left out too
  std::string what = "domain " + domain_name(spec) + ": ";
  for (const std::string& name : libvirt_spoofing_filters())
    if (defined_xml(ctx, name).empty())
      return error(Code::kFailedPrecondition,
                   what + "libvirt's network filter " + name +
                       " is not defined on this host (install libvirt's stock filters, on "
                       "Debian libvirt-daemon-config-nwfilter, and restart libvirtd)");
  std::set<std::string> done;
  auto ensure = [&](const std::string& name, auto&& defined) -> Status {
    if (!done.insert(name).second) return {};
    Result<bool> changed = defined();
    if (!changed.ok()) return changed.status();
    if (*changed) result["filters"].push_back(name);
    return {};
  };
  for (const DomainNic& nic : spec.nics) {
    std::string set;
    if (!nic.security_groups.empty()) {
      set = security_group_set_filter_name(spec.tenant, nic.security_groups);
      std::vector<std::string> groups;
      for (const std::string& g :
           std::set<std::string>(nic.security_groups.begin(), nic.security_groups.end())) {
        groups.push_back(security_group_filter_name(spec.tenant, g));
        if (defined_xml(ctx, groups.back()).empty())
          return error(Code::kFailedPrecondition,
                       what + "nic " + nic.mac + ": security group " + spec.tenant + "/" + g +
                           " is not defined on this host (securitygroup.ensure it first)");
      }
      Status s = ensure(set, [&] { return define(ctx, set, set_filter_xml(set, groups), what); });
      if (!s.ok()) return s;
    }
    NicFilter filter = nic_filter(nic, set);
    if (filter.xml.find(kIpv6SpoofingFilter) != std::string::npos) {
      Status s = ensure(kIpv6SpoofingFilter, [&] {
        return define(ctx, kIpv6SpoofingFilter, ipv6_spoofing_filter_xml(), what);
      });
      if (!s.ok()) return s;
    }
    Status s = ensure(filter.name, [&] { return define(ctx, filter.name, filter.xml, what); });
    if (!s.ok()) return s;
  }
  return {};
}

}  // namespace xc
