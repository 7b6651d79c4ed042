// schedule() (scheduler.h): keeps, then places, in a fixed order, with
// placement groups and the spread or pack weighing.
#include "ctl/reconcile/scheduler.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

namespace xc {
namespace {

std::string id_of(const VmDemand& vm) {
  return vm.tenant + "/" + vm.name;
}

struct Group {
  const GroupRule* rule = nullptr;
  std::map<size_t, int> members_on;  // host index -> members there
  std::optional<size_t> anchor;      // affinity: the host of the first member counted
  std::string anchor_member;
  VmDemand pending;  // affinity: the sum of the members still to place

  bool affinity() const { return rule->policy == GroupPolicy::kAffinity; }

  std::string title() const {
    return "placement group " + rule->name + " (" + (rule->strict ? "strict " : "soft ") +
           (rule->policy == GroupPolicy::kAffinity ? "affinity" : "anti-affinity") + ")";
  }
  // Whether the group wants the VM elsewhere than this host.
  bool excludes(size_t host) const {
    if (!affinity()) return members_on.count(host) > 0;
    return anchor && *anchor != host;
  }
};

class Scheduler {
 public:
  Scheduler(const std::vector<HostCapacity>& hosts, const std::vector<PoolPolicy>& pools,
            const std::vector<GroupRule>& rules);
  ScheduleResult run(std::vector<VmDemand> vms);

 private:
  Group* find_group(const VmDemand& vm);
  Group* group_of(const VmDemand& vm);
  std::string group_reason(const Group& group, const VmDemand& vm,
                           const std::set<std::string>& member_hosts) const;
  std::optional<std::string> keep(const VmDemand& vm);
  void place(const VmDemand& vm, const std::string& left_because);
  void commit(size_t host, const VmDemand& vm, Group* group, bool take_accelerators);

