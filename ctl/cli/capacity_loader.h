// Capacity read from the state: the hosts' capacity and allocation from the
// inventory (each pool's cpuOvercommit applied), what they use from the
// latest hour of metrics, and the allocation history from the meter
// intervals. What `xcloudctl capacity` and the reports show. Use from the
// Store's thread.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "ctl/capacity/capacity_view.h"
#include "ctl/store/store.h"

namespace xc {

Result<CapacityView> load_capacity(Store& store, int64_t now_ms, int64_t offset_ms, bool forecast);

}  // namespace xc
