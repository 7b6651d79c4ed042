// Capacity per pool and zone (tender 2.2, R6.6): for vCPU (each pool's
// cpuOvercommit applied), memory, storage and each accelerator type, what the
// hosts have, what is allocated to VMs and what is used. pool_allocations()
// is what the built-in "pool allocation >= 80%" alarm evaluates. Pure;
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctl/store/inventory.h"  // vcpu_capacity

namespace xc {

// Capacity is flagged, and expansion is due within 7 days, from 80% allocated.
inline constexpr int64_t kExpansionPermille = 800;
inline constexpr int64_t kExpansionDays = 7;

// One host as the inventory and the metrics know it.
struct CapacityHost {
  std::string name, pool, zone;
  int64_t cpus = 0;                     // physical, as the agent reports
  int64_t cpu_overcommit_milli = 1000;  // its pool's cpuOvercommit (1.5 -> 1500)
  int64_t memory_mib = 0;
  int64_t storage_gib = 0;                      // its storage pool's capacity
  std::map<std::string, int64_t> accelerators;  // type -> devices

  // Allocated to the VMs placed on it.
  int64_t vcpu_allocated = 0, memory_mib_allocated = 0;
  std::map<std::string, int64_t> storage_gib_allocated;  // tier ("normal", "high") -> GiB
  std::map<std::string, int64_t> accelerators_allocated;

  // Used, from the latest metrics; empty when none were collected.
  std::optional<int64_t> cpu_used_milli, memory_used_mib, storage_used_gib;
};

// One resource of one pool or zone. `resource`: "vcpu", "memory-gib",
// "storage-gib" (all tiers against the storage pools), "storage-normal-gib" and
// "storage-high-gib" (allocated per tier; the total is the pools' whole
// capacity, which the tiers share), or an accelerator type ("gpu-16g").
struct CapacityLine {
  std::string scope;  // "pool" or "zone"
  std::string name;
  std::string resource;
  int64_t hosts = 0;
  int64_t total = 0, allocated = 0;
  std::optional<int64_t> used;  // vCPU in cores (rounded), memory and storage in GiB
  int64_t permille = 0;         // allocated / total, rounded down; 0 with no total
  bool flagged = false;         // permille >= kExpansionPermille
};

// Pools by name, then zones by name; within each, vcpu, memory, storage, then
// accelerator types by name. A host with no pool or zone is under "-".
std::vector<CapacityLine> capacity_lines(const std::vector<CapacityHost>& hosts);

// The pool lines only: the allocation the "pool allocation >= 80%" alarm
// checks (flagged lines are at or above it).
std::vector<CapacityLine> pool_allocations(const std::vector<CapacityHost>& hosts);

}  // namespace xc
