// A plan: the typed steps that take the hosts from what they run to what the
// manifests declare, with the reason for each. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/model.h"
#include "ctl/reconcile/scheduler.h"
#include "ctl/store/records.h"

namespace xc {

enum class StepAction {
  kCreateNetwork,        // network.ensure on a host that lacks it
  kEnsureSecurityGroup,  // securitygroup.ensure where a VM using the group runs
  kDelete,               // domain.delete: the domain and its disks are destroyed
  kForget,               // store only: a pruned VM no host holds any more
  kMove,                 // the VM must change host: a migration ("migrate"), live or cold
  kCreate,               // domain.ensure of a new VM
  kUpdate,               // domain.ensure of a changed or drifted VM
  kStart,                // domain.ensure of a VM that should run but is stopped
  kRecord,               // store only: the host already matches, the store does not
  kAdopt,                // domain.adopt: an unmanaged domain becomes the VM (apply --adopt)
  kDeleteSecurityGroup,  // securitygroup.delete of a pruned group (after the VMs)
};

// Why a step is in the plan. The reason decides what the store keeps and
// meters (a pruned VM is forgotten, a duplicate is not), so it is typed.
enum class StepReason {
  kNone,
  kNew,               // security group first seen
  kRulesChanged,      // security group changed
  kNeededByVm,        // security group needed by a VM ensured on this host
  kPruned,            // declared before by this set, no longer
  kOrphan,            // xcloud's domain that no set declares (deleted with --prune)
  kGoneFromHost,      // pruned, and no host holds it any more
  kDuplicate,         // a second copy of a VM on another host
  kRecreate,          // --allow-recreate: the old copy of a VM recreated elsewhere
  kPlacementChanged,  // a move, or the new copy of a recreate
  kDefinitionDrift,   // domain XML edited outside xcloud
  kResizeDrift,       // vCPUs or memory changed outside xcloud
  kPowerDrift,        // stopped outside xcloud
  kRestartPending,    // --allow-restart applies a waiting change
  kAlreadyOnHost,     // the host matches; the store did not
  kRestartApplied,    // the guest restarted into a pending resize: bill the new size
};

// One row per action: everything that differs between actions lives here.
struct ActionInfo {
  const char* name;  // "create", as printed and audited
  int phase;  // executor order per host: 0 networks/groups, 1 deletes, 2 VMs, 3 group deletes
  const char* method;  // the agent method, or nullptr for store-only steps
  char mark;           // the plan printer's first column: + - ~ >
};
const ActionInfo& action_info(StepAction a);
const char* step_action_name(StepAction a);
const char* step_reason_text(StepReason r);  // "pruned: no longer declared"

// A disk a step destroys or puts at risk.
struct StepDisk {
  std::string name;
  int64_t size_gib = 0;
  bool operator==(const StepDisk&) const = default;
};

struct PlanStep {
  StepAction action = StepAction::kCreate;
  Kind kind = Kind::kVirtualMachine;
  std::string tenant, name, host;
  std::string from_host;             // kMove: where the VM runs now
  std::string from_pool, to_pool;    // kMove: the pools of the two hosts
  std::string move_mode;             // kMove: "live" (running, same arch) or "cold"
  nlohmann::json params;             // the agent request's params
  std::vector<std::string> changes;  // field-level, "spec.cpus: 2 -> 4"
  std::vector<std::string> live, restart;
  StepReason reason = StepReason::kNone;
  std::string detail;  // what the reason refers to: "x86-03", "2 vCPU, 4096 MiB"
  std::string hash;    // desired spec hash (VMs)
  int64_t generation = 0;
  nlohmann::json record;  // what the store keeps for this object
  // Data this step destroys (a delete or a disk removed by an update), or
  // that a move's recreate would lose. Empty for a step that destroys nothing.
  std::vector<StepDisk> disks;
  // What the VM runs now (0 when it runs nowhere): a resize that waits for a
  // restart is billed at this size until the restart applies it.
  int64_t running_cpus = 0, running_memory_mib = 0;

  ObjectKey key() const { return {tenant, name}; }
  // The VM is gone for good once this step completes (pruned or forgotten),
  // so the store forgets it and its meter closes; a duplicate's delete does not.
  bool ends_vm() const;
  // Deletes a VM or removes a disk: runs only with --yes or a typed "yes".
  bool destructive() const;
  int64_t destroyed_gib() const;
  std::string reason_text() const;  // reason with its detail, "" for kNone
};

// What a plan destroys, for the confirmation and the plan's total line.
struct Destruction {
  int vms = 0;
  int disks = 0;
  int64_t gib = 0;
  bool any() const { return vms > 0 || disks > 0; }
};

struct Plan {
  std::vector<PlanStep> steps;
  std::vector<std::string> unchanged;  // "VirtualMachine education/web-1 on x86-01"
  std::vector<Unplaceable> unplaceable;
  std::vector<std::string> warnings;
  std::vector<std::string> errors;   // unreachable hosts and what could not be checked
  std::vector<std::string> orphans;  // xcloud domains nobody declares (deleted with --prune)
  // Addresses apply stores for NICs that declare none (ip_allocation.h):
  // new ones, and stored ones the manifests let go.
  std::vector<AddressAllocation> addresses_allocated;
  std::vector<AddressAllocation> addresses_released;

  bool has_changes() const { return !steps.empty(); }
  Destruction destruction() const;
  std::vector<const PlanStep*> moves() const;
  nlohmann::json to_json() const;
};

// "create VirtualMachine education/web-1 on x86-01".
std::string describe_step(const PlanStep& step);

}  // namespace xc
