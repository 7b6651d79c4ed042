// capacity_lines (capacity.h).
#include "ctl/capacity/capacity.h"

namespace xc {
namespace {

struct Totals {
  int64_t hosts = 0;
  std::map<std::string, CapacityLine> lines;  // by resource
};

void add(Totals& t, const std::string& resource, int64_t total, int64_t allocated,
         std::optional<int64_t> used) {
  CapacityLine& l = t.lines[resource];
  l.resource = resource;
  l.total += total;
  l.allocated += allocated;
  if (used) l.used = l.used.value_or(0) + *used;
}

void add_host(Totals& t, const CapacityHost& h) {
  ++t.hosts;
  std::optional<int64_t> cpu_used;
  if (h.cpu_used_milli) cpu_used = *h.cpu_used_milli;  // milli until the end
  add(t, "vcpu", vcpu_capacity(h.cpus, h.cpu_overcommit_milli), h.vcpu_allocated, cpu_used);
  add(t, "memory-gib", h.memory_mib, h.memory_mib_allocated,
      h.memory_used_mib);  // MiB until the end
  int64_t storage_allocated = 0;
  for (const auto& [tier, gib] : h.storage_gib_allocated) storage_allocated += gib;
  add(t, "storage-gib", h.storage_gib, storage_allocated, h.storage_used_gib);
  for (const char* tier : {"normal", "high"}) {
    auto a = h.storage_gib_allocated.find(tier);
    add(t, std::string("storage-") + tier + "-gib", h.storage_gib,
        a == h.storage_gib_allocated.end() ? 0 : a->second, std::nullopt);
  }
  std::map<std::string, std::pair<int64_t, int64_t>> devices;
  for (const auto& [type, n] : h.accelerators) devices[type].first += n;
  for (const auto& [type, n] : h.accelerators_allocated) devices[type].second += n;
  for (const auto& [type, ta] : devices) add(t, type, ta.first, ta.second, std::nullopt);
}

void finish(const std::string& scope, const std::string& name, Totals& t,
            std::vector<CapacityLine>& out) {
  auto take = [&](std::string resource) {
    auto it = t.lines.find(resource);
    if (it == t.lines.end()) return;
    CapacityLine l = it->second;
    t.lines.erase(it);
    l.scope = scope;
    l.name = name.empty() ? "-" : name;
    l.hosts = t.hosts;
    if (l.resource == "vcpu" && l.used) l.used = (*l.used + 500) / 1000;
    if (l.resource == "memory-gib") {
      // Shares from MiB before they are rounded to GiB.
      l.permille = l.total > 0 ? l.allocated * 1000 / l.total : 0;
      l.total /= 1024;
      l.allocated /= 1024;
      if (l.used) l.used = *l.used / 1024;
    } else {
      l.permille = l.total > 0 ? l.allocated * 1000 / l.total : 0;
    }
    l.flagged = l.permille >= kExpansionPermille;
    out.push_back(std::move(l));
  };
  for (const char* r :
       {"vcpu", "memory-gib", "storage-gib", "storage-normal-gib", "storage-high-gib"})
    take(r);
  while (!t.lines.empty()) take(t.lines.begin()->first);
}

}  // namespace

std::vector<CapacityLine> capacity_lines(const std::vector<CapacityHost>& hosts) {
  std::vector<CapacityLine> out = pool_allocations(hosts);
  std::map<std::string, Totals> zones;
  for (const CapacityHost& h : hosts) add_host(zones[h.zone], h);
  for (auto& [name, t] : zones) finish("zone", name, t, out);
  return out;
}

std::vector<CapacityLine> pool_allocations(const std::vector<CapacityHost>& hosts) {
  std::vector<CapacityLine> out;
  std::map<std::string, Totals> pools;
  for (const CapacityHost& h : hosts) add_host(pools[h.pool], h);
  for (auto& [name, t] : pools) finish("pool", name, t, out);
  return out;
}

}  // namespace xc
