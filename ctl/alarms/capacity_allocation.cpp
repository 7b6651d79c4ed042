#include "ctl/alarms/capacity_allocation.h"

#include "ctl/capacity/capacity.h"
#include "ctl/capacity/capacity_hosts.h"

namespace xc {

Result<std::map<std::string, PoolAllocation>> CapacityAllocationSource::pool_allocations(
    Store& store) {
  auto hosts = read_capacity_hosts(store, clock_());
  if (!hosts.ok()) return hosts.status();
  std::map<std::string, int64_t> highest;  // permille, by pool
  std::map<std::string, PoolAllocation> out;
  for (const CapacityLine& line : xc::pool_allocations(hosts->hosts)) {
    if (line.total <= 0) continue;
    auto [it, fresh] = highest.emplace(line.name, line.permille);
    if (!fresh && line.permille <= it->second) continue;
    it->second = line.permille;
    out[line.name] = PoolAllocation{static_cast<double>(line.permille) / 1000.0, line.resource};
  }
  return out;
}

}  // namespace xc
