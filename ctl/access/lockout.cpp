#include "ctl/access/lockout.h"

#include <algorithm>
#include <deque>

#include "common/printable.h"
#include "common/time.h"

namespace xc::access {
namespace {

constexpr int64_t kDayMs = 24 * 60 * kMinuteMs;

Status in_range(const char* what, int64_t value_ms) {
  if (value_ms < kMinuteMs || value_ms > kDayMs)
    return error(Code::kInvalidArgument, std::string("lockout ") + what + " is " +
                                             std::to_string(value_ms / 1000) +
                                             " s; it must be 1 minute to 24 hours");
  return {};
}

}  // namespace

Status check_policy(const LockoutPolicy& policy) {
  if (policy.max_failures < 1 || policy.max_failures > 100)
    return error(
        Code::kInvalidArgument,
        "lockout max failures is " + std::to_string(policy.max_failures) + "; it must be 1 to 100");
  if (Status st = in_range("time", policy.lock_for_ms); !st.ok()) return st;
  return in_range("window", policy.window_ms);
}

LockoutState lockout_state(const LoginHistory& history, const LockoutPolicy& policy,
                           int64_t now_ms) {
  const int64_t cleared =
      std::max(history.last_success_ms.value_or(INT64_MIN), history.reset_ms.value_or(INT64_MIN));
  std::vector<int64_t> failures;
  for (int64_t f : history.failures_ms)
    if (f > cleared && f <= now_ms) failures.push_back(f);
  std::sort(failures.begin(), failures.end());
  if (failures.size() > kMaxFailuresConsidered)
    failures.erase(failures.begin(),
                   failures.end() - static_cast<std::ptrdiff_t>(kMaxFailuresConsidered));

  LockoutState state;
  int64_t locked_until = INT64_MIN;
  std::deque<int64_t> recent;  // counted failures within the window of the latest
  for (int64_t f : failures) {
    if (f < locked_until) continue;  // a refused attempt while locked
    while (!recent.empty() && recent.front() <= f - policy.window_ms) recent.pop_front();
    recent.push_back(f);
    if (static_cast<int>(recent.size()) >= policy.max_failures) {
      locked_until = f + policy.lock_for_ms;
      state.failures_counted = static_cast<int>(recent.size());
      recent.clear();
    }
  }
  if (now_ms < locked_until) {
    state.locked = true;
    state.locked_until_ms = locked_until;
    return state;
  }
  while (!recent.empty() && recent.front() <= now_ms - policy.window_ms) recent.pop_front();
  state.failures_counted = static_cast<int>(recent.size());
  return state;
}

std::string lockout_message(std::string_view user, const LockoutState& state, int64_t now_ms,
                            int64_t offset_ms) {
  const std::string who = "user \"" + printable(user) + "\"";
  if (!state.locked)
    return who + " is not locked (" + std::to_string(state.failures_counted) +
           " recent failed logins)";
  // "2027-03-15T12:03:05+08:00": the time, and the date unless it is today.
  const std::string until = civil::format_local(state.locked_until_ms, offset_ms);
  const std::string today = civil::format_local(now_ms, offset_ms);
  std::string shown = until.substr(until.find('T') + 1, 8);
  if (until.substr(0, until.find('T')) != today.substr(0, today.find('T')))
    shown = until.substr(0, until.find('T')) + " " + shown;
  return who + " is locked until " + shown + " after " + std::to_string(state.failures_counted) +
         " failed logins; ask a secadmin to reset";
}

}  // namespace xc::access
