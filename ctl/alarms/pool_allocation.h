// Where the built-in "pool allocation >= 80%" rule gets each pool's allocated
// fraction from: serve and `alarms evaluate` pass CapacityAllocationSource
// (the figures of `xcloudctl capacity`), unit tests a fake. Implementations
// are used from one thread.
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "ctl/store/store.h"

namespace xc {

// One pool's allocation: the largest fraction over its resources (vCPU with
// overcommit, memory, storage tiers, accelerators) and which one it is.
struct PoolAllocation {
  double fraction = 0;   // 0.83 is 83% allocated
  std::string resource;  // "vcpu", "memory", "storage-high", ...
};

class PoolAllocationSource {
 public:
  virtual ~PoolAllocationSource() = default;
  // By pool name.
  virtual Result<std::map<std::string, PoolAllocation>> pool_allocations(Store& store) = 0;
};

}  // namespace xc
