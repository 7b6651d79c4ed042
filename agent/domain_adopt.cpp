// domain.inspect and domain.adopt: what `xcloudctl adopt` reads of a domain
// xcloud does not own (sizes, disks, NICs, as libvirt defines them), and
// taking ownership of it without a restart: the xcloud metadata elements are
// written into its definition and its running copy. The agent reports what it
// sees; ctl/reconcile/adopt_manifest decides what xcloud can represent.
#include <cstdlib>
#include <map>
#include <pugixml.hpp>
#include <sstream>
#include <vector>

#include "agent/applied_spec.h"
#include "agent/domain_inventory.h"
#include "agent/domain_xml.h"
#include "agent/nic_filters.h"
#include "agent/rpc_service.h"
#include "common/domain_spec.h"
#include "common/network_naming.h"

namespace xc {
namespace {

using nlohmann::json;

// More devices than any VM xcloud makes: the rest are counted, not listed.
constexpr size_t kMaxListed = 64;

Result<Domain> find_domain(AgentContext& ctx, const std::string& name) {
  virDomainPtr raw = virDomainLookupByName(ctx.conn, name.c_str());
  if (!raw) {
    virResetLastError();
    return error(Code::kNotFound, "domain " + name + ": not found on this host");
  }
  return Domain(raw);
}

// A disk's size: its storage volume's capacity, else libvirt's block info
// (a running domain), else -1 (unknown).
int64_t capacity_bytes(AgentContext& ctx, virDomainPtr d, const std::string& path,
                       const std::string& target, std::string& pool) {
  if (!path.empty()) {
    if (virStorageVolPtr raw = virStorageVolLookupByPath(ctx.conn, path.c_str())) {
      StorageVol vol(raw);
      virStorageVolInfo info;
      if (virStoragePoolPtr p = virStoragePoolLookupByVolume(vol.get())) {
        StoragePool owner(p);
        if (const char* n = virStoragePoolGetName(owner.get())) pool = n;
      } else {
        virResetLastError();
      }
      if (virStorageVolGetInfo(vol.get(), &info) == 0) return static_cast<int64_t>(info.capacity);
    }
    virResetLastError();
  }
  virDomainBlockInfo block;
  if (!target.empty() && virDomainGetBlockInfo(d, target.c_str(), &block, 0) == 0)
    return static_cast<int64_t>(block.capacity);
  virResetLastError();
  return -1;
}

// MAC -> addresses the host knows (DHCP leases of libvirt's networks).
std::map<std::string, json> lease_addresses(virDomainPtr d) {
  std::map<std::string, json> out;
  if (virDomainIsActive(d) != 1) return out;
  virDomainInterfacePtr* ifaces = nullptr;
  int n = virDomainInterfaceAddresses(d, &ifaces, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, 0);
  if (n < 0) {
    virResetLastError();
    return out;
  }
  for (int i = 0; i < n; ++i) {
    json& list = out[ifaces[i]->hwaddr ? ifaces[i]->hwaddr : ""];
    if (!list.is_array()) list = json::array();
    for (unsigned k = 0; k < ifaces[i]->naddrs && list.size() < 8; ++k)
      if (ifaces[i]->addrs[k].addr) list.push_back(ifaces[i]->addrs[k].addr);
    virDomainInterfaceFree(ifaces[i]);
  }
  std::free(ifaces);
  return out;
}

Result<json> domain_inspect(AgentContext& ctx, const json& params) {
  auto name = param_string(params, "name");
  if (!name.ok()) return name.status();
  auto found = find_domain(ctx, *name);
  if (!found.ok()) return found.status();
  virDomainPtr d = found->get();
  bool persistent = virDomainIsPersistent(d) == 1;
  pugi::xml_document doc;
  doc.load_string(
      take_string(virDomainGetXMLDesc(d, persistent ? VIR_DOMAIN_XML_INACTIVE : 0)).c_str());
  pugi::xml_node domain = doc.child("domain");
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  virDomainGetUUIDString(d, uuid);
  int state = 0, reason = 0;
  if (virDomainGetState(d, &state, &reason, 0) < 0) virResetLastError();
  unsigned id = virDomainGetID(d);
  json out = {{"domain", *name},
              {"uuid", uuid},
              {"state", domain_state_name(state)},
              {"id", id == static_cast<unsigned>(-1) ? -1 : static_cast<int64_t>(id)},
              {"persistent", persistent},
              {"managed", !xcloud_metadata_xml(d).empty()},
              {"arch", domain.child("os").child("type").attribute("arch").as_string()},
              {"cpus", domain.child("vcpu").text().as_llong()},
              {"memoryKiB", domain.child("memory").text().as_llong()}};
  json disks = json::array();
  size_t disk_count = 0;
  for (pugi::xml_node disk : domain.child("devices").children("disk")) {
    if (++disk_count > kMaxListed) continue;
    pugi::xml_node source = disk.child("source");
    std::string path = source.attribute("file").as_string(source.attribute("dev").as_string());
    std::string target = disk.child("target").attribute("dev").as_string();
    std::string pool = source.attribute("pool").as_string();
    int64_t capacity = capacity_bytes(ctx, d, path, target, pool);
    disks.push_back({{"device", disk.attribute("device").as_string("disk")},
                     {"type", disk.attribute("type").as_string()},
                     {"target", target},
                     {"bus", disk.child("target").attribute("bus").as_string()},
                     {"format", disk.child("driver").attribute("type").as_string()},
                     {"path", path},
                     {"pool", pool},
                     {"volume", source.attribute("volume").as_string()},
                     {"capacityBytes", capacity}});
  }
  std::map<std::string, json> leases = lease_addresses(d);
  json nics = json::array();
  size_t nic_count = 0;
  for (pugi::xml_node nic : domain.child("devices").children("interface")) {
    if (++nic_count > kMaxListed) continue;
    pugi::xml_node source = nic.child("source");
    std::string mac = nic.child("mac").attribute("address").as_string();
    std::string from = source.attribute("bridge").as_string(
        source.attribute("network").as_string(source.attribute("dev").as_string()));
    auto lease = leases.find(mac);
    nics.push_back({{"type", nic.attribute("type").as_string()},
                    {"source", from},
                    {"mac", mac},
                    {"model", nic.child("model").attribute("type").as_string()},
                    {"addresses", lease == leases.end() ? json::array() : lease->second}});
  }
  size_t hostdevs = 0;
  for (pugi::xml_node h : domain.child("devices").children("hostdev")) hostdevs += bool(h);
  out["disks"] = std::move(disks);
  out["diskCount"] = disk_count;
  out["nics"] = std::move(nics);
  out["nicCount"] = nic_count;
  out["hostdevCount"] = hostdevs;
  return out;
}

// "MAC on BRIDGE-OR-NETWORK" of a definition's NICs, in order.
std::vector<std::string> defined_nics(virDomainPtr d) {
  pugi::xml_document doc;
  doc.load_string(take_string(virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE)).c_str());
  std::vector<std::string> out;
  for (pugi::xml_node nic : doc.child("domain").child("devices").children("interface")) {
    pugi::xml_node source = nic.child("source");
    out.push_back(std::string(nic.child("mac").attribute("address").as_string()) + " on " +
                  source.attribute("bridge").as_string(source.attribute("network").as_string()));
  }
  return out;
}

// Binds each NIC to its filter (anti-spoofing, security groups) as on a VM
// xcloud made: the filters defined, then each interface's <filterref> set
// (libvirt swaps it on a running interface). The test driver has no filters.
Status filter_nics(AgentContext& ctx, virDomainPtr d, const DomainSpec& spec, unsigned flags,
                   json& result) {
  if (ctx.test_driver || spec.nics.empty()) return {};
  if (Status defined = ensure_nic_filters(ctx, spec, result); !defined.ok()) return defined;
  char* text = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
  if (!text) return libvirt_error("domain " + domain_name(spec) + ": ");
  pugi::xml_document definition;
  definition.load_string(take_string(text).c_str());
  for (const DomainNic& nic : spec.nics) {
    for (pugi::xml_node iface : definition.child("domain").child("devices").children("interface")) {
      if (nic.mac != iface.child("mac").attribute("address").as_string()) continue;
      set_nic_filterref(iface, spec.tenant, nic);
      std::ostringstream device;
      iface.print(device, "", pugi::format_raw);
      if (virDomainUpdateDeviceFlags(d, device.str().c_str(), flags) < 0)
        return libvirt_error("domain " + domain_name(spec) + ": nic " + nic.mac + ": ");
    }
  }
  return {};
}

Result<json> domain_adopt(AgentContext& ctx, const json& params) {
  auto parsed = domain_spec_from_json(params.value("spec", json::object()));
  if (!parsed.ok()) return parsed.status();
  const DomainSpec& spec = *parsed;
  auto uuid = param_string(params, "uuid");
  if (!uuid.ok()) return uuid.status();
  const std::string name = domain_name(spec);
  if (!spec.adopted)
    return error(Code::kInvalidArgument, "params.spec.adopted: expected true (domain.adopt)");
  auto lock = ctx.lock_object("domain/" + name);
  auto found = find_domain(ctx, name);
  if (!found.ok()) return found.status();
  virDomainPtr d = found->get();
  char have[VIR_UUID_STRING_BUFLEN] = {0};
  virDomainGetUUIDString(d, have);
  if (*uuid != have)
    return error(Code::kFailedPrecondition, "domain " + name + ": its UUID is " + have + ", not " +
                                                *uuid + " (another domain of that name)");
  unsigned id = virDomainGetID(d);
  json result = {{"domain", name},
                 {"id", id == static_cast<unsigned>(-1) ? -1 : static_cast<int64_t>(id)}};
  if (auto owner = parse_xcloud_metadata(xcloud_metadata_xml(d))) {
    if (owner->tenant == spec.tenant && owner->name == spec.name &&
        owner->spec_hash == spec.spec_hash) {
      result["action"] = "unchanged";  // a retried adopt
      return result;
    }
    return error(Code::kPermissionDenied, "domain " + name + ": already managed by xcloud as " +
                                              owner->tenant + "/" + owner->name);
  }
  if (virDomainIsPersistent(d) != 1)
    return error(Code::kFailedPrecondition,
                 "domain " + name + ": transient (not defined); only a defined domain is adopted");
  // What the manifest was written from must still be what libvirt defines.
  // Its NICs too: a NIC on another bridge than the manifest's network would
  // be adopted into a network it is not on.
  std::vector<std::string> nics;
  for (const DomainNic& nic : spec.nics)
    nics.push_back(nic.mac + " on " + nic_network_bridge(nic.network));
  if (definition_drifted(d, spec, ctx.config.storage_dir) || defined_nics(d) != nics)
    return error(Code::kFailedPrecondition,
                 "domain " + name +
                     ": its definition (vCPUs, memory, disks or NICs) differs from the manifest; "
                     "write it again with xcloudctl adopt");
  // Both copies (the running one too, so no restart is pending); the owner
  // element last, so a failure before it leaves the domain unmanaged.
  unsigned flags = VIR_DOMAIN_AFFECT_CONFIG;
  if (virDomainIsActive(d) == 1) flags |= VIR_DOMAIN_AFFECT_LIVE;
  if (Status filtered = filter_nics(ctx, d, spec, flags, result); !filtered.ok()) return filtered;
  std::string instance = xcloud_metadata_fragment(xcloud_metadata_of(spec));
  if (virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, applied_spec_fragment(spec).c_str(),
                           kSpecKey, kSpecNs, flags) < 0 ||
      virDomainSetMetadata(d, VIR_DOMAIN_METADATA_ELEMENT, instance.c_str(), kXcloudDomainNsPrefix,
                           kXcloudDomainNs, flags) < 0)
    return libvirt_error("domain " + name + ": ");
  result["action"] = "adopted";
  return result;
}

}  // namespace

void add_domain_adopt(MethodTable& table) {
  table["domain.inspect"] = domain_inspect;
  table["domain.adopt"] = domain_adopt;
}

}  // namespace xc
