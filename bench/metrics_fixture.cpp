// Metric history for bench/metrics_bench.py, written into a real state
// database through the Store as collect() writes it: every minute for HOURS
// hours, one packed row per host with its VMs' values, then the hourly
// rollups. Values are drawn per VM around a level of its own (a few busy
// VMs, many quiet ones), so the packed sizes are those of a real fleet, not
// of zeros.
//   metrics_fixture STATE HOSTS VMS HOURS NOW_MS
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "ctl/metrics/metric_columns.h"
#include "ctl/metrics/packed_values.h"
#include "ctl/metrics/rollups.h"
#include "ctl/store/store.h"

using namespace xc;

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: metrics_fixture STATE HOSTS VMS HOURS NOW_MS\n");
    return 2;
  }
  const int hosts = std::atoi(argv[2]), vms = std::atoi(argv[3]), hours = std::atoi(argv[4]);
  const int64_t now = std::atoll(argv[5]);
  auto opened = open_store(argv[1], OpenMode::kCreate);
  if (!opened.ok()) return std::fprintf(stderr, "%s\n", opened.status().message().c_str()), 1;
  Store& store = **opened;
  std::mt19937_64 rng(14);
  std::vector<int64_t> host_ids(hosts);
  std::vector<std::vector<int64_t>> vm_ids(hosts);
  std::vector<double> level(vms);
  std::vector<uint64_t> vcpus(vms), memory(vms);
  Status made = store.transact([&]() -> Status {
    for (int h = 0; h < hosts; ++h) {
      auto id = store.metric_object_id("host", "", "host-" + std::to_string(h));
      if (!id.ok()) return id.status();
      host_ids[h] = *id;
    }
    for (int v = 0; v < vms; ++v) {
      auto id = store.metric_object_id("vm", "tenant-" + std::to_string(v % 20),
                                       "vm-" + std::to_string(v));
      if (!id.ok()) return id.status();
      vm_ids[v % hosts].push_back(*id);
      level[v] = std::pow(std::uniform_real_distribution<double>(0, 1)(rng), 3);  // mostly quiet
      vcpus[v] = 1u << (v % 4);
      memory[v] = 2048u << (v % 4);
    }
    return {};
  });
  if (!made.ok()) return std::fprintf(stderr, "%s\n", made.message().c_str()), 1;
  std::uniform_real_distribution<double> noise(0.5, 1.5);
  const int64_t start = now - int64_t{hours} * 3'600'000;
  for (int64_t hour = 0; hour < hours; ++hour) {
    Status s = store.transact([&]() -> Status {
      std::vector<MetricRow> rows;
      for (int minute = 0; minute < 60; ++minute) {
        const int64_t t = start + hour * 3'600'000 + minute * 60'000;
        for (int h = 0; h < hosts; ++h) {
          PackedTable table;
          table.clear(kVmColumns);
          std::vector<uint64_t> sums(kHostColumns, 0);
          for (size_t i = 0; i < vm_ids[h].size(); ++i) {
            const int v = h + static_cast<int>(i) * hosts;
            const double l = level[v] * noise(rng);
            std::vector<uint64_t> x(kVmColumns);
            x[kCpuMilli] = static_cast<uint64_t>(l * vcpus[v] * 1000);
            x[kVcpus] = vcpus[v];
            x[kMemoryMiB] = memory[v];
            x[kMemoryUsedMiB] = static_cast<uint64_t>(memory[v] * (0.2 + 0.7 * level[v]));
            x[kDiskReadKiBps] = static_cast<uint64_t>(l * 20e6 / 1024);
            x[kDiskWriteKiBps] = static_cast<uint64_t>(l * 10e6 / 1024);
            x[kReadIopsMilli] = static_cast<uint64_t>(l * 2000e3);
            x[kWriteIopsMilli] = static_cast<uint64_t>(l * 1000e3);
            x[kNetRxKiBps] = static_cast<uint64_t>(l * 5e6 / 1024);
            x[kNetTxKiBps] = static_cast<uint64_t>(l * 8e6 / 1024);
            table.ids.push_back(vm_ids[h][i]);
            for (size_t c = 0; c < kVmColumns; ++c)
              table.columns[c].push_back(x[c]), sums[c] += x[c];
          }
          sums[kHostCpus] = 64;
          sums[kHostMemoryMiB] = 512 * 1024;
          sums[kHostMemoryFreeMiB] = 200 * 1024 + static_cast<uint64_t>(noise(rng) * 1000);
          sums[kPoolCapacityBytes] = 20ull << 40;
          sums[kPoolAllocationBytes] = (8ull << 40) + static_cast<uint64_t>(noise(rng) * 1e9);
          sums[kPoolAvailableBytes] = sums[kPoolCapacityBytes] - sums[kPoolAllocationBytes];
          PackedTable host;
          host.ids = {host_ids[h]};
          for (uint64_t x : sums) host.columns.push_back({x});
          rows.push_back({t, host_ids[h], pack_table(host), pack_table(table)});
        }
      }
      return store.put_metric_rows(rows, false);
    });
    if (!s.ok()) return std::fprintf(stderr, "%s\n", s.message().c_str()), 1;
  }
  auto rolled = roll_up_metrics(store, now);
  if (!rolled.ok()) return std::fprintf(stderr, "%s\n", rolled.status().message().c_str()), 1;
  std::printf("%d hours of rows for %d VMs on %d hosts; %lld hours rolled up\n", hours, vms, hosts,
              static_cast<long long>(*rolled));
  return 0;
}
