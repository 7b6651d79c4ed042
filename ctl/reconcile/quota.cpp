#include "ctl/reconcile/quota.h"

#include <algorithm>
#include <set>

namespace xc {
namespace {

using nlohmann::json;

const char* storage_key(DiskTier tier) {
  return tier == DiskTier::kHigh ? "storageGiB.high" : "storageGiB.normal";
}

int64_t int_or(const json& j, const char* key, int64_t fallback) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_integer()) return fallback;
  return j[key].get<int64_t>();
}

int resource_rank(const std::string& key) {
  static const std::vector<std::string> kHead = {"vcpu", "memoryGiB", "storageGiB.normal",
                                                 "storageGiB.high", kSnapshotsResource};
  for (size_t i = 0; i < kHead.size(); ++i)
    if (key == kHead[i]) return static_cast<int>(i);
  if (key.rfind("accelerators.", 0) == 0) {
    std::string type = key.substr(13);
    for (size_t i = 0; i < kAcceleratorTypes.size(); ++i)
      if (type == kAcceleratorTypes[i]) return 10 + static_cast<int>(i);
    return 50;  // other types, by name
  }
  if (key == "vms") return 100;
  if (key == "networks") return 101;
  return 200;
}

}  // namespace

std::string allocation_key(const std::string& kind, const std::string& tenant,
                           const std::string& name) {
  return kind + " " + object_key(tenant, name);
}

Allocation vm_allocation(const DomainSpec& spec,
                         const std::map<std::string, int64_t>& accelerators) {
  Allocation a;
  a.tenant = spec.tenant;
  a.used["vcpu"] = spec.cpus;
  a.used["memoryGiB"] = (spec.memory_mib + 1023) / 1024;
  for (const auto& d : spec.disks) a.used[storage_key(d.tier)] += d.size_gib;
  if (!accelerators.empty()) {
    for (const auto& [type, count] : accelerators) a.used["accelerators." + type] += count;
  } else {
    for (const auto& acc : spec.accelerators) a.used["accelerators." + acc.type] += 1;
  }
  a.used["vms"] = 1;
  return a;
}

Allocations desired_allocations(const DesiredState& desired) {
  Allocations out;
  for (const auto& vm : desired.vms)
    out[allocation_key("VirtualMachine", vm.spec.tenant, vm.spec.name)] =
        vm_allocation(vm.spec, vm.demand.accelerators);
  for (const auto& rec : desired.records) {
    const Object& o = *rec.object;
    if (o.kind == Kind::kVolume && o.as<VolumeSpec>().attach_to.empty()) {
      const auto& v = o.as<VolumeSpec>();
      Allocation a{o.meta.tenant, {{storage_key(v.tier), v.size_gib}}};
      out[allocation_key("Volume", o.meta.tenant, o.meta.name)] = a;
    }
  }
  for (const auto& n : desired.networks)
    out[allocation_key("Network", n.object->meta.tenant, n.object->meta.name)] = {
        n.object->meta.tenant, {{"networks", 1}}};
  return out;
}

