// The login lockout policy: after too many failed logins within a window a
// user is locked for a while. Pure (the caller keeps the history and passes
// the time); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace xc::access {

inline constexpr int64_t kMinuteMs = 60'000;
// Failures beyond this many (the most recent kept) are not looked at.
inline constexpr size_t kMaxFailuresConsidered = 1000;

struct LockoutPolicy {
  int max_failures = 5;                  // 1..100: this many failures lock
  int64_t lock_for_ms = 15 * kMinuteMs;  // 1 min..24 h
  int64_t window_ms = 15 * kMinuteMs;    // 1 min..24 h: failures older than this do not count
};

// kInvalidArgument naming the first value out of range.
Status check_policy(const LockoutPolicy& policy);

// What the store knows about one user's logins. A success or a secadmin's
// reset clears every failure at or before it, and so any lock.
struct LoginHistory {
  std::vector<int64_t> failures_ms;  // any order
  std::optional<int64_t> last_success_ms;
  std::optional<int64_t> reset_ms;
};

struct LockoutState {
  bool locked = false;
  int64_t locked_until_ms = 0;  // when locked
  int failures_counted = 0;     // that locked the user, or that count towards a lock now
};

// Failures are counted in time order; the one that brings the count within
// the window to max_failures locks the user until it + lock_for. Failures
// while locked (refused logins) neither count nor extend the lock, and the
// failures that caused a lock do not count again once it has expired.
LockoutState lockout_state(const LoginHistory& history, const LockoutPolicy& policy,
                           int64_t now_ms);

// `user "alice" is locked until 12:03:05 after 5 failed logins; ask a secadmin
// to reset`, the time in the cloud's zone (`offset_ms` east of UTC) with the
// date when it is not today there.
std::string lockout_message(std::string_view user, const LockoutState& state, int64_t now_ms,
                            int64_t offset_ms);

}  // namespace xc::access
