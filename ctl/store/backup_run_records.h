// The backup schedule's memory: for each (BackupPolicy, VM), when a backup
// was last tried and last made, and how the last try ended, so the
// controller knows what is due and retries a failure at a later round, not
// in a tight loop (ctl/backup/backup_schedule.h). Value type.
#pragma once

#include <cstdint>
#include <string>

namespace xc {

struct BackupRunRecord {
  std::string policy_tenant, policy;  // the BackupPolicy
  std::string tenant, vm;             // the VM
  int64_t last_attempt_ms = 0;
  int64_t last_success_ms = 0;  // 0: never
  std::string last_backup_id;   // of the last success
  std::string result;           // "ok" or "failed"
  std::string error;            // the last failure's message
  int64_t failures = 0;         // failures in a row

  bool operator==(const BackupRunRecord&) const = default;
};

}  // namespace xc