Result<Allocations> stored_allocations(Store& store, std::vector<std::string>* warnings) {
  Allocations out;
  auto vms = store.list_resources(std::string("VirtualMachine"));
  if (!vms.ok()) return vms.status();
  for (const auto& r : *vms) {
    json record = json::parse(r.spec_json, nullptr, false);
    Result<DomainSpec> spec = error(Code::kInvalidArgument, "no domain spec stored");
    if (record.is_object() && record.contains("domain"))
      spec = domain_spec_from_json(record["domain"]);
    if (!spec.ok()) {
      if (warnings)
        warnings->push_back("VirtualMachine " + object_key(r.tenant, r.name) + ": " +
                            spec.status().message());
      continue;
    }
    spec->tenant = r.tenant;
    std::map<std::string, int64_t> accelerators;
    if (record.contains("manifest") && record["manifest"].is_object()) {
      const json spec_json = record["manifest"].value("spec", json::object());
      for (const auto& acc : spec_json.value("accelerators", json::array()))
        if (acc.is_object() && acc.contains("type") && acc["type"].is_string())
          accelerators[acc["type"].get<std::string>()] += int_or(acc, "count", 1);
    }
    out[allocation_key("VirtualMachine", r.tenant, r.name)] = vm_allocation(*spec, accelerators);
  }
  auto volumes = store.list_resources(std::string("Volume"));
  if (!volumes.ok()) return volumes.status();
  for (const auto& r : *volumes) {
    json record = json::parse(r.spec_json, nullptr, false);
    if (!record.is_object() || !record.contains("manifest")) continue;
    const json spec = record["manifest"].value("spec", json::object());
    if (!spec.value("attachTo", std::string()).empty()) continue;  // counted with its VM
    DiskTier tier =
        spec.value("tier", std::string("normal")) == "high" ? DiskTier::kHigh : DiskTier::kNormal;
    out[allocation_key("Volume", r.tenant, r.name)] = {
        r.tenant, {{storage_key(tier), int_or(spec, "sizeGiB", 0)}}};
  }
  auto networks = store.list_resources(std::string("Network"));
  if (!networks.ok()) return networks.status();
  for (const auto& r : *networks)
    out[allocation_key("Network", r.tenant, r.name)] = {r.tenant, {{"networks", 1}}};
  auto snapshots = open_snapshot_intervals(store);
  if (!snapshots.ok()) return snapshots.status();
  std::map<std::pair<std::string, std::string>, std::vector<MeterInterval>> by_vm;
  for (MeterInterval& m : *snapshots) by_vm[{m.tenant, m.vm}].push_back(std::move(m));
  for (const auto& [vm, open] : by_vm)
    out[allocation_key(kSnapshotsKind, vm.first, vm.second)] =
        snapshot_allocation(vm.first, metered_snapshot_storage(open));
  return out;
}

Allocation snapshot_allocation(const std::string& tenant, const SnapshotStorage& storage) {
  Allocation a{tenant, {}};
  if (storage.normal_gib > 0) a.used[storage_key(DiskTier::kNormal)] = storage.normal_gib;
  if (storage.high_gib > 0) a.used[storage_key(DiskTier::kHigh)] = storage.high_gib;
  a.used[kSnapshotsResource] = storage.normal_gib + storage.high_gib;
  return a;
}

Result<std::vector<std::string>> check_snapshot_quota(Store& store, const std::string& tenant,
                                                      const std::string& vm,
                                                      const SnapshotStorage& added) {
  auto current = stored_allocations(store);
  if (!current.ok()) return current.status();
  auto tenants = stored_tenants(store);
  if (!tenants.ok()) return tenants.status();
  Allocations after = *current;
  const std::string key = allocation_key(kSnapshotsKind, tenant, vm);
  SnapshotStorage held;
  if (auto it = current->find(key); it != current->end()) {
    auto tier = [&](DiskTier t) {
      auto u = it->second.used.find(storage_key(t));
      return u == it->second.used.end() ? int64_t{0} : u->second;
    };
    held = {tier(DiskTier::kNormal), tier(DiskTier::kHigh)};
  }
  after[key] = snapshot_allocation(
      tenant, {held.normal_gib + added.normal_gib, held.high_gib + added.high_gib});
  return quota_violations(*tenants, roll_up(own_usage(after)), roll_up(own_usage(*current)));
}

UsageMap own_usage(const Allocations& allocations) {
  UsageMap out;
  for (const auto& [key, a] : allocations) {
    TenantUsage& u = out[a.tenant];
    u.tenant = a.tenant;
    for (const auto& [resource, amount] : a.used) u.used[resource] += amount;
  }
  return out;
}

UsageMap compute_usage(const DesiredState& desired) {
  return own_usage(desired_allocations(desired));
}

