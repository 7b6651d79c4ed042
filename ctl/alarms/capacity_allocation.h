// The real source of the "pool allocation >= 80%" rule's figures: the same
// per-pool allocation `xcloudctl capacity` shows (ctl/capacity/), each pool's
// highest resource. Used from the Store's thread.
#pragma once

#include <cstdint>
#include <functional>

#include "ctl/alarms/pool_allocation.h"

namespace xc {

class CapacityAllocationSource : public PoolAllocationSource {
 public:
  explicit CapacityAllocationSource(std::function<int64_t()> clock_ms)
      : clock_(std::move(clock_ms)) {}
  Result<std::map<std::string, PoolAllocation>> pool_allocations(Store& store) override;

 private:
  std::function<int64_t()> clock_;
};

}  // namespace xc
