// The two backup kinds of the manifest model: BackupTarget (a directory on
// the controller or a mount, in a registered pool: the room the copies live
// in) and BackupPolicy (when a tenant's VMs are backed up, to which target,
// and how many backups are kept), with the schedule's small grammar:
//   "hourly at :MM", "daily at HH:MM", "weekly on mon|tue|...|sun at HH:MM"
// in the policy's time zone (a fixed offset, as PriceList's). Value types and
// pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace xc {

struct BackupTargetSpec {
  std::string path;  // absolute directory on the controller
  std::string pool;  // the registered pool (room) the directory lives in
};

struct BackupSchedule {
  enum class Every { kHour, kDay, kWeek };
  Every every = Every::kDay;
  int weekday = 0;  // kWeek: 0 = Monday .. 6 = Sunday
  int hour = 0;     // kDay, kWeek
  int minute = 0;
  int64_t offset_ms = 0;  // the time zone, east of UTC

  // The newest scheduled instant at or before `now_ms`.
  int64_t latest_slot(int64_t now_ms) const;
  std::string text() const;  // "daily at 01:00"
};

// nullopt with `why` set ("expected 'daily at HH:MM', ...") for anything else.
std::optional<BackupSchedule> parse_backup_schedule(const std::string& text, int64_t offset_ms,
                                                    std::string& why);

struct BackupRetentionSpec {
  int daily = 7;
  int weekly = 4;
  int monthly = 12;
};

struct BackupPolicySpec {
  std::string schedule;  // as written
  std::string time_zone = "Asia/Shanghai";
  std::string target;  // a BackupTarget's name
  BackupRetentionSpec retention;
  std::vector<std::string> vms;  // names in the policy's tenant
  std::string selector;          // kubectl label selector over the tenant's VMs
};

BackupTargetSpec backup_target_from_json(const nlohmann::json& spec);
BackupPolicySpec backup_policy_from_json(const nlohmann::json& spec);

}  // namespace xc
