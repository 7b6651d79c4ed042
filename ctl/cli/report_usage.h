// Each VM's CPU and memory use over a report's period, from the stored
// metrics (ctl/metrics/top.h): the hourly rollups, or the raw samples for a
// VM with no finished hour yet. Use from the Store's thread.
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "ctl/report/report.h"
#include "ctl/store/store.h"

namespace xc {

Result<std::vector<VmUsage>> read_vm_usage(Store& store, int64_t from_ms, int64_t to_ms);

}  // namespace xc
