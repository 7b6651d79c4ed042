#include "ctl/ha/ha_decision.h"

#include <map>
#include <set>

namespace xc {

const char* ha_action_name(HaActionKind kind) {
  switch (kind) {
    case HaActionKind::kFence:
      return "fence";
    case HaActionKind::kRestart:
      return "restart";
    case HaActionKind::kCannot:
      return "cannot";
    case HaActionKind::kRemoveStale:
      return "remove-stale-copy";
  }
  return "cannot";
}

bool fenced_now(const HaHost& h) {
  return !h.reachable && h.fenced_ms > 0 &&
         (h.unreachable_since_ms == 0 || h.fenced_ms >= h.unreachable_since_ms);
}

namespace {

HaAction cannot(const std::string& host, const HaVm* vm, std::string reason) {
  HaAction a;
  a.kind = HaActionKind::kCannot;
  a.host = host;
  if (vm) {
    a.tenant = vm->demand.tenant;
    a.name = vm->demand.name;
  }
  a.reason = std::move(reason);
  return a;
}

}  // namespace

std::vector<HaAction> decide_ha(const HaWorld& world, int64_t now_ms, const HaOptions& o) {
  std::map<std::string, const HaHost*> by_name;
  for (const HaHost& h : world.hosts) by_name[h.name] = &h;
  std::vector<HaAction> out;
  std::vector<VmDemand> to_place;           // VMs of fenced hosts, without a current host
  std::map<std::string, std::string> from;  // "tenant/name" -> its failed host
  for (const auto& [name, h] : by_name) {
    if (!o.only_host.empty() && name != o.only_host) continue;
    if (h->reachable || h->maintenance) continue;
    std::vector<const HaVm*> protected_vms;
    for (const HaVm& v : world.vms)
      if (v.restart && v.demand.current_host == name) protected_vms.push_back(&v);
    if (protected_vms.empty()) continue;
    if (o.only_host.empty() && now_ms - h->unreachable_since_ms < o.after_ms) continue;
    if (!fenced_now(*h)) {
      if (h->has_fence_command) {
        HaAction a;
        a.kind = HaActionKind::kFence;
        a.host = name;
        out.push_back(a);
      } else {
        out.push_back(cannot(name, nullptr,
                             "host " + name +
                                 " is not fenced and has no fence command; after making sure it "
                                 "is off, run 'xcloudctl host fence " +
                                 name + " --confirm-dead'"));
      }
      continue;
    }
    for (const HaVm* v : protected_vms) {
      if (h->shared_storage.empty()) {
        out.push_back(cannot(
            name, v,
            "its disks are not on shared storage (pool " + h->pool + " has no sharedStorage)"));
        continue;
      }
      VmDemand d = v->demand;
      d.current_host.clear();
      if (d.pool.empty()) d.pool = h->pool;  // another host of the same pool
      from[object_key(d.tenant, d.name)] = name;
      to_place.push_back(d);
    }
  }
  if (to_place.empty()) return out;
  // The scheduler sees the reachable hosts and what they run now; the VMs of
  // hosts that are down count nowhere (their memory is not in use anywhere).
  std::vector<HostCapacity> hosts;
  for (const auto& [name, h] : by_name) {
    if (!h->reachable) continue;
    HostCapacity c = h->capacity;
    c.name = name;
    c.pool = h->pool;
    c.maintenance = c.maintenance || h->maintenance;
    hosts.push_back(c);
  }
  std::vector<VmDemand> demands = to_place;
  for (const HaVm& v : world.vms) {
    auto h = by_name.find(v.demand.current_host);
    if (h != by_name.end() && h->second->reachable) demands.push_back(v.demand);
  }
  ScheduleResult placed = schedule(hosts, world.pools, world.groups, demands);
  std::vector<HaAction> restarts;
  for (const Placement& p : placed.placements) {
    auto f = from.find(object_key(p.tenant, p.name));
    if (f == from.end()) continue;
    HaAction a;
    a.kind = HaActionKind::kRestart;
    a.host = f->second;
    a.tenant = p.tenant;
    a.name = p.name;
    a.to_host = p.host;
    restarts.push_back(a);
  }
  for (const Unplaceable& u : placed.failures) {
    auto f = from.find(object_key(u.tenant, u.name));
    if (f == from.end()) continue;
    HaAction a = cannot(f->second, nullptr, u.reason);
    a.tenant = u.tenant;
    a.name = u.name;
    restarts.push_back(a);
  }
  out.insert(out.end(), restarts.begin(), restarts.end());
  return out;
}

}  // namespace xc
