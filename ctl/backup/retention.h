// Which backups a retention policy keeps: the newest backup of each of the
// last `daily` days, `weekly` ISO weeks and `monthly` months (UTC) that have
// backups, always the newest of all, and every backup a kept incremental
// depends on. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace xc {

struct Retention {
  int daily = 7;
  int weekly = 4;
  int monthly = 12;
};

struct BackupPoint {
  std::string id;
  int64_t time_ms = 0;
  std::string parent;  // "" for a full backup
};

// The ids to delete; the others are kept.
std::set<std::string> backups_to_prune(const std::vector<BackupPoint>& backups,
                                       const Retention& policy);

}  // namespace xc
