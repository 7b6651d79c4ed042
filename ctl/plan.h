// A plan: the typed steps that take the hosts from what they run to what the
// manifests declare, with the reason for each. Value types.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/model.h"
#include "ctl/scheduler.h"

namespace xc {

enum class StepAction {
  kCreateNetwork,  // network.ensure on a host that lacks it
  kDelete,         // domain.delete (pruned, duplicate, or moved away)
  kCreate,         // domain.ensure of a new VM
  kUpdate,         // domain.ensure of a changed or drifted VM
  kStart,          // domain.ensure of a VM that should run but is stopped
  kRecord,         // store only: the host already matches, the store does not
  kDeleteNetwork,  // network.delete of a pruned network
  kEnsureSecurityGroup,  // securitygroup.ensure where a VM using the group runs
  kDeleteSecurityGroup,  // securitygroup.delete of a pruned group (after the VMs)
};
const char* step_action_name(StepAction a);

struct PlanStep {
  StepAction action = StepAction::kCreate;
  Kind kind = Kind::kVirtualMachine;
  std::string tenant, name, host;
  nlohmann::json params;              // the agent request's params
  std::vector<std::string> changes;   // field-level, "spec.cpus: 2 -> 4"
  std::vector<std::string> live, restart;
  std::string reason;                 // "drift: stopped outside xcloud", "duplicate", ...
  std::string hash;                   // desired spec hash (VMs)
  int64_t generation = 0;
  nlohmann::json record;              // what the store keeps for this object
};

struct Plan {
  std::vector<PlanStep> steps;
  std::vector<std::string> unchanged;  // "VirtualMachine education/web-1 on x86-01"
  std::vector<Unplaceable> unplaceable;
  std::vector<std::string> warnings;
  std::vector<std::string> errors;  // unreachable hosts and what could not be checked
  std::vector<std::string> orphans;  // xcloud domains nobody declares (deleted with --prune)

  bool has_changes() const { return !steps.empty(); }
  nlohmann::json to_json() const;
};

}  // namespace xc
