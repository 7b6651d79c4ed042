// TopN over the stored metrics (`xcloudctl top vms|hosts`): each VM's or
// host's average and peak over a window, ranked by CPU, memory, IOPS or
// network. Windows up to 48 hours read the raw rows, except that hours
// already rolled up are read from their rollups (the same sums and peaks,
// averages within half a unit, a sixtieth of the rows); longer ones the
// hourly rollups (finished hours only). Not thread-safe (one store).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/metrics/metric_columns.h"
#include "ctl/store/store.h"

namespace xc {

enum class TopBy { kCpu, kMemory, kIops, kNet };

struct TopRequest {
  bool hosts = false;  // hosts, else VMs
  TopBy by = TopBy::kCpu;
  std::string tenant;  // VMs of this tenant and its sub-tenants; empty: all
  int64_t window_ms = 3'600'000;
  size_t limit = 10;  // 0: all
  int64_t now_ms = 0;
  // Which rows to read; unset: the rollups for windows over 48 hours.
  std::optional<bool> from_rollups;
};

struct TopEntry {
  MetricObject object;
  std::string host;     // the host of its latest sample (a host: itself)
  int64_t samples = 0;  // raw samples behind the figures
  // Per column (metric_columns.h): the average and the peak in the window;
  // for a VM only the first kVmColumns are used. Latest values of
  // allocations and capacities are in `latest`.
  std::array<double, kHostColumns> avg{}, max{}, latest{};
  double score = 0;  // what it is ranked by (top_score)
};

struct TopResult {
  bool from_rollups = false;
  int64_t from_ms = 0, to_ms = 0;
  std::vector<TopEntry> entries;  // best first
};

Result<TopResult> top_metrics(Store& store, const TopRequest& request);

// What an entry is ranked by: CPU and memory as a fraction of what is
// allocated (a VM) or present (a host), IOPS and network bytes/s as sums of
// both directions.
double top_score(const TopEntry& entry, bool host, TopBy by);

// A host's memory in use: what its free memory says, or, where the host
// reports none free (libvirt's test driver), what its VMs use.
double host_memory_used_mib(const TopEntry& host);

}  // namespace xc
