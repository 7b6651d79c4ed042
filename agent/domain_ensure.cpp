// domain.ensure: create or update a domain from a portable spec, idempotently.
// The last applied spec is kept in the domain's own metadata (a second
// element beside the xcloud instance element), so the agent stays stateless.
#include <algorithm>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "agent/applied_spec.h"
#include "agent/domain_inventory.h"
#include "agent/domain_power.h"
#include "agent/domain_xml.h"
#include "agent/nwfilter_xml.h"
#include "agent/rpc_service.h"
#include "agent/storage_pool.h"
#include "common/domain_spec.h"
#include "common/network_naming.h"

namespace xc {
namespace {

using nlohmann::json;

// The running domain's copy of both metadata elements, once every change of an
// update was applied live (so no restart is pending).
Status record_live(virDomainPtr d, const DomainSpec& spec, const std::string& name) {
  std::string instance = xcloud_metadata_fragment(xcloud_metadata_of(spec));
  if (virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, instance.c_str(), kXcloudDomainNsPrefix,
                           kXcloudDomainNs, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return libvirt_error("domain " + name + ": ");
  pugi::xml_document doc;
  doc.append_child("spec").text() = to_json(spec).dump().c_str();
  std::ostringstream xml;
  doc.save(xml, "", pugi::format_raw | pugi::format_no_declaration);
  if (virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, xml.str().c_str(), kSpecKey, kSpecNs,
                           VIR_DOMAIN_AFFECT_LIVE) < 0)
    return libvirt_error("domain " + name + ": ");
  return {};
}

Status record_spec(virDomainPtr d, const DomainSpec& spec, const std::string& name) {
  pugi::xml_document doc;
  doc.append_child("spec").text() = to_json(spec).dump().c_str();
  std::ostringstream xml;
  doc.save(xml, "", pugi::format_raw | pugi::format_no_declaration);
  if (virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, xml.str().c_str(), kSpecKey, kSpecNs,
                           VIR_DOMAIN_AFFECT_CONFIG) < 0)
    return libvirt_error("domain " + name + ": ");
  return {};
}

Result<HostContext> host_context(AgentContext& ctx, const DomainSpec& spec) {
  const AgentContext::HostBasics& basics = ctx.basics();
  HostContext host;
  host.host_arch = arch_from_name(basics.arch).value_or(Arch::kX86_64);
  host.storage_dir = ctx.config.storage_dir;
  host.network_filters = !ctx.test_driver;  // the test driver has no network filters
  if (ctx.test_driver) {
    host.domain_type = "test";
  } else if (ctx.config.domain_type != "auto") {
    host.domain_type = ctx.config.domain_type;
  } else {
    // KVM only for the host's own arch and when libvirt offers it; else TCG.
    pugi::xml_document caps;
    caps.load_string(basics.capabilities.c_str());
    std::string xpath = std::string("/capabilities/guest/arch[@name='") + arch_name(spec.arch) +
                        "']/domain[@type='kvm']";
    host.domain_type =
        spec.arch == host.host_arch && caps.select_node(xpath.c_str()) ? "kvm" : "qemu";
  }
  for (const auto& nic : spec.nics) {
    size_t slash = nic.network.rfind('/');
    if (slash != std::string::npos)
      host.bridges[nic.network] =
          network_bridge_name(nic.network.substr(0, slash), nic.network.substr(slash + 1));
  }
  return host;
}

Status ensure_disks(AgentContext& ctx, const DomainSpec& spec) {
  for (const auto& disk : spec.disks) {
    std::string file = disk_file_name(spec, disk);
    VolumeRequest req{file.substr(0, file.size() - 6), disk.size_gib, disk.image};
    auto r = ensure_volume(ctx, req);
    if (!r.ok()) return r.status();
  }
  return {};
}

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

// The set filter of every NIC in security groups, before the domain that
// references it is defined (libvirt cannot start a NIC whose filter is
// missing). The groups must exist already: securitygroup.ensure runs first.
Status ensure_set_filters(AgentContext& ctx, const DomainSpec& spec, json& result) {
  if (ctx.test_driver) return {};  // no network filters; <filterref> was left out too
  std::set<std::string> done;
  for (const DomainNic& nic : spec.nics) {
    if (nic.security_groups.empty()) continue;
    std::string set = security_group_set_filter_name(spec.tenant, nic.security_groups);
    if (!done.insert(set).second) continue;
    std::vector<std::string> groups;
    for (const std::string& g :
         std::set<std::string>(nic.security_groups.begin(), nic.security_groups.end())) {
      groups.push_back(security_group_filter_name(spec.tenant, g));
      virNWFilterPtr found = virNWFilterLookupByName(ctx.conn, groups.back().c_str());
      if (!found) {
        virResetLastError();
        return error(Code::kFailedPrecondition,
                     "domain " + domain_name(spec) + ": nic " + nic.mac + ": security group " +
                         spec.tenant + "/" + g +
                         " is not defined on this host (securitygroup.ensure it first)");
      }
      NwFilter keep(found);
    }
    auto lock = ctx.lock_object("filter/" + set);
    virNWFilterPtr existing = virNWFilterLookupByName(ctx.conn, set.c_str());
    if (!existing) virResetLastError();
    NwFilter current(existing);
    // Redefining re-instantiates the filter on every NIC using it: only when
    // it is missing, was edited, or an older agent wrote other rules.
    std::string xml = set_filter_xml(set, groups);
    if (current &&
        filter_content(take_string(virNWFilterGetXMLDesc(current.get(), 0))) == filter_content(xml))
      continue;
    virNWFilterPtr defined = virNWFilterDefineXML(ctx.conn, xml.c_str());
    if (!defined) return libvirt_error("domain " + domain_name(spec) + ": filter " + set + ": ");
    NwFilter keep(defined);
    result["filters"].push_back(set);
  }
  return {};
}

// The <interface> element of the NIC with `mac` in a rendered domain XML.
std::string interface_xml(const std::string& domain_xml, const std::string& mac) {
  pugi::xml_document doc;
  doc.load_string(domain_xml.c_str());
  for (auto nic : doc.child("domain").child("devices").children("interface")) {
    if (mac != nic.child("mac").attribute("address").as_string()) continue;
    pugi::xml_document one;
    one.append_copy(nic);
    std::ostringstream out;
    one.save(out, "", pugi::format_raw | pugi::format_no_declaration);
    return out.str();
  }
  return {};
}

// Live changes libvirt can make to a running domain.
Status apply_live(AgentContext& ctx, virDomainPtr d, const DomainSpec& old, const DomainSpec& now,
                  const std::string& name, const std::string& xml) {
  // A NIC's security groups: libvirt swaps the <filterref> of a running interface.
  for (const DomainNic& nic : now.nics) {
    auto before = std::find_if(old.nics.begin(), old.nics.end(),
                               [&](const auto& o) { return o.mac == nic.mac; });
    if (before == old.nics.end() || before->security_groups == nic.security_groups ||
        ctx.test_driver)
      continue;
    std::string device = interface_xml(xml, nic.mac);
    if (!device.empty() &&
        virDomainUpdateDeviceFlags(d, device.c_str(), VIR_DOMAIN_AFFECT_LIVE) < 0)
      return libvirt_error("domain " + name + ": nic " + nic.mac + ": ");
  }
  for (size_t i = 0; i < now.disks.size(); ++i) {
    const DomainDisk& disk = now.disks[i];
    auto before = std::find_if(old.disks.begin(), old.disks.end(),
                               [&](const auto& o) { return o.name == disk.name; });
    if (before == old.disks.end()) continue;  // new disks arrive with the next boot
    std::string target = "vd" + std::string(1, static_cast<char>('a' + i));
    if (before->iops != disk.iops && !ctx.test_driver) {
      virTypedParameterPtr params = nullptr;
      int n = 0, max = 0;
      virTypedParamsAddULLong(&params, &n, &max, VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_IOPS_SEC, disk.iops);
      int rc = virDomainSetBlockIoTune(d, target.c_str(), params, n, VIR_DOMAIN_AFFECT_LIVE);
      virTypedParamsFree(params, n);
      if (rc < 0) return libvirt_error("domain " + name + ": disk " + disk.name + ": ");
    }
    if (before->size_gib < disk.size_gib && !ctx.test_driver &&
        virDomainBlockResize(d, target.c_str(),
                             static_cast<unsigned long long>(disk.size_gib) << 30,
                             VIR_DOMAIN_BLOCK_RESIZE_BYTES) < 0)
      return libvirt_error("domain " + name + ": disk " + disk.name + ": ");
  }
  return {};
}

// A redefinition must name the existing domain's UUID, or libvirt refuses it.
std::string with_uuid(const std::string& xml, virDomainPtr existing) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  virDomainGetUUIDString(existing, uuid);
  pugi::xml_document doc;
  doc.load_string(xml.c_str());
  pugi::xml_node domain = doc.child("domain");
  domain.insert_child_after("uuid", domain.child("name")).text() = uuid;
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default | pugi::format_no_declaration);
  return out.str();
}

