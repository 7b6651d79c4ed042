// Capacity as `xcloudctl capacity` and the reports show it: the lines of
// capacity.h and, for each pool's vCPU, memory and storage, the forecast of
// forecast.h over the allocation history the meter intervals give. Pure;
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctl/capacity/capacity.h"
#include "ctl/capacity/forecast.h"
#include "ctl/store/records.h"

namespace xc {

struct CapacityView {
  int64_t now_ms = 0, offset_ms = 0;
  int64_t today = 0;  // days since 1970-01-01 in the offset's zone
  std::vector<CapacityLine> lines;
  std::vector<std::optional<Forecast>> forecasts;  // parallel to lines; pool vcpu/memory/storage
  std::vector<int64_t> samples;                    // parallel: history samples behind each forecast
};

// The resource ("vcpu", "memory-gib", "storage-gib", an accelerator type) a
// meter item counts towards.
std::string capacity_resource_of(const std::string& item);

// Daily allocation of one pool's resource: at now and at each day's same time
// back to kForecastDays - 1 days ago, from the day the pool's first interval
// began. `pool_of` maps "tenant/vm" to the pool of the VM's host (its current
// placement).
std::vector<AllocationSample> allocation_history(const std::vector<MeterInterval>& intervals,
                                                 const std::map<std::string, std::string>& pool_of,
                                                 const std::string& pool,
                                                 const std::string& resource, int64_t now_ms,
                                                 int64_t offset_ms);

CapacityView capacity_view(const std::vector<CapacityHost>& hosts,
                           const std::vector<MeterInterval>& intervals,
                           const std::map<std::string, std::string>& pool_of, int64_t now_ms,
                           int64_t offset_ms, bool forecast);

}  // namespace xc
