// load_capacity (capacity_loader.h).
#include "ctl/cli/capacity_loader.h"

#include "ctl/metrics/top.h"
#include "ctl/store/inventory.h"

namespace xc {
namespace {

constexpr int64_t kGiB = 1024LL * 1024 * 1024;
constexpr int64_t kDayMs = 86'400'000;

}  // namespace

Result<CapacityView> load_capacity(Store& store, int64_t now_ms, int64_t offset_ms, bool forecast) {
  auto inv = load_inventory(store);
  if (!inv.ok()) return inv.status();
  std::map<std::string, size_t> index;
  std::vector<CapacityHost> hosts;
  for (const HostView& h : inv->hosts) {
    CapacityHost c;
    c.name = h.record.name;
    c.pool = h.record.pool;
    c.zone = h.record.zone;
    c.cpus = h.cpus_total;
    c.cpu_overcommit_milli = h.cpu_overcommit_milli;
    c.memory_mib = h.memory_mib_total;
    c.vcpu_allocated = h.cpus_allocated;
    c.memory_mib_allocated = h.memory_mib_allocated;
    if (h.facts.is_object() && h.facts.contains("storage") && h.facts["storage"].is_object())
      c.storage_gib = h.facts["storage"].value("capacityBytes", int64_t{0}) / kGiB;
    for (const auto& [type, used_total] : h.accelerators) {
      c.accelerators[type] = used_total.second;
      c.accelerators_allocated[type] = used_total.first;
    }
    index[c.name] = hosts.size();
    hosts.push_back(std::move(c));
  }
  std::map<std::string, std::string> host_of, pool_of;  // "tenant/vm" ->
  for (const VmView& vm : inv->vms) {
    host_of[vm.tenant + "/" + vm.name] = vm.host;
    auto h = index.find(vm.host);
    if (h != index.end()) pool_of[vm.tenant + "/" + vm.name] = hosts[h->second].pool;
  }
  auto intervals =
      store.list_meter_intervals(forecast ? now_ms - kForecastDays * kDayMs : now_ms, now_ms + 1);
  if (!intervals.ok()) return intervals.status();
  for (const MeterInterval& iv : *intervals) {
    bool open_now = iv.start_ms <= now_ms && (!iv.end_ms || *iv.end_ms > now_ms);
    if (!open_now || iv.item.rfind("storage-", 0) != 0) continue;
    auto h = index.find(host_of[iv.tenant + "/" + iv.vm]);
    if (h != index.end()) hosts[h->second].storage_gib_allocated[iv.item.substr(8)] += iv.quantity;
  }
  // Used: the last hour's averages (none before metrics are collected).
  TopRequest request;
  request.hosts = true;
  request.limit = 0;
  request.now_ms = now_ms;
  auto top = top_metrics(store, request);
  if (top.ok()) {
    for (const TopEntry& e : top->entries) {
      auto h = index.find(e.object.name);
      if (h == index.end() || e.samples == 0) continue;
      CapacityHost& c = hosts[h->second];
      c.cpu_used_milli = static_cast<int64_t>(e.avg[kCpuMilli]);
      c.memory_used_mib = static_cast<int64_t>(host_memory_used_mib(e));
      c.storage_used_gib = static_cast<int64_t>(e.latest[kPoolAllocationBytes]) / kGiB;
    }
  }
  return capacity_view(hosts, *intervals, pool_of, now_ms, offset_ms, forecast);
}

}  // namespace xc