std::string parent_tenant(const std::string& tenant) {
  size_t slash = tenant.rfind('/');
  return slash == std::string::npos ? "" : tenant.substr(0, slash);
}

UsageMap roll_up(const UsageMap& own) {
  UsageMap out;
  for (const auto& [tenant, usage] : own) {
    for (std::string t = tenant; !t.empty(); t = parent_tenant(t)) {
      TenantUsage& u = out[t];
      u.tenant = t;
      for (const auto& [resource, amount] : usage.used) u.used[resource] += amount;
    }
  }
  return out;
}

UsageMap rolled_up_usage(const DesiredState& desired) {
  return roll_up(compute_usage(desired));
}

std::vector<std::string> quota_resource_order(std::vector<std::string> keys) {
  std::stable_sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
    int ra = resource_rank(a), rb = resource_rank(b);
    return ra != rb ? ra < rb : a < b;
  });
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<std::pair<std::string, int64_t>> quota_limits(const Quota& q) {
  std::vector<std::pair<std::string, int64_t>> out;
  if (q.vcpu) out.emplace_back("vcpu", *q.vcpu);
  if (q.memory_gib) out.emplace_back("memoryGiB", *q.memory_gib);
  if (q.storage_normal_gib) out.emplace_back("storageGiB.normal", *q.storage_normal_gib);
  if (q.storage_high_gib) out.emplace_back("storageGiB.high", *q.storage_high_gib);
  std::vector<std::string> types;
  for (const auto& [type, limit] : q.accelerators) types.push_back("accelerators." + type);
  for (const auto& key : quota_resource_order(types))
    out.emplace_back(key, q.accelerators.at(key.substr(13)));
  if (q.vms) out.emplace_back("vms", *q.vms);
  if (q.networks) out.emplace_back("networks", *q.networks);
  return out;
}

Quota quota_from_manifest(const json& manifest) {
  Quota q;
  if (!manifest.is_object() || !manifest.contains("spec") || !manifest["spec"].is_object())
    return q;
  const json quota = manifest["spec"].value("quota", json::object());
  if (!quota.is_object()) return q;
  auto opt = [](const json& j, const char* key) -> std::optional<int64_t> {
    if (j.is_object() && j.contains(key) && j[key].is_number_integer())
      return j[key].get<int64_t>();
    return std::nullopt;
  };
  q.vcpu = opt(quota, "vcpu");
  q.memory_gib = opt(quota, "memoryGiB");
  if (quota.contains("storageGiB")) {
    q.storage_normal_gib = opt(quota["storageGiB"], "normal");
    q.storage_high_gib = opt(quota["storageGiB"], "high");
  }
  if (quota.contains("accelerators") && quota["accelerators"].is_object())
    for (const auto& [type, count] : quota["accelerators"].items())
      if (count.is_number_integer()) q.accelerators[type] = count.get<int64_t>();
  q.vms = opt(quota, "vms");
  q.networks = opt(quota, "networks");
  return q;
}

std::vector<TenantQuota> manifest_tenants(const ManifestSet& set) {
  std::vector<TenantQuota> out;
  for (const auto& o : set.objects) {
    if (o.kind != Kind::kTenant) continue;
    const auto& t = o.as<TenantSpec>();
    out.push_back({o.meta.name, t.display_name, t.quota});
  }
  std::sort(out.begin(), out.end(),
            [](const TenantQuota& a, const TenantQuota& b) { return a.tenant < b.tenant; });
  return out;
}

Result<std::vector<TenantQuota>> stored_tenants(Store& store) {
  auto records = store.list_resources(std::string("Tenant"));
  if (!records.ok()) return records.status();
  std::vector<TenantQuota> out;
  for (const auto& r : *records) {
    json record = json::parse(r.spec_json, nullptr, false);
    json manifest = record.is_object() ? record.value("manifest", json::object()) : json::object();
    std::string display;
    if (manifest.contains("spec") && manifest["spec"].is_object())
      display = manifest["spec"].value("displayName", "");
    out.push_back({r.name, display, quota_from_manifest(manifest)});
  }
  std::sort(out.begin(), out.end(),
            [](const TenantQuota& a, const TenantQuota& b) { return a.tenant < b.tenant; });
  return out;
}

