// Synthetic metric rows for the metrics tests: a host's round with given
// VMs' CPU and the rest derived, packed as collect() packs them.
#pragma once

#include <utility>
#include <vector>

#include "ctl/metrics/metric_columns.h"
#include "ctl/metrics/packed_values.h"
#include "ctl/store/store.h"

namespace xc::test {

// VM values: cpu in 1/1000 core; 2 vCPUs, 4096 MiB, iops = cpu, net = 10 x cpu.
inline MetricRow raw_row(int64_t time_ms, int64_t host_id,
                         const std::vector<std::pair<int64_t, uint64_t>>& vm_cpu) {
  PackedTable vms;
  vms.clear(kVmColumns);
  std::vector<uint64_t> host(kHostColumns, 0);
  for (const auto& [id, cpu] : vm_cpu) {
    vms.ids.push_back(id);
    std::vector<uint64_t> v(kVmColumns, 0);
    v[kCpuMilli] = cpu;
    v[kVcpus] = 2;
    v[kMemoryMiB] = 4096;
    v[kMemoryUsedMiB] = 1024 + cpu;
    v[kReadIopsMilli] = cpu;
    v[kNetRxKiBps] = 10 * cpu;
    for (size_t c = 0; c < kVmColumns; ++c) vms.columns[c].push_back(v[c]), host[c] += v[c];
  }
  host[kHostCpus] = 16;
  host[kHostMemoryMiB] = 65536;
  host[kHostMemoryFreeMiB] = 32768;
  host[kPoolCapacityBytes] = 1000;
  host[kPoolAllocationBytes] = 250;
  PackedTable h;
  h.ids = {host_id};
  for (uint64_t v : host) h.columns.push_back({v});
  return {time_ms, host_id, pack_table(h), pack_table(vms)};
}

}  // namespace xc::test
