// domain.ensure: create or update a domain from a portable spec, idempotently.
// The last applied spec is kept in the domain's own metadata (a second
// element beside the xcloud instance element), so the agent stays stateless.
#include <algorithm>
#include <map>
#include <pugixml.hpp>
#include <sstream>

#include "agent/applied_spec.h"
#include "agent/domain_inventory.h"
#include "agent/domain_power.h"
#include "agent/domain_snapshots.h"
#include "agent/domain_xml.h"
#include "agent/guest_seed.h"
#include "agent/nic_filters.h"
#include "agent/rpc_service.h"
#include "agent/snapshot_files.h"
#include "agent/storage_pool.h"
#include "common/domain_spec.h"
#include "common/network_naming.h"
#include "common/secret_redaction.h"

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
  if (virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, applied_spec_fragment(spec).c_str(),
                           kSpecKey, kSpecNs, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return libvirt_error("domain " + name + ": ");
  return {};
}

Status record_spec(virDomainPtr d, const DomainSpec& spec, const std::string& name) {
  if (virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, applied_spec_fragment(spec).c_str(),
                           kSpecKey, kSpecNs, VIR_DOMAIN_AFFECT_CONFIG) < 0)
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
  for (const auto& nic : spec.nics)
    if (nic.network.find('/') != std::string::npos)
      host.bridges[nic.network] = nic_network_bridge(nic.network);
  return host;
}

Status ensure_disks(AgentContext& ctx, const DomainSpec& spec) {
  for (const auto& disk : spec.disks) {
    if (!disk.path.empty()) continue;  // an adopted domain's own file: never made or replaced
    std::string file = disk_file_name(spec, disk);
    VolumeRequest req{file.substr(0, file.size() - 6), disk.size_gib, disk.image};
    req.backing_format = disk.image_format;
    req.backing_sha256 = disk.image_sha256;
    auto r = ensure_volume(ctx, req);
    if (!r.ok()) return r.status();
  }
  return {};
}

// The <interface> element of the NIC with `mac` in a domain XML.
pugi::xml_node find_interface(const pugi::xml_document& doc, const std::string& mac) {
  for (auto nic : doc.child("domain").child("devices").children("interface"))
    if (mac == nic.child("mac").attribute("address").as_string()) return nic;
  return {};
}

// An interface's <filterref>: the filter and its parameters.
std::vector<std::string> filterref_of(pugi::xml_node nic) {
  pugi::xml_node ref = nic.child("filterref");
  std::vector<std::string> out = {ref.attribute("filter").value()};
  for (auto p : ref.children("parameter"))
    out.push_back(std::string(p.attribute("name").value()) + "=" + p.attribute("value").value());
  std::sort(out.begin() + 1, out.end());
  return out;
}

