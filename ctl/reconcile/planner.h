// The planner: desired state (manifests), the store's record of what xcloud
// created, and what the hosts report -> a Plan. Pure; unit-tested without hosts.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/observed_state.h"
#include "ctl/reconcile/plan.h"

namespace xc {

// The manifest set of VMs made by `xcloudctl vm clone`: no apply prunes them,
// and a plan whose manifests do not declare one warns about it.
inline constexpr const char* kCloneSet = "vm-clone";

// A VM as the store remembers it.
struct StoredVm {
  std::string tenant, name, host, hash, manifest_set;
  int64_t generation = 0;
  nlohmann::json record;  // {"manifest": ..., "domain": DomainSpec JSON}
};

// A SecurityGroup as the store remembers it (record_objects).
struct StoredGroup {
  std::string hash, manifest_set;
};

struct PlanOptions {
  bool prune = false;
  // "tenant/name" -> the stored group. A declared group whose hash differs is
  // ensured on every host running a VM that uses it; a stored group of this
  // set that is no longer declared is deleted from every reachable host on prune.
  std::map<std::string, StoredGroup> stored_groups;
  bool allow_restart = false;  // restart guests whose definition waits for a reboot
  // Take over the unmanaged domains VMs name in adoptedFrom (apply --adopt);
  // without it such a VM is refused (adoption_refusals).
  bool adopt = false;
  bool allow_recreate =
      false;  // a VM that must change host is deleted and created blank, not moved
  std::string manifest_set = "default";
  // In maintenance by an operator (ctl/store/host_maintenance.h), as if their
  // Host manifest said so; drained hosts also lose every VM they run (moves).
  std::set<std::string> maintenance_hosts;
  std::set<std::string> drain_hosts;
};

Plan make_plan(const DesiredState& desired, const std::vector<ObservedHost>& observed,
               const std::map<std::string, StoredVm>& stored, const PlanOptions& options);

// Field-level differences between two manifests: "spec.cpus: 2 -> 4".
std::vector<std::string> manifest_changes(const nlohmann::json& before,
                                          const nlohmann::json& after);

}  // namespace xc