std::vector<std::string> quota_violations(const std::vector<TenantQuota>& tenants,
                                          const UsageMap& after, const UsageMap& before) {
  auto amount = [](const UsageMap& m, const std::string& tenant,
                   const std::string& resource) -> int64_t {
    auto t = m.find(tenant);
    if (t == m.end()) return 0;
    auto r = t->second.used.find(resource);
    return r == t->second.used.end() ? 0 : r->second;
  };
  std::vector<const TenantQuota*> sorted;
  for (const auto& t : tenants) sorted.push_back(&t);
  std::stable_sort(sorted.begin(), sorted.end(), [](const TenantQuota* a, const TenantQuota* b) {
    return a->tenant < b->tenant;
  });
  std::vector<std::string> out;
  for (const TenantQuota* t : sorted) {
    for (const auto& [resource, limit] : quota_limits(t->quota)) {
      int64_t now = amount(before, t->tenant, resource);
      int64_t then = amount(after, t->tenant, resource);
      if (then > limit && then > now)
        out.push_back("tenant " + t->tenant + ": quota exceeded for " + resource + ": using " +
                      std::to_string(now) + ", plan adds " + std::to_string(then - now) +
                      ", limit " + std::to_string(limit));
    }
  }
  return out;
}

std::vector<std::string> quota_violations(const ManifestSet& set, const UsageMap& after,
                                          const UsageMap& before) {
  return quota_violations(manifest_tenants(set), after, before);
}

std::vector<Diagnostic> manifest_quota_errors(const ManifestSet& set, const DesiredState& desired) {
  UsageMap usage = rolled_up_usage(desired);
  std::vector<Diagnostic> out;
  for (size_t i = 0; i < set.objects.size(); ++i) {
    const Object& o = set.objects[i];
    if (o.kind != Kind::kTenant) continue;
    auto u = usage.find(o.meta.name);
    if (u == usage.end()) continue;
    for (const auto& [resource, limit] : quota_limits(o.as<TenantSpec>().quota)) {
      auto used = u->second.used.find(resource);
      if (used == u->second.used.end() || used->second <= limit) continue;
      std::string pointer = "/spec/quota/" + resource;
      std::replace(pointer.begin() + 12, pointer.end(), '.', '/');
      out.push_back(
          set.documents[i].error_at(pointer, "tenant " + o.meta.name + ": the manifests total " +
                                                 resource + " " + std::to_string(used->second) +
                                                 ", above its quota of " + std::to_string(limit)));
    }
  }
  return out;
}

Result<std::vector<std::string>> check_plan_quotas(Store& store, const ManifestSet& set,
                                                   const DesiredState& desired, const Plan& plan) {
  auto current = stored_allocations(store);
  if (!current.ok()) return current.status();
  Allocations after = *current;
  for (auto& [key, a] : desired_allocations(desired)) after[key] = std::move(a);
  for (const auto& step : plan.steps)
    if (step.ends_vm()) {
      after.erase(allocation_key("VirtualMachine", step.tenant, step.name));
      after.erase(allocation_key(kSnapshotsKind, step.tenant, step.name));
    }
  std::vector<TenantQuota> tenants = manifest_tenants(set);
  auto stored = stored_tenants(store);
  if (!stored.ok()) return stored.status();
  std::set<std::string> declared;
  for (const auto& t : tenants) declared.insert(t.tenant);
  for (auto& t : *stored)
    if (!declared.count(t.tenant)) tenants.push_back(std::move(t));
  return quota_violations(tenants, roll_up(own_usage(after)), roll_up(own_usage(*current)));
}

}  // namespace xc
