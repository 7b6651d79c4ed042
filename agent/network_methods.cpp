// network.ensure / network.delete: one isolated bridge per tenant network,
// joined to the host's uplink by the network's VLAN or VXLAN segment (see
// uplink.h), and securitygroup.ensure / securitygroup.delete as libvirt
// network filters (nwfilter_xml.h; domain.ensure adds the per-NIC set filter).
#include <optional>
#include <pugixml.hpp>
#include <regex>
#include <sstream>

#include "agent/domain_inventory.h"
#include "agent/nwfilter_xml.h"
#include "agent/rpc_service.h"
#include "agent/uplink.h"
#include "agent/xml_text.h"
#include "common/network_naming.h"

namespace xc {
namespace {

using nlohmann::json;

bool valid_label(const std::string& s) {
  static const std::regex kLabel("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  return std::regex_match(s, kLabel);
}

bool valid_tenant(const std::string& s) {
  std::stringstream in(s);
  std::string part;
  int parts = 0;
  while (std::getline(in, part, '/')) {
    if (!valid_label(part)) return false;
    ++parts;
  }
  return parts > 0 && s.back() != '/';
}

struct TenantObject {
  std::string tenant, name;
  std::string network_name() const { return network_libvirt_name(tenant, name); }
  std::string path() const { return tenant + "/" + name; }
};

Result<TenantObject> tenant_object(const json& params, const char* what) {
  auto tenant = param_string(params, "tenant");
  auto name = param_string(params, "name");
  if (!tenant.ok()) return tenant.status();
  if (!name.ok()) return name.status();
  if (!valid_tenant(*tenant) || !valid_label(*name))
    return error(Code::kInvalidArgument,
                 std::string(what) + " " + json(*tenant + "/" + *name).dump() +
                     ": tenant must be DNS labels joined by '/', name a DNS label");
  return TenantObject{*tenant, *name};
}

// The segment link the network needs on this host: none without an uplink in
// the agent's config, on the test driver (it creates no kernel bridges) or for
// a network without a segment. The host's networkMode picks the link's kind
// and, for VXLAN, vxlanGroup its flood group.
Result<std::optional<UplinkSpec>> uplink_spec(const AgentContext& ctx, const TenantObject& obj,
                                              const json& params) {
  if (ctx.config.uplink.empty() || ctx.test_driver) return std::optional<UplinkSpec>();
  bool vxlan_mode = ctx.config.network_mode == "vxlan";
  const char* want = vxlan_mode ? "vxlan" : "vlan";
  const char* other = vxlan_mode ? "vlan" : "vxlan";
  if (!params.contains(want)) {
    if (!params.contains(other)) return std::optional<UplinkSpec>();
    return error(Code::kFailedPrecondition,
                 "network " + obj.path() + ": this host's networkMode is " + want +
                     " but the network's segment is " + other + " " + params[other].dump());
  }
  if (!params[want].is_number_integer())
    return error(Code::kInvalidArgument,
                 "network " + obj.path() + ": " + want + " must be an integer");
  UplinkSpec spec{obj.path(), vxlan_mode ? SegmentKind::kVxlan : SegmentKind::kVlan,
                  params[want].get<int64_t>(), ctx.config.uplink,
                  network_bridge_name(obj.tenant, obj.name)};
  if (vxlan_mode) spec.group = ctx.config.vxlan_group;
  if (Status s = check_uplink_spec(spec); !s.ok()) return s;
  return std::optional<UplinkSpec>(spec);
}

// Adds "uplink" to a network.ensure result once the network's bridge exists.
Result<json> with_uplink(json result, const std::optional<UplinkSpec>& spec) {
  if (!spec) return result;
  auto links = netlink_link_table();
  auto uplink = ensure_uplink(*links, *spec);
  if (!uplink.ok()) return uplink.status();
  result["uplink"] = {{"link", uplink->link.name},
                      {"kind", uplink->link.kind},
                      {"id", uplink->link.id},
                      {"device", uplink->link.device},
                      {"action", uplink->action}};
  if (!uplink->link.group.empty()) result["uplink"]["group"] = uplink->link.group;
  return result;
}

Result<json> network_ensure(AgentContext& ctx, const json& params) {
  auto obj = tenant_object(params, "network");
  if (!obj.ok()) return obj.status();
  std::string name = obj->network_name();
  std::string bridge = network_bridge_name(obj->tenant, obj->name);
  int64_t segment = params.value("vlan", int64_t{0});
  std::string segment_kind = "vlan";
  if (params.contains("vxlan")) {
    segment = params["vxlan"].get<int64_t>();
    segment_kind = "vxlan";
  }
  auto uplink = uplink_spec(ctx, *obj, params);
  if (!uplink.ok()) return uplink.status();
  auto lock = ctx.lock_object("network/" + name);
  virNetworkPtr existing = virNetworkLookupByName(ctx.conn, name.c_str());
  if (existing) {
    Network net(existing);
    if (virNetworkIsActive(net.get()) != 1 && virNetworkCreate(net.get()) < 0)
      return libvirt_error("network " + name + ": ");
    return with_uplink(json{{"network", name}, {"bridge", bridge}, {"action", "unchanged"}},
                       *uplink);
  }
  virResetLastError();
  pugi::xml_document doc;
  auto root = doc.append_child("network");
  root.append_child("name").text() = name.c_str();
  auto br = root.append_child("bridge");
  br.append_attribute("name") = bridge.c_str();
  br.append_attribute("stp") = "on";
  auto meta = root.append_child("metadata").append_child("xcloud:network");
  meta.append_attribute("xmlns:xcloud") = kXcloudMetadataNs;
  meta.append_attribute("tenant") = obj->tenant.c_str();
  meta.append_attribute("name") = obj->name.c_str();
  meta.append_attribute(segment_kind.c_str()) = static_cast<long long>(segment);
  meta.append_attribute("uplink") = ctx.config.uplink.c_str();
  virNetworkPtr net = virNetworkDefineXML(ctx.conn, xml_text(doc).c_str());
  if (!net) return libvirt_error("network " + name + ": ");
  Network defined(net);
  virNetworkSetAutostart(defined.get(), 1);
  if (virNetworkCreate(defined.get()) < 0) return libvirt_error("network " + name + ": ");
  return with_uplink(json{{"network", name}, {"bridge", bridge}, {"action", "created"}}, *uplink);
}

Result<json> network_delete(AgentContext& ctx, const json& params) {
  auto obj = tenant_object(params, "network");
  if (!obj.ok()) return obj.status();
  std::string name = obj->network_name();
  auto lock = ctx.lock_object("network/" + name);
  virNetworkPtr raw = virNetworkLookupByName(ctx.conn, name.c_str());
  if (!raw) {
    virResetLastError();
    return json{{"network", name}, {"action", "absent"}};
  }
  Network net(raw);
  // The segment link goes first: destroying the bridge would detach it and
  // leave nothing showing which network it served.
  if (!ctx.test_driver && virNetworkIsActive(net.get()) == 1) {
    auto links = netlink_link_table();
    auto removed = remove_uplinks(*links, obj->path(), network_bridge_name(obj->tenant, obj->name));
    if (!removed.ok()) return removed.status();
  }
  if (virNetworkIsActive(net.get()) == 1 && virNetworkDestroy(net.get()) < 0)
    return libvirt_error("network " + name + ": ");
  if (virNetworkUndefine(net.get()) < 0) return libvirt_error("network " + name + ": ");
  return json{{"network", name}, {"action", "deleted"}};
}

Result<json> securitygroup_ensure(AgentContext& ctx, const json& params) {
  auto obj = tenant_object(params, "security group");
  if (!obj.ok()) return obj.status();
  std::string name = security_group_filter_name(obj->tenant, obj->name);
  // Accept rules, and the outbound drop when the group restricts egress; the
  // NIC's set filter (domain.ensure) adds the inbound drop.
  auto xml = group_filter_xml(name, params.value("ingress", json::array()),
                              params.contains("egress") ? params["egress"] : json(nullptr));
  if (!xml.ok()) return xml.status();
  if (ctx.test_driver)  // libvirt's test driver has no network filter support
    return json{{"filter", name},
                {"applied", false},
                {"reason", "the test driver has no network filters"},
                {"xml", *xml}};
  auto lock = ctx.lock_object("filter/" + name);
  virNWFilterPtr f = virNWFilterDefineXML(ctx.conn, xml->c_str());
  if (!f) return libvirt_error("security group " + name + ": ");
  NwFilter filter(f);
  return json{{"filter", name}, {"applied", true}};
}

Result<json> securitygroup_delete(AgentContext& ctx, const json& params) {
  auto obj = tenant_object(params, "security group");
  if (!obj.ok()) return obj.status();
  std::string name = security_group_filter_name(obj->tenant, obj->name);
  if (ctx.test_driver) return json{{"filter", name}, {"action", "absent"}};
  virNWFilterPtr f = virNWFilterLookupByName(ctx.conn, name.c_str());
  if (!f) {
    virResetLastError();
    return json{{"filter", name}, {"action", "absent"}};
  }
  NwFilter filter(f);
  if (virNWFilterUndefine(filter.get()) < 0) return libvirt_error("security group " + name + ": ");
  return json{{"filter", name}, {"action", "deleted"}};
}

}  // namespace

void add_network_methods(MethodTable& table) {
  table["network.ensure"] = network_ensure;
  table["network.delete"] = network_delete;
  table["securitygroup.ensure"] = securitygroup_ensure;
  table["securitygroup.delete"] = securitygroup_delete;
}

}  // namespace xc