int power_state(virDomainPtr d) {
  int state = 0, reason = 0;
  return virDomainGetState(d, &state, &reason, 0) == 0 ? state : -1;
}

Status reach_power(virDomainPtr d, Power power, const std::string& name, json& result) {
  bool running = power_state(d) == VIR_DOMAIN_RUNNING;
  if (power == Power::kRunning && !running) {
    if (virDomainCreate(d) < 0) return libvirt_error("domain " + name + ": start failed: ");
    result["power"] = "started";
  } else if (power == Power::kStopped && running) {
    // Asked first, powered off only when the guest has not gone down in time.
    auto stopped = stop_domain(d, name, kDefaultStopTimeout, true);
    if (!stopped.ok()) return stopped.status();
    result["power"] = "stopped";
    result["stop"] = stop_outcome_name(stopped->outcome);
  }
  return {};
}

Result<json> domain_ensure(AgentContext& ctx, const json& params) {
  auto parsed = domain_spec_from_json(params.value("spec", params));
  if (!parsed.ok()) return parsed.status();
  const DomainSpec& spec = *parsed;
  const bool allow_restart = params.value("allow_restart", false);
  const std::string name = domain_name(spec);
  auto lock = ctx.lock_object("domain/" + name);
  auto host = host_context(ctx, spec);
  if (!host.ok()) return host.status();
  auto xml = render_domain_xml(spec, *host);
  if (!xml.ok()) return xml.status();

  json result = {{"domain", name}, {"live", json::array()}, {"restart", json::array()}};
  Status filters = ensure_set_filters(ctx, spec, result);
  if (!filters.ok()) return filters;
  virDomainPtr raw = virDomainLookupByName(ctx.conn, name.c_str());
  if (!raw) virResetLastError();
  Domain existing(raw);
  std::optional<DomainSpec> old;
  if (existing) {
    if (xcloud_metadata_xml(existing.get()).empty())
      return error(
          Code::kPermissionDenied,
          "domain " + name + ": exists but is not managed by xcloud; refusing to touch it");
    old = applied_spec(existing.get());
  }
  bool drifted =
      existing && old && definition_drifted(existing.get(), *old, ctx.config.storage_dir);
  if (existing && old && *old == spec && !drifted) {
    result["action"] = "unchanged";
    if (restart_pending(existing.get())) {
      if (allow_restart) {
        if (virDomainDestroy(existing.get()) < 0) return libvirt_error("domain " + name + ": ");
        result["restarted"] = true;
      } else {
        result["pending"] = true;
      }
    }
    Status s = reach_power(existing.get(), spec.power, name, result);
    if (!s.ok()) return s;
    return result;
  }
  DomainDiff diff = old ? diff_live_vs_restart(*old, spec) : DomainDiff{};
  if (!diff.refused.empty())
    return error(Code::kFailedPrecondition,
                 "domain " + name + ": cannot apply: " + diff.refused.front());
  Status disks = ensure_disks(ctx, spec);
  if (!disks.ok()) return disks;
  std::string definition = existing ? with_uuid(*xml, existing.get()) : *xml;
  virDomainPtr defined = virDomainDefineXML(ctx.conn, definition.c_str());
  if (!defined) return libvirt_error("domain " + name + ": ");
  Domain domain(defined);
  Status recorded = record_spec(domain.get(), spec, name);
  if (!recorded.ok()) return recorded;
  if (!existing) {
    result["action"] = "created";
  } else {
    result["action"] = drifted && (!old || *old == spec) ? "repaired" : "updated";
    result["live"] = diff.live;
    result["restart"] = diff.restart;
    bool running = power_state(domain.get()) == VIR_DOMAIN_RUNNING;
    if (running) {
      Status live = apply_live(ctx, domain.get(), *old, spec, name, *xml);
      if (!live.ok()) return live;
      if (diff.restart.empty() && !drifted) {
        live = record_live(domain.get(), spec, name);
        if (!live.ok()) return live;
      }
    }
    bool needs_restart = running && (!diff.restart.empty() || drifted);
    if (needs_restart && allow_restart) {
      if (virDomainDestroy(domain.get()) < 0) return libvirt_error("domain " + name + ": ");
      result["restarted"] = true;
    } else if (needs_restart) {
      result["pending"] = true;  // in the definition; takes effect at the next boot
    }
  }
  Status s = reach_power(domain.get(), spec.power, name, result);
  if (!s.ok()) return s;
  return result;
}

}  // namespace

void add_domain_ensure(MethodTable& table) {
  table["domain.ensure"] = domain_ensure;
}

}  // namespace xc
