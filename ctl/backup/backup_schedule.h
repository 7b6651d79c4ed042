// Which backups the schedule owes now: the stored BackupPolicy and
// BackupTarget objects, the VMs each policy selects (by name in its tenant,
// or by label selector over its tenant and sub-tenants) and whether a
// (policy, VM) is due: the newest slot of its schedule has no backup yet,
// and a failed try is retried only `retry_ms` after it (never in a tight
// loop). Pure, apart from load_backup_plan_inputs which reads the store.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/backup_spec.h"
#include "common/label_selector.h"
#include "ctl/store/store.h"

namespace xc {

inline constexpr int64_t kBackupRetryMs = 5 * 60'000;

struct PolicyEntry {
  std::string tenant, name;
  BackupPolicySpec spec;
  BackupSchedule schedule;
  LabelSelector selector;
};

struct VmEntry {
  std::string tenant, name;
  std::map<std::string, std::string> labels;
};

struct BackupPlanInputs {
  std::vector<PolicyEntry> policies;  // those whose schedule parses (validate made sure)
  std::map<std::string, BackupTargetSpec> targets;  // by name
  std::vector<VmEntry> vms;
  std::vector<BackupRunRecord> runs;
};

Result<BackupPlanInputs> load_backup_plan_inputs(Store& store);

bool policy_selects(const PolicyEntry& policy, const VmEntry& vm);

// Due at `now_ms`, given the (policy, VM)'s last run (nullopt: never tried).
bool backup_due(const BackupSchedule& schedule, const std::optional<BackupRunRecord>& last,
                int64_t now_ms, int64_t retry_ms = kBackupRetryMs);

struct BackupJob {
  const PolicyEntry* policy = nullptr;
  std::string target;            // the BackupTarget's name
  BackupTargetSpec target_spec;  // path empty when the target is not stored
  VmEntry vm;
  std::optional<BackupRunRecord> last;
  // What pruning after the backup keeps: of every policy selecting the VM
  // into the same target, the most of each period, so one policy never
  // prunes what another keeps.
  BackupRetentionSpec retention;
};

// What is due now, by policy then VM.
std::vector<BackupJob> due_backups(const BackupPlanInputs& in, int64_t now_ms,
                                   int64_t retry_ms = kBackupRetryMs);

// The policies that select a VM (for `backup run VM` without --target).
std::vector<const PolicyEntry*> policies_for_vm(const BackupPlanInputs& in,
                                                const std::string& tenant, const std::string& vm);

// The retention of the backups of `vm` in `target`: each period's most over
// the policies that select the VM into that target.
BackupRetentionSpec retention_in_target(const BackupPlanInputs& in, const VmEntry& vm,
                                        const std::string& target);

// The directory of the target of the policies selecting the VM: kNotFound
// when none does, kInvalidArgument when they name different targets.
Result<std::string> policy_target_dir(const BackupPlanInputs& in, const std::string& tenant,
                                      const std::string& vm);

}  // namespace xc
