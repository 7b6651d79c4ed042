// One round of the backup schedule (`xcloudctl serve`'s backup loop and
// `xcloudctl backup schedule`): every (BackupPolicy, VM) that is due is
// backed up into the policy's target through the VM's host, then the VM's
// backups there are pruned per the policy's retention. Each try is stored
// (backup_runs), audited, and stored as a VM event: `backup-failed` raises
// the built-in alarm of that name, `backup-done` clears it. A failure is
// retried at a later round (backup_schedule.h). Not thread-safe (one store).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ctl/audit/audit_record.h"
#include "ctl/backup/backup_repository.h"
#include "ctl/backup/backup_schedule.h"
#include "ctl/backup/retention.h"
#include "ctl/hosts/host_clients.h"

namespace xc {

inline constexpr const char* kBackupFailedEvent = "backup-failed";
inline constexpr const char* kBackupDoneEvent = "backup-done";

struct BackupRoundOptions {
  std::string key_path;  // keys/backup.key beside the state database
  AuditIdentity who;
  int64_t retry_ms = kBackupRetryMs;
  // Checked before each VM: serve's SIGTERM ends the round there; the VMs
  // not reached stay due for the next round.
  std::function<bool()> stopped;
};

struct BackupOutcome {
  std::string policy, vm;  // "tenant/name"
  std::string target;      // the BackupTarget's name
  std::string host;
  BackupManifest manifest;  // when it worked
  std::vector<std::string> pruned;
  std::string note;
  Status status;
};

// The ids of `all` (one VM's backups, oldest first) that `keep` drops.
std::set<std::string> backups_pruned_by(const std::vector<BackupManifest>& all,
                                        const Retention& keep);

// `log` gets one line per backup (and per failure); raw text.
Result<std::vector<BackupOutcome>> backup_round(Store& store, HostClients& hosts, int64_t now_ms,
                                                const BackupRoundOptions& options,
                                                const std::function<void(const std::string&)>& log);

}  // namespace xc