// Live changes libvirt can make to a running domain.
Status apply_live(AgentContext& ctx, virDomainPtr d, const DomainSpec& old, const DomainSpec& now,
                  const std::string& name, const std::string& xml) {
  // A NIC's filter (its groups, its addresses, or one an older agent set):
  // libvirt swaps the <filterref> of a running interface.
  pugi::xml_document rendered, live;
  rendered.load_string(xml.c_str());
  if (!ctx.test_driver) live.load_string(take_string(virDomainGetXMLDesc(d, 0)).c_str());
  for (const DomainNic& nic : now.nics) {
    pugi::xml_node want = find_interface(rendered, nic.mac);
    pugi::xml_node have = find_interface(live, nic.mac);
    if (ctx.test_driver || !want || !have || filterref_of(want) == filterref_of(have)) continue;
    pugi::xml_document one;
    one.append_copy(want);
    std::ostringstream device;
    one.save(device, "", pugi::format_raw | pugi::format_no_declaration);
    if (virDomainUpdateDeviceFlags(d, device.str().c_str(), VIR_DOMAIN_AFFECT_LIVE) < 0)
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

// A redefinition keeps each disk's snapshot overlay (agent/snapshot_files.h)
// as its source: pointing back at the base disk would lose the writes since.
std::string with_snapshot_overlays(const std::string& xml, virDomainPtr existing) {
  std::map<std::string, std::string> overlays;  // base disk -> current overlay
  for (const auto& disk : domain_disk_files(existing, false)) {
    auto base = base_disk_of(disk.source);
    if (base && *base != disk.source) overlays[*base] = disk.source;
  }
  if (overlays.empty()) return xml;
  pugi::xml_document doc;
  doc.load_string(xml.c_str());
  for (auto src : doc.select_nodes("/domain/devices/disk[@device='disk']/source")) {
    auto it = overlays.find(src.node().attribute("file").as_string());
    if (it != overlays.end()) src.node().attribute("file").set_value(it->second.c_str());
  }
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

// The seed file, when the spec has a guest section; its result goes in "seed".
Status ensure_seed(AgentContext& ctx, const DomainSpec& spec, json& result) {
  if (!spec.guest) return {};
  auto written = ensure_seed_file(ctx.config.storage_dir, spec);
  if (!written.ok())
    return error(written.status().code(),
                 "domain " + domain_name(spec) + ": " + written.status().message());
  result["seed"] = seed_write_name(*written);
  return {};
}

Result<json> domain_ensure(AgentContext& ctx, const json& params) {
  auto parsed = domain_spec_from_json(params.value("spec", params));
  if (!parsed.ok()) return parsed.status();
  DomainSpec& spec = *parsed;
  // What the domain's metadata keeps and what is compared: the password
  // hash only as its redaction marker (common/secret_redaction.h).
  const DomainSpec kept = redact_secrets(spec);
  if (spec.guest && is_redacted_secret(spec.guest->password_hash)) {
    // Only the seed this domain already has here (shared storage) may fill it in.
    auto hash =
        seed_password_hash(ctx.config.storage_dir, domain_name(spec), spec.guest->password_hash);
    if (!hash.ok())
      return error(Code::kInvalidArgument,
                   "params.guest.password_hash: a redacted value cannot be applied (" +
                       hash.status().message() + "); send the crypt(3) hash");
    spec.guest->password_hash = *hash;
  }
  const bool allow_restart = params.value("allow_restart", false);
  const std::string name = domain_name(spec);
  auto lock = ctx.lock_object("domain/" + name);
  auto host = host_context(ctx, spec);
  if (!host.ok()) return host.status();
  auto xml = render_domain_xml(spec, *host);
  if (!xml.ok()) return xml.status();

  json result = {{"domain", name}, {"live", json::array()}, {"restart", json::array()}};
  Status filters = ensure_nic_filters(ctx, spec, result);
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
  if (existing && old && *old == kept && !drifted) {
    result["action"] = "unchanged";
    Status seed = ensure_seed(ctx, spec, result);  // a seed removed behind our back comes back
    if (!seed.ok()) return seed;
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
  DomainDiff diff = old ? diff_live_vs_restart(*old, kept) : DomainDiff{};
  if (!diff.refused.empty())
    return error(Code::kFailedPrecondition,
                 "domain " + name + ": cannot apply: " + diff.refused.front());
  Status disks = ensure_disks(ctx, spec);
  if (!disks.ok()) return disks;
  Status seed = ensure_seed(ctx, spec, result);
  if (!seed.ok()) return seed;
  std::string definition =
      existing ? with_snapshot_overlays(with_uuid(*xml, existing.get()), existing.get()) : *xml;
  virDomainPtr defined = virDomainDefineXML(ctx.conn, definition.c_str());
  if (!defined) return libvirt_error("domain " + name + ": ");
  Domain domain(defined);
  Status recorded = record_spec(domain.get(), kept, name);
  if (!recorded.ok()) return recorded;
  if (!existing) {
    result["action"] = "created";
  } else {
    result["action"] = drifted && (!old || *old == kept) ? "repaired" : "updated";
    result["live"] = diff.live;
    result["restart"] = diff.restart;
    bool running = power_state(domain.get()) == VIR_DOMAIN_RUNNING;
    if (running) {
      Status live = apply_live(ctx, domain.get(), *old, spec, name, *xml);
      if (!live.ok()) return live;
      if (diff.restart.empty() && !drifted) {
        live = record_live(domain.get(), kept, name);
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