  std::vector<HostLoad> loads_;  // sorted by host name
  std::map<std::string, size_t> host_index_;
  std::map<std::string, PlacementPolicy> pool_policy_;
  std::map<std::pair<std::string, std::string>, Group> groups_;  // by (tenant, name)
  std::set<std::pair<std::string, std::string>> undefined_groups_;
  ScheduleResult result_;
};

Scheduler::Scheduler(const std::vector<HostCapacity>& hosts, const std::vector<PoolPolicy>& pools,
                     const std::vector<GroupRule>& rules) {
  for (const PoolPolicy& pool : pools) pool_policy_.emplace(pool.name, pool.policy);
  for (const GroupRule& rule : rules) groups_[{rule.tenant, rule.name}].rule = &rule;
  for (const HostCapacity& host : hosts) loads_.push_back(host_load(host, pools));
  std::sort(loads_.begin(), loads_.end(),
            [](const HostLoad& a, const HostLoad& b) { return a.host.name < b.host.name; });
  for (size_t i = 0; i < loads_.size(); ++i) host_index_.emplace(loads_[i].host.name, i);
}

Group* Scheduler::find_group(const VmDemand& vm) {
  auto found = groups_.find({vm.tenant, vm.group});
  return found == groups_.end() ? nullptr : &found->second;
}

Group* Scheduler::group_of(const VmDemand& vm) {
  if (vm.group.empty()) return nullptr;
  if (Group* group = find_group(vm)) return group;
  if (undefined_groups_.insert({vm.tenant, vm.group}).second)
    result_.warnings.push_back("placement group " + vm.group + " of tenant " + vm.tenant +
                               " is not defined; its members are placed without it");
  return nullptr;
}

// Why the group rules out every host that is otherwise eligible.
std::string Scheduler::group_reason(const Group& group, const VmDemand& vm,
                                    const std::set<std::string>& member_hosts) const {
  if (!group.affinity())
    return "every eligible host already runs a member (" + comma_joined(member_hosts) + ")";
  const HostLoad& anchor = loads_[*group.anchor];
  return "member " + group.anchor_member + " is on " + anchor.host.name + ", which " +
         refusal(anchor, vm, check_host(anchor, vm, false));
}

void Scheduler::commit(size_t index, const VmDemand& vm, Group* group, bool take_accelerators) {
  HostLoad& load = loads_[index];
  load.used_cpus += vm.cpus;
  load.used_memory_mib += vm.memory_mib;
  if (take_accelerators)
    for (const auto& [type, count] : vm.accelerators)
      if (count > 0) load.used_accelerators[type] += count;
  if (!group) return;
  const bool affinity = group->affinity();
  // Only a kept VM can break a strict rule here; placing filters such hosts out.
  if (group->rule->strict && group->excludes(index))
    result_.warnings.push_back(id_of(vm) + ": stays on " + load.host.name + ", breaking " +
                               group->title() + (affinity ? " with " + group->anchor_member : ""));
  ++group->members_on[index];
  if (affinity && !group->anchor) {
    group->anchor = index;
    group->anchor_member = id_of(vm);
  }
}

// Counts a VM on its current host, or returns why it must leave. Maintenance
// and group rules never move a running VM; they only warn.
std::optional<std::string> Scheduler::keep(const VmDemand& vm) {
  auto found = host_index_.find(vm.current_host);
  if (found == host_index_.end()) return vm.current_host + " is gone";
  const HostLoad& load = loads_[found->second];
  if (load.host.draining) return vm.current_host + " is being drained";
  const HostVerdict verdict = check_host(load, vm, true);
  if (verdict.failed != HostFilter::kNone)
    return vm.current_host + " " + refusal(load, vm, verdict);
  if (load.host.maintenance)
    result_.warnings.push_back(id_of(vm) + ": stays on " + vm.current_host +
                               ", which is in maintenance");
  commit(found->second, vm, group_of(vm), false);
  result_.placements.push_back({vm.tenant, vm.name, vm.current_host, false, ""});
  return std::nullopt;
}

void Scheduler::place(const VmDemand& vm, const std::string& left_because) {
  Group* group = group_of(vm);
  VmDemand whole_group;  // affinity: this VM and the members after it
  if (group && group->affinity()) {
    whole_group = group->pending;
    group->pending.cpus -= vm.cpus;
    group->pending.memory_mib -= vm.memory_mib;
    for (const auto& [type, count] : vm.accelerators) group->pending.accelerators[type] -= count;
  }
  std::vector<HostVerdict> verdicts(loads_.size());
  std::vector<size_t> candidates;
  std::set<std::string> excluded;  // eligible hosts the group rules out
  for (size_t i = 0; i < loads_.size(); ++i) {
    verdicts[i] = check_host(loads_[i], vm, false);
    if (verdicts[i].failed != HostFilter::kNone) continue;
    if (group && group->excludes(i)) {
      excluded.insert(loads_[i].host.name);
      if (group->rule->strict) {
        verdicts[i].failed = HostFilter::kGroup;
        continue;
      }
    }
    candidates.push_back(i);
  }
  if (candidates.empty()) {
    std::string reason = excluded.empty()
                             ? no_host_reason(loads_, verdicts, vm)
                             : group->title() + ": " + group_reason(*group, vm, excluded);
    if (!left_because.empty()) reason += "; it cannot stay where it is: " + left_because;
    result_.failures.push_back({vm.tenant, vm.name, reason});
    return;
  }
  if (group && group->affinity() && !group->anchor) {
    // The first member decides the host: prefer one with room for the whole
    // group, or pack would strand the other members on a nearly full host.
    std::vector<size_t> roomy;
    for (size_t i : candidates)
      if (check_host(loads_[i], whole_group, false).failed == HostFilter::kNone) roomy.push_back(i);
    if (!roomy.empty()) candidates = roomy;
  }
  if (group && !group->rule->strict && !excluded.empty()) {  // best effort
    std::vector<size_t> preferred;
    for (size_t i : candidates)
      if (!excluded.count(loads_[i].host.name)) preferred.push_back(i);
    if (preferred.empty())
      result_.warnings.push_back(id_of(vm) + ": " + group->title() +
                                 " not honoured: " + group_reason(*group, vm, excluded));
    else
      candidates = preferred;
  }
  // The VM's pool decides the policy; without one the candidates' pools must
  // agree, else spread.
  PlacementPolicy policy = loads_[candidates.front()].policy;
  for (size_t i : candidates)
    if (loads_[i].policy != policy) policy = PlacementPolicy::kSpread;
  if (auto pool = pool_policy_.find(vm.pool); !vm.pool.empty() && pool != pool_policy_.end())
    policy = pool->second;
  // A VM that needs no devices goes to a host with free devices last, so the
  // scarce devices stay usable.
  const bool wants_devices = std::any_of(vm.accelerators.begin(), vm.accelerators.end(),
                                         [](const auto& request) { return request.second > 0; });
  auto spends_devices = [&](const HostLoad& load) {
    if (wants_devices) return false;
    for (const auto& [type, count] : load.host.accelerators)
      if (load.free_accelerators(type) > 0) return true;
    return false;
  };
  // Free figures after placement differ from these by the same amount on
  // every host; loads_ is sorted by name, so the index breaks ties by name.
  auto key = [&](size_t i) {
    const HostLoad& load = loads_[i];
    if (policy == PlacementPolicy::kPack)
      return std::make_tuple(spends_devices(load), load.free_memory_mib(), int64_t{0}, i);
    return std::make_tuple(spends_devices(load), -load.free_memory_mib(), -load.free_vcpu_milli(),
                           i);
  };
  const size_t chosen = *std::min_element(candidates.begin(), candidates.end(),
                                          [&](size_t a, size_t b) { return key(a) < key(b); });
  commit(chosen, vm, group, true);
  result_.placements.push_back(
      {vm.tenant, vm.name, loads_[chosen].host.name, !vm.current_host.empty(), left_because});
}

ScheduleResult Scheduler::run(std::vector<VmDemand> vms) {
  // Largest first so big VMs are not starved; (tenant, name) makes the order total.
  std::sort(vms.begin(), vms.end(), [](const VmDemand& a, const VmDemand& b) {
    return std::tie(b.memory_mib, b.cpus, a.tenant, a.name) <
           std::tie(a.memory_mib, a.cpus, b.tenant, b.name);
  });
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<std::pair<const VmDemand*, std::string>> to_place;  // VM, why it left its host
  for (const VmDemand& vm : vms) {
    if (!seen.insert({vm.tenant, vm.name}).second) {
      result_.failures.push_back({vm.tenant, vm.name, "declared more than once"});
    } else if (vm.current_host.empty()) {
      to_place.emplace_back(&vm, "");
    } else if (std::optional<std::string> left = keep(vm)) {
      to_place.emplace_back(&vm, *left);
    }
  }
  // Members of an affinity group are placed one after another, from the
  // first one met, so no other VM takes the room the group needs meanwhile.
  std::map<Group*, std::vector<size_t>> gangs;  // affinity group -> its entries in to_place
  for (size_t i = 0; i < to_place.size(); ++i) {
    const VmDemand& vm = *to_place[i].first;
    Group* group = vm.group.empty() ? nullptr : find_group(vm);
    if (!group || !group->affinity()) continue;
    std::vector<size_t>& gang = gangs[group];
    if (gang.empty()) {  // the first member's constraints, and the sum of all members' needs
      group->pending = vm;
      group->pending.cpus = group->pending.memory_mib = 0;
      group->pending.accelerators.clear();
    }
    gang.push_back(i);
    group->pending.cpus += vm.cpus;
    group->pending.memory_mib += vm.memory_mib;
    for (const auto& [type, count] : vm.accelerators) group->pending.accelerators[type] += count;
  }
  for (size_t i = 0; i < to_place.size(); ++i) {
    const VmDemand& vm = *to_place[i].first;
    auto gang = gangs.find(vm.group.empty() ? nullptr : find_group(vm));
    if (gang == gangs.end()) {
      place(vm, to_place[i].second);
    } else if (gang->second.front() == i) {  // the first member met brings the rest along
      for (size_t member : gang->second) place(*to_place[member].first, to_place[member].second);
    }
  }
  auto by_id = [](const auto& a, const auto& b) {
    return std::tie(a.tenant, a.name) < std::tie(b.tenant, b.name);
  };
  std::stable_sort(result_.placements.begin(), result_.placements.end(), by_id);
  std::stable_sort(result_.failures.begin(), result_.failures.end(), by_id);
  return std::move(result_);
}

}  // namespace

ScheduleResult schedule(const std::vector<HostCapacity>& hosts,
                        const std::vector<PoolPolicy>& pools, const std::vector<GroupRule>& groups,
                        const std::vector<VmDemand>& vms) {
  return Scheduler(hosts, pools, groups).run(vms);
}

}  // namespace xc
