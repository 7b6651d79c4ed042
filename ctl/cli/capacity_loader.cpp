// load_capacity (capacity_loader.h).
#include "ctl/cli/capacity_loader.h"

#include "ctl/capacity/capacity_hosts.h"
#include "ctl/metrics/top.h"

namespace xc {
namespace {

constexpr int64_t kGiB = 1024LL * 1024 * 1024;
constexpr int64_t kDayMs = 86'400'000;

}  // namespace

Result<CapacityView> load_capacity(Store& store, int64_t now_ms, int64_t offset_ms, bool forecast) {
  auto read = read_capacity_hosts(store, now_ms);
  if (!read.ok()) return read.status();
  std::vector<CapacityHost>& hosts = read->hosts;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < hosts.size(); ++i) index[hosts[i].name] = i;
  // Used: the last hour's averages (none before metrics are collected).
  TopRequest request;
  request.hosts = true;
  request.limit = 0;
  request.now_ms = now_ms;
  auto top = top_metrics(store, request);
  if (!top.ok()) return top.status();
  for (const TopEntry& e : top->entries) {
    auto h = index.find(e.object.name);
    if (h == index.end() || e.samples == 0) continue;
    CapacityHost& c = hosts[h->second];
    c.cpu_used_milli = static_cast<int64_t>(e.avg[kCpuMilli]);
    c.memory_used_mib = static_cast<int64_t>(host_memory_used_mib(e));
    c.storage_used_gib = static_cast<int64_t>(e.latest[kPoolAllocationBytes]) / kGiB;
  }
  std::vector<MeterInterval> history;
  if (forecast) {
    auto intervals = store.list_meter_intervals(now_ms - kForecastDays * kDayMs, now_ms + 1);
    if (!intervals.ok()) return intervals.status();
    history = std::move(*intervals);
  }
  return capacity_view(hosts, history, read->pool_of_vm, now_ms, offset_ms, forecast);
}

}  // namespace xc
