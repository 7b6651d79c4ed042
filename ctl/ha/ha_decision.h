// The HA decision: from what the store knows (hosts with their health and
// fence state, VMs with their placement and `ha` policy) and the clock, what
// the controller does next: fence a host, restart a VM on another host, or
// say why it cannot. Pure function over value types; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/reconcile/scheduler.h"

namespace xc {

struct HaHost {
  std::string name;
  std::string pool;
  bool maintenance = false;  // no HA for it (the operator is at work) and no VMs onto it
  bool reachable = true;
  int64_t unreachable_since_ms = 0;  // while unreachable
  int64_t fenced_ms = 0;             // fenced during this outage (command or operator); 0: not
  bool has_fence_command = false;
  std::string shared_storage;  // its pool's sharedStorage; empty: none
  HostCapacity capacity;       // from its last facts (reachable hosts only are used)
};

struct HaVm {
  VmDemand demand;       // current_host is the stored placement
  bool restart = false;  // ha: restart
};

struct HaWorld {
  std::vector<HaHost> hosts;
  std::vector<HaVm> vms;
  std::vector<PoolPolicy> pools;
  std::vector<GroupRule> groups;
};

// kRemoveStale is the round's own (a fenced host came back holding a copy of
// a VM that runs elsewhere now); decide_ha never returns it.
enum class HaActionKind { kFence, kRestart, kCannot, kRemoveStale };
// "fence", "restart", "cannot", "remove-stale-copy"
const char* ha_action_name(HaActionKind kind);

struct HaAction {
  HaActionKind kind = HaActionKind::kCannot;
  std::string host;          // the failed host
  std::string tenant, name;  // the VM (restart, and cannot when about one VM)
  std::string to_host;       // restart: where
  std::string reason;        // cannot: what a person can act on
  bool operator==(const HaAction&) const = default;
};

struct HaOptions {
  int64_t after_ms = 60'000;  // unreachable this long before HA acts
  std::string only_host;      // evacuate: this host only, without waiting `after_ms`
};

// Per failed host (unreachable, not in maintenance, holding `ha: restart`
// VMs, unreachable for `after_ms` or named by `only_host`): fence it when it
// is not fenced yet (or say that it cannot be); once fenced, restart each of
// its `ha: restart` VMs on a host the scheduler picks among the reachable
// hosts of the same pool outside maintenance, counting what they run now
// (capacity, anti-affinity), or say why not. A VM without `ha: restart` is
// never named. Actions come by host, fences first; restarts by VM.
std::vector<HaAction> decide_ha(const HaWorld& world, int64_t now_ms, const HaOptions& options);

// Whether `host` was fenced during its current outage.
bool fenced_now(const HaHost& host);

}  // namespace xc
