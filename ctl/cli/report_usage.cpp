// read_vm_usage (report_usage.h).
#include "ctl/cli/report_usage.h"

#include <map>

#include "ctl/metrics/top.h"

namespace xc {

Result<std::vector<VmUsage>> read_vm_usage(Store& store, int64_t from_ms, int64_t to_ms) {
  std::map<std::pair<std::string, std::string>, VmUsage> usage;
  if (to_ms <= from_ms) return std::vector<VmUsage>{};
  for (bool rollups : {true, false}) {
    TopRequest request;
    request.limit = 0;
    request.now_ms = to_ms - 1;
    request.window_ms = to_ms - 1 - from_ms;
    request.from_rollups = rollups;
    auto top = top_metrics(store, request);
    if (!top.ok()) return top.status();
    for (const TopEntry& e : top->entries) {
      VmUsage& u = usage[{e.object.tenant, e.object.name}];
      if (u.samples > 0) continue;  // the rollups cover it
      u.tenant = e.object.tenant;
      u.vm = e.object.name;
      u.samples = e.samples;
      u.vcpus = static_cast<int64_t>(e.latest[kVcpus]);
      u.memory_mib = static_cast<int64_t>(e.latest[kMemoryMiB]);
      u.cpu_avg_milli = static_cast<int64_t>(e.avg[kCpuMilli]);
      u.cpu_peak_milli = static_cast<int64_t>(e.max[kCpuMilli]);
      u.memory_avg_mib = static_cast<int64_t>(e.avg[kMemoryUsedMiB]);
      u.memory_peak_mib = static_cast<int64_t>(e.max[kMemoryUsedMiB]);
    }
  }
  std::vector<VmUsage> out;
  for (auto& [key, u] : usage) out.push_back(std::move(u));
  return out;
}

}  // namespace xc
