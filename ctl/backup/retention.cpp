#include "ctl/backup/retention.h"

#include <algorithm>
#include <functional>
#include <map>

#include "common/time.h"

namespace xc {
namespace {

int64_t days_since_epoch(int64_t time_ms) {
  int64_t days = time_ms / 86400000;
  return time_ms < 0 && time_ms % 86400000 ? days - 1 : days;
}

int64_t month_index(int64_t days) {
  civil::Date d = civil::civil_from_days(days);
  return d.year * 12 + d.month - 1;
}

// Weeks start on Monday; 1970-01-01 was a Thursday.
int64_t week_index(int64_t days) {
  int64_t shifted = days + 3;
  return shifted >= 0 ? shifted / 7 : (shifted - 6) / 7;
}

// Keeps the newest backup of each of the newest `count` periods.
void keep_newest_per_period(const std::vector<BackupPoint>& newest_first, int count,
                            const std::function<int64_t(int64_t)>& period,
                            std::set<std::string>& keep) {
  std::set<int64_t> seen;
  for (const auto& b : newest_first) {
    if (static_cast<int>(seen.size()) >= count) break;
    if (seen.insert(period(days_since_epoch(b.time_ms))).second) keep.insert(b.id);
  }
}

}  // namespace

std::set<std::string> backups_to_prune(const std::vector<BackupPoint>& backups,
                                       const Retention& policy) {
  std::vector<BackupPoint> sorted = backups;
  std::sort(sorted.begin(), sorted.end(), [](const BackupPoint& a, const BackupPoint& b) {
    return a.time_ms != b.time_ms ? a.time_ms > b.time_ms : a.id > b.id;
  });
  std::set<std::string> keep;
  if (!sorted.empty()) keep.insert(sorted.front().id);
  keep_newest_per_period(
      sorted, policy.daily, [](int64_t d) { return d; }, keep);
  keep_newest_per_period(sorted, policy.weekly, week_index, keep);
  keep_newest_per_period(sorted, policy.monthly, month_index, keep);
  // An incremental is useless without its parents.
  std::map<std::string, std::string> parent_of;
  for (const auto& b : sorted) parent_of[b.id] = b.parent;
  std::vector<std::string> pending(keep.begin(), keep.end());
  while (!pending.empty()) {
    std::string id = pending.back();
    pending.pop_back();
    auto it = parent_of.find(id);
    if (it != parent_of.end() && !it->second.empty() && keep.insert(it->second).second)
      pending.push_back(it->second);
  }
  std::set<std::string> prune;
  for (const auto& b : sorted)
    if (!keep.count(b.id)) prune.insert(b.id);
  return prune;
}

}  // namespace xc
