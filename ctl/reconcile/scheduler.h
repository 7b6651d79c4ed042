// The scheduler: decides which host runs each VM. Filters hosts (zone, pool,
// maintenance, arch, accelerators, memory, vCPU, placement groups), then
// weighs the rest by each pool's spread or pack policy. Pure function over
// value types, no I/O; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/model.h"

namespace xc {

// One host as the scheduler sees it.
struct HostCapacity {
  std::string name;
  std::string pool;
  std::string zone;  // empty: the zone of the host's pool
  Arch arch = Arch::kX86_64;
  int64_t cpus = 0;        // logical CPUs the host offers
  int64_t memory_mib = 0;  // total memory for VMs
  // Free devices by type (gpu-16g -> 2) as the host reports them: devices held
  // by VMs running there now (the demands whose current_host is this host) are
  // already subtracted; devices for VMs placed in this run are not.
  std::map<std::string, int64_t> accelerators;
  bool maintenance = false;  // receives no new VMs; VMs already there stay
  bool draining = false;     // being drained (host drain): every VM there must leave
};

struct PoolPolicy {
  std::string name;
  std::string zone;
  int64_t cpu_overcommit_milli = 1000;  // vCPU capacity = cpus * this / 1000
  PlacementPolicy policy = PlacementPolicy::kSpread;
};

struct GroupRule {
  std::string tenant;
  std::string name;
  GroupPolicy policy = GroupPolicy::kAntiAffinity;
  bool strict = true;  // false: best effort, never a reason to fail
};

// One VM to place, or to keep where it runs.
struct VmDemand {
  std::string tenant;
  std::string name;
  Arch arch = Arch::kX86_64;  // the image's arch, or the VM's explicit one
  int64_t cpus = 0;
  int64_t memory_mib = 0;
  std::map<std::string, int64_t> accelerators;  // type -> count
  std::string zone;                             // constraint; empty = any
  std::string pool;                             // constraint; empty = any
  std::string group;                            // placement group of the same tenant, or empty
  std::string current_host;                     // where it runs now, or empty
};

struct Placement {
  std::string tenant;
  std::string name;
  std::string host;
  bool moved = false;  // it had a current_host and must leave it
  std::string reason;  // why it moved, e.g. "x86-01 is in pool p1, not p2"; empty otherwise
  bool operator==(const Placement&) const = default;
};

struct Unplaceable {
  std::string tenant;
  std::string name;
  // What a person can act on, e.g. "no host in pool p has 64 GiB free memory ...".
  std::string reason;
  bool operator==(const Unplaceable&) const = default;
};

// Placements and failures are sorted by (tenant, name); warnings come in the
// order the scheduler met them. Equal input (in any order) gives equal output.
struct ScheduleResult {
  std::vector<Placement> placements;  // every VM that has a host, kept or new
  std::vector<Unplaceable> failures;
  std::vector<std::string> warnings;  // "tenant/name: ..." or "placement group ..."
};

// A host with what is committed to it. schedule() keeps one per host; `get
// hosts` can fill one to show allocated and free figures the same way.
struct HostLoad {
  HostCapacity host;
  std::string zone;  // the host's, else its pool's
  int64_t cpu_overcommit_milli = 1000;
  PlacementPolicy policy = PlacementPolicy::kSpread;
  int64_t used_cpus = 0;
  int64_t used_memory_mib = 0;
  std::map<std::string, int64_t> used_accelerators;  // by VMs placed in this run

  int64_t free_memory_mib() const { return host.memory_mib - used_memory_mib; }
  int64_t free_vcpu_milli() const { return host.cpus * cpu_overcommit_milli - used_cpus * 1000; }
  int64_t free_accelerators(const std::string& type) const;
};

// An empty load for the host, with its pool's ratio, policy and zone.
HostLoad host_load(const HostCapacity& host, const std::vector<PoolPolicy>& pools);

// The filters in the order a failure is reported; kNone: the host passes all.
enum class HostFilter { kScope, kMaintenance, kArch, kAccelerator, kMemory, kVcpu, kGroup, kNone };

// The first filter a host fails for a VM. Verdicts order like the filters, so
// the largest verdict over all hosts is the furthest any host got.
struct HostVerdict {
  HostFilter failed = HostFilter::kNone;
  std::string accelerator;  // with kAccelerator: the type lacking (types are checked by name)
  auto operator<=>(const HostVerdict&) const = default;
};

// Judges one host for one VM, without placement groups. A VM staying where it
// runs (`keeping`) is not refused for maintenance or for devices it holds.
HostVerdict check_host(const HostLoad& load, const VmDemand& vm, bool keeping);

// The verdict as a predicate on the host: "is in pool p1, not p2", "lacks 8
// GiB free memory for this VM".
std::string refusal(const HostLoad& load, const VmDemand& vm, const HostVerdict& verdict);

// The items in order, separated by ", " (names in a refusal).
std::string comma_joined(const std::set<std::string>& items);

// Why no host takes the VM, from every host's verdict (all before kGroup):
// the furthest filter reached, with the best figure among the hosts there.
std::string no_host_reason(const std::vector<HostLoad>& loads,
                           const std::vector<HostVerdict>& verdicts, const VmDemand& vm);

// Keeps each VM with a current_host there while that host still exists, still
// matches its zone, pool and arch, and has room for it (maintenance and group
// rules never move a running VM; they warn); kept VMs are counted first,
// largest first, so on an over-full host the smaller ones move. Then places
// the rest, largest memory first (then cpus, tenant, name), except that the
// members of an affinity group are placed together when the first is met, and
// that first member prefers a host with room for the whole group. Memory is
// never overcommitted; vCPUs up to the pool's ratio. Among the hosts that
// pass, a VM needing no devices goes to hosts with free devices last; then
// the pool's policy weighs (spread: most free memory, then vCPUs, then name;
// pack: least free memory, then name). A VM without a pool constraint whose
// candidate pools disagree on policy is spread. Hosts whose pool has no
// PoolPolicy get ratio 1.0 and spread.
ScheduleResult schedule(const std::vector<HostCapacity>& hosts,
                        const std::vector<PoolPolicy>& pools, const std::vector<GroupRule>& groups,
                        const std::vector<VmDemand>& vms);

}  // namespace xc
