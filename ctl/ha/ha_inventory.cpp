#include "ctl/ha/ha_inventory.h"

#include <cmath>
#include <cstdlib>

#include "common/domain_spec.h"
#include "ctl/hosts/host_object.h"
#include "ctl/reconcile/observed_state.h"

namespace xc {

using nlohmann::json;

std::string fenced_meta_key(const std::string& host) {
  return "ha.fenced." + host;
}

std::string restarted_meta_key(const std::string& tenant, const std::string& name) {
  return kRestartedMetaPrefix + object_key(tenant, name);
}

bool manifest_wants_ha(const json& manifest) {
  if (!manifest.is_object() || !manifest.contains("spec") || !manifest["spec"].is_object())
    return false;
  const json& ha = manifest["spec"].value("ha", json());
  return ha.is_string() && ha.get<std::string>() == "restart";
}

namespace {

// The manifest a resource was applied from, or an empty object.
json stored_manifest(const ResourceRecord& r) {
  json record = json::parse(r.spec_json, nullptr, false);
  if (!record.is_object() || !record.contains("manifest") || !record["manifest"].is_object())
    return json::object();
  return record["manifest"];
}

json spec_of(const json& manifest) {
  const json& s = manifest.value("spec", json::object());
  return s.is_object() ? s : json::object();
}

std::string text(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Status load_hosts(Store& store, HaInventory& inv, std::map<std::string, std::string>& shared) {
  auto hosts = store.list_hosts();
  if (!hosts.ok()) return hosts.status();
  for (const HostRecord& r : *hosts) {
    HaHost h;
    h.name = r.name;
    Object object = host_object(store, r);
    const HostSpec& spec = object.as<HostSpec>();
    h.pool = spec.pool.empty() ? r.pool : spec.pool;
    h.maintenance = spec.maintenance;
    if (auto declared = store.get_resource({"Host", "", r.name}); declared.ok()) {
      json fence = spec_of(stored_manifest(*declared)).value("fence", json::array());
      std::vector<std::string> argv;
      if (fence.is_array())
        for (const auto& a : fence)
          if (a.is_string()) argv.push_back(a.get<std::string>());
      if (!argv.empty()) inv.fence[r.name] = argv;
    } else if (declared.status().code() != Code::kNotFound) {
      return declared.status();
    }
    h.has_fence_command = inv.fence.count(r.name) > 0;
    json snapshot = json::parse(r.facts_json, nullptr, false);
    if (!snapshot.is_object()) snapshot = json::object();
    h.unreachable_since_ms = snapshot.value("unreachableSinceMs", int64_t{0});
    h.reachable = h.unreachable_since_ms == 0;
    HostFacts f = host_facts_from_json(snapshot.value("facts", json::object()));
    h.capacity.arch = arch_from_name(f.arch).value_or(Arch::kX86_64);
    h.capacity.cpus = f.cpus;
    h.capacity.memory_mib = f.memory_mib;
    for (const auto& a : f.accelerators)
      if (!a.type.empty() && a.used_by.empty()) ++h.capacity.accelerators[a.type];
    auto fenced = store.get_meta(fenced_meta_key(r.name));
    if (!fenced.ok()) return fenced.status();
    if (*fenced) h.fenced_ms = std::atoll(fenced->value().c_str());
    h.shared_storage = shared[h.pool];
    inv.world.hosts.push_back(std::move(h));
  }
  return {};
}

Status load_pools_and_groups(Store& store, HaInventory& inv,
                             std::map<std::string, std::string>& shared) {
  auto pools = store.list_resources(std::string("Pool"));
  if (!pools.ok()) return pools.status();
  for (const ResourceRecord& r : *pools) {
    json s = spec_of(stored_manifest(r));
    PoolPolicy p;
    p.name = r.name;
    p.zone = text(s, "zone");
    if (s.contains("cpuOvercommit") && s["cpuOvercommit"].is_number())
      p.cpu_overcommit_milli = std::llround(s["cpuOvercommit"].get<double>() * 1000);
    p.policy = text(s, "policy") == "pack" ? PlacementPolicy::kPack : PlacementPolicy::kSpread;
    shared[r.name] = text(s, "sharedStorage");
    inv.world.pools.push_back(p);
  }
  auto groups = store.list_resources(std::string("PlacementGroup"));
  if (!groups.ok()) return groups.status();
  for (const ResourceRecord& r : *groups) {
    json s = spec_of(stored_manifest(r));
    GroupRule g;
    g.tenant = r.tenant;
    g.name = r.name;
    g.policy =
        text(s, "policy") == "affinity" ? GroupPolicy::kAffinity : GroupPolicy::kAntiAffinity;
    g.strict = s.value("strict", true);
    inv.world.groups.push_back(g);
  }
  return {};
}

Status load_vms(Store& store, HaInventory& inv) {
  auto placements = store.list_placements();
  if (!placements.ok()) return placements.status();
  std::map<std::string, std::string> placed;
  for (const PlacementRecord& p : *placements)
    if (p.kind == "VirtualMachine") placed[object_key(p.tenant, p.name)] = p.host;
  auto vms = store.list_resources(std::string("VirtualMachine"));
  if (!vms.ok()) return vms.status();
  for (const ResourceRecord& r : *vms) {
    const std::string key = object_key(r.tenant, r.name);
    auto where = placed.find(key);
    if (where == placed.end()) continue;  // not created anywhere
    json record = json::parse(r.spec_json, nullptr, false);
    if (!record.is_object()) continue;
    json manifest = record.value("manifest", json::object());
    HaVm v;
    v.restart = manifest_wants_ha(manifest);
    v.demand.tenant = r.tenant;
    v.demand.name = r.name;
    v.demand.current_host = where->second;
    json placement = spec_of(manifest).value("placement", json::object());
    if (placement.is_object()) {
      v.demand.zone = text(placement, "zone");
      v.demand.pool = text(placement, "pool");
      v.demand.group = text(placement, "group");
    }
    if (record.contains("domain")) {
      auto spec = domain_spec_from_json(record["domain"]);
      if (spec.ok()) {
        v.demand.arch = spec->arch;
        v.demand.cpus = spec->cpus;
        v.demand.memory_mib = spec->memory_mib;
        for (const auto& a : spec->accelerators) ++v.demand.accelerators[a.type];
      }
      inv.domains[key] = record["domain"];
    }
    inv.world.vms.push_back(std::move(v));
  }
  return {};
}

}  // namespace

Result<HaInventory> load_ha_inventory(Store& store) {
  HaInventory inv;
  std::map<std::string, std::string> shared;  // pool -> sharedStorage
  if (Status s = load_pools_and_groups(store, inv, shared); !s.ok()) return s;
  if (Status s = load_hosts(store, inv, shared); !s.ok()) return s;
  if (Status s = load_vms(store, inv); !s.ok()) return s;
  return inv;
}

}  // namespace xc
