// The hosts as capacity counts them, read from the state: each host's CPUs
// with its pool's cpuOvercommit, memory, storage pool and accelerators, and
// what the VMs placed on it are allocated (disks per tier from the meter's
// open intervals). No "used" figures: those come from the metrics
// (ctl/cli/capacity_loader.h). What the "pool allocation >= 80%" alarm
// reads: pool_allocations(read_capacity_hosts(store, now)). Use from the
// Store's thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/capacity/capacity.h"
#include "ctl/store/store.h"

namespace xc {

struct CapacityHosts {
  std::vector<CapacityHost> hosts;                // by name
  std::map<std::string, std::string> pool_of_vm;  // "tenant/vm" -> its host's pool
};

Result<CapacityHosts> read_capacity_hosts(Store& store, int64_t now_ms);

}  // namespace xc
