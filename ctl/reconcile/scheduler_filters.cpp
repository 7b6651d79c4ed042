// The scheduler's per-host filters and the words that explain a refusal
// (scheduler.h). Placement groups are judged in scheduler.cpp.
#include <algorithm>
#include <set>

#include "ctl/reconcile/scheduler.h"

namespace xc {
namespace {

// GiB when the amount is whole GiB, else MiB; figures compared with each other
// share one unit.
std::string memory_text(int64_t mib, bool in_gib) {
  return in_gib ? std::to_string(mib / 1024) + " GiB" : std::to_string(mib) + " MiB";
}
bool whole_gib(int64_t mib) {
  return mib % 1024 == 0;
}
std::string vcpus_text(int64_t n) {
  return std::to_string(n) + (n == 1 ? " free vCPU" : " free vCPUs");
}

int64_t requested(const VmDemand& vm, const std::string& type) {
  auto found = vm.accelerators.find(type);
  return found == vm.accelerators.end() ? 0 : found->second;
}

}  // namespace

int64_t HostLoad::free_accelerators(const std::string& type) const {
  auto have = host.accelerators.find(type);
  auto used = used_accelerators.find(type);
  return (have == host.accelerators.end() ? 0 : have->second) -
         (used == used_accelerators.end() ? 0 : used->second);
}

HostLoad host_load(const HostCapacity& host, const std::vector<PoolPolicy>& pools) {
  HostLoad load;
  load.host = host;
  load.zone = host.zone;
  for (const PoolPolicy& pool : pools) {
    if (pool.name != host.pool) continue;
    load.cpu_overcommit_milli = pool.cpu_overcommit_milli;
    load.policy = pool.policy;
    if (load.zone.empty()) load.zone = pool.zone;
    break;
  }
  return load;
}

HostVerdict check_host(const HostLoad& load, const VmDemand& vm, bool keeping) {
  if ((!vm.pool.empty() && load.host.pool != vm.pool) || (!vm.zone.empty() && load.zone != vm.zone))
    return {HostFilter::kScope, ""};
  if (!keeping && load.host.maintenance) return {HostFilter::kMaintenance, ""};
  if (load.host.arch != vm.arch) return {HostFilter::kArch, ""};
  // A kept VM's devices are already missing from the host's free count.
  for (const auto& [type, count] : vm.accelerators)
    if (!keeping && count > 0 && load.free_accelerators(type) < count)
      return {HostFilter::kAccelerator, type};
  if (load.free_memory_mib() < vm.memory_mib) return {HostFilter::kMemory, ""};
  if (load.free_vcpu_milli() < vm.cpus * 1000) return {HostFilter::kVcpu, ""};
  return {};
}

std::string refusal(const HostLoad& load, const VmDemand& vm, const HostVerdict& verdict) {
  switch (verdict.failed) {
    case HostFilter::kScope:
      if (!vm.pool.empty() && load.host.pool != vm.pool)
        return "is in pool " + load.host.pool + ", not " + vm.pool;
      return "is in zone " + load.zone + ", not " + vm.zone;
    case HostFilter::kMaintenance:
      return "is in maintenance";
    case HostFilter::kArch:
      return std::string("has arch ") + arch_name(load.host.arch) + ", not " + arch_name(vm.arch);
    case HostFilter::kAccelerator:
      return "lacks " + std::to_string(requested(vm, verdict.accelerator)) + " free " +
             verdict.accelerator + " for this VM";
    case HostFilter::kMemory:
      return "lacks " + memory_text(vm.memory_mib, whole_gib(vm.memory_mib)) +
             " free memory for this VM";
    case HostFilter::kVcpu:
      return "lacks " + vcpus_text(vm.cpus) + " for this VM";
    case HostFilter::kGroup:
      return "runs a member of its placement group";
    case HostFilter::kNone:
      break;
  }
  return "can take this VM";
}

std::string no_host_reason(const std::vector<HostLoad>& loads,
                           const std::vector<HostVerdict>& verdicts, const VmDemand& vm) {
  if (loads.empty() && vm.pool.empty() && vm.zone.empty()) return "there are no hosts";
  HostVerdict furthest{HostFilter::kScope, ""};
  for (const HostVerdict& verdict : verdicts) furthest = std::max(furthest, verdict);
  std::vector<const HostLoad*> there;  // the hosts that passed every earlier filter
  for (size_t i = 0; i < verdicts.size(); ++i)
    if (verdicts[i] == furthest) there.push_back(&loads[i]);
  const std::string where = !vm.pool.empty()   ? " in pool " + vm.pool
                            : !vm.zone.empty() ? " in zone " + vm.zone
                                               : "";
  const std::string with_arch = std::string(" with arch ") + arch_name(vm.arch);
  // The most of something on one host; ties go to the first host name.
  auto largest = [&](auto amount) {
    const HostLoad* best = there.front();
    for (const HostLoad* load : there)
      if (amount(*load) > amount(*best) ||
          (amount(*load) == amount(*best) && load->host.name < best->host.name))
        best = load;
    return std::make_pair(amount(*best), best->host.name);
  };
  switch (furthest.failed) {
    case HostFilter::kScope: {
      if (vm.pool.empty()) return "no host in zone " + vm.zone;
      std::set<std::string> zones;
      for (const HostLoad& load : loads)
        if (load.host.pool == vm.pool) zones.insert(load.zone);
      if (zones.empty()) return "no host in pool " + vm.pool;
      return "no host in pool " + vm.pool + " in zone " + vm.zone + " (hosts in pool " + vm.pool +
             " are in zone " + comma_joined(zones) + ")";
    }
    case HostFilter::kMaintenance:
      return "all hosts" + where + " are in maintenance";
    case HostFilter::kArch: {
      std::set<std::string> arches;
      for (const HostLoad* load : there) arches.insert(arch_name(load->host.arch));
      return "no host" + where + " has arch " + arch_name(vm.arch) +
             (where.empty() ? " (hosts: " : " (hosts there: ") + comma_joined(arches) + ")";
    }
    case HostFilter::kAccelerator: {
      const std::string& type = furthest.accelerator;
      auto [free, host] = largest([&](const HostLoad& l) { return l.free_accelerators(type); });
      return "no host" + where + " has " + std::to_string(requested(vm, type)) + " free " + type +
             (free > 0 ? " (largest free: " + std::to_string(free) + " on " + host + ")"
                       : " (none free)");
    }
    case HostFilter::kMemory: {
      auto [free, host] = largest([](const HostLoad& l) { return l.free_memory_mib(); });
      const bool in_gib = whole_gib(vm.memory_mib) && whole_gib(free);
      return "no host" + where + with_arch + " has " + memory_text(vm.memory_mib, in_gib) +
             " free memory (largest free: " + memory_text(free, in_gib) + " on " + host + ")";
    }
    case HostFilter::kVcpu: {
      auto [free, host] = largest([](const HostLoad& l) { return l.free_vcpu_milli(); });
      return "no host" + where + with_arch + " has " + vcpus_text(vm.cpus) +
             " (largest free: " + std::to_string(std::max<int64_t>(free, 0) / 1000) + " on " +
             host + ")";
    }
    case HostFilter::kGroup:
    case HostFilter::kNone:
      break;
  }
  return "no host takes it";
}

std::string comma_joined(const std::set<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace xc
