#include "ctl/access/lockout.h"

#include <doctest/doctest.h>

#include "common/time.h"

using namespace xc;
using namespace xc::access;

namespace {

// 2026-12-04T12:00:00+08:00, and the cloud's zone.
const int64_t kNoon = *parse_time_ms("2026-12-04T12:00:00+08:00");
const int64_t kShanghai = 8 * 3'600'000;
constexpr int64_t kSecond = 1000;

LoginHistory failures_every_10s(int count, int64_t first) {
  LoginHistory h;
  for (int i = 0; i < count; ++i) h.failures_ms.push_back(first + i * 10 * kSecond);
  return h;
}

}  // namespace

TEST_CASE("four failures leave the user unlocked, the fifth locks for 15 minutes") {
  const LockoutPolicy policy;
  LoginHistory h = failures_every_10s(4, kNoon);
  const int64_t after_fourth = kNoon + 31 * kSecond;
  LockoutState four = lockout_state(h, policy, after_fourth);
  CHECK_FALSE(four.locked);
  CHECK(four.failures_counted == 4);

  h.failures_ms.push_back(kNoon + 40 * kSecond);
  LockoutState five = lockout_state(h, policy, kNoon + 41 * kSecond);
  CHECK(five.locked);
  CHECK(five.failures_counted == 5);
  CHECK(five.locked_until_ms == kNoon + 40 * kSecond + 15 * kMinuteMs);
  CHECK(lockout_message("alice", five, kNoon + 41 * kSecond, kShanghai) ==
        "user \"alice\" is locked until 12:15:40 after 5 failed logins; ask a secadmin to reset");
}

TEST_CASE("the lock expires after 15 minutes and the failures that caused it count no more") {
  const LockoutPolicy policy;
  LoginHistory h = failures_every_10s(5, kNoon);
  const int64_t until = kNoon + 40 * kSecond + 15 * kMinuteMs;
  CHECK(lockout_state(h, policy, until - 1).locked);
  LockoutState after = lockout_state(h, policy, until);
  CHECK_FALSE(after.locked);
  CHECK(after.failures_counted == 0);
  // One more failure after the lock does not lock again at once.
  h.failures_ms.push_back(until + kSecond);
  LockoutState one = lockout_state(h, policy, until + 2 * kSecond);
  CHECK_FALSE(one.locked);
  CHECK(one.failures_counted == 1);
}

TEST_CASE("attempts while locked neither count nor extend the lock") {
  const LockoutPolicy policy;
  LoginHistory h = failures_every_10s(5, kNoon);
  const int64_t until = kNoon + 40 * kSecond + 15 * kMinuteMs;
  for (int i = 1; i <= 10; ++i) h.failures_ms.push_back(kNoon + i * kMinuteMs);
  LockoutState s = lockout_state(h, policy, until - 1);
  CHECK(s.locked);
  CHECK(s.locked_until_ms == until);
  CHECK_FALSE(lockout_state(h, policy, until).locked);
}

TEST_CASE("a success resets the count, and a secadmin's reset ends a lock") {
  const LockoutPolicy policy;
  LoginHistory h = failures_every_10s(4, kNoon);
  h.last_success_ms = kNoon + 35 * kSecond;
  h.failures_ms.push_back(kNoon + 40 * kSecond);
  LockoutState s = lockout_state(h, policy, kNoon + kMinuteMs);
  CHECK_FALSE(s.locked);
  CHECK(s.failures_counted == 1);

  LoginHistory locked = failures_every_10s(5, kNoon);
  CHECK(lockout_state(locked, policy, kNoon + 2 * kMinuteMs).locked);
  locked.reset_ms = kNoon + 2 * kMinuteMs;
  LockoutState reset = lockout_state(locked, policy, kNoon + 2 * kMinuteMs + 1);
  CHECK_FALSE(reset.locked);
  CHECK(reset.failures_counted == 0);
}

TEST_CASE("failures older than the window do not count") {
  const LockoutPolicy policy;
  LoginHistory h;
  // Four failures, then one 15.5 minutes after the first: the first has left
  // the window, so four count and there is no lock.
  for (int64_t t : {0, 1, 2, 3}) h.failures_ms.push_back(kNoon + t * kMinuteMs);
  h.failures_ms.push_back(kNoon + 15 * kMinuteMs + 30 * kSecond);
  LockoutState s = lockout_state(h, policy, kNoon + 15 * kMinuteMs + 31 * kSecond);
  CHECK_FALSE(s.locked);
  CHECK(s.failures_counted == 4);  // minutes 1, 2, 3 and 15.5
  CHECK(lockout_state(h, policy, kNoon + 40 * kMinuteMs).failures_counted == 0);
  // One more while minutes 1..3 are within the window locks.
  h.failures_ms.push_back(kNoon + 15 * kMinuteMs + 40 * kSecond);
  LockoutState locked = lockout_state(h, policy, kNoon + 15 * kMinuteMs + 41 * kSecond);
  CHECK(locked.locked);
  CHECK(locked.failures_counted == 5);
}

TEST_CASE("failures are counted in time order whatever order they are given in") {
  const LockoutPolicy policy;
  LoginHistory h;
  for (int i : {4, 0, 3, 1, 2}) h.failures_ms.push_back(kNoon + i * kSecond);
  LockoutState s = lockout_state(h, policy, kNoon + 10 * kSecond);
  CHECK(s.locked);
  CHECK(s.locked_until_ms == kNoon + 4 * kSecond + 15 * kMinuteMs);
  // Failures after `now` are not yet counted.
  CHECK_FALSE(lockout_state(h, policy, kNoon + 3 * kSecond).locked);
}

TEST_CASE("a configured policy: 3 failures lock for an hour") {
  const LockoutPolicy policy{3, 60 * kMinuteMs, 10 * kMinuteMs};
  REQUIRE(check_policy(policy).ok());
  LoginHistory h = failures_every_10s(3, kNoon);
  LockoutState s = lockout_state(h, policy, kNoon + kMinuteMs);
  CHECK(s.locked);
  CHECK(s.failures_counted == 3);
  CHECK(s.locked_until_ms == kNoon + 20 * kSecond + 60 * kMinuteMs);
}

TEST_CASE("the message names the date when the lock ends on another day in the cloud's zone") {
  LockoutState s{true, *parse_time_ms("2026-12-05T00:10:00+08:00"), 5};
  CHECK(lockout_message("张三", s, *parse_time_ms("2026-12-04T23:58:00+08:00"), kShanghai) ==
        "user \"张三\" is locked until 2026-12-05 00:10:00 after 5 failed logins; ask a "
        "secadmin to reset");
  CHECK(lockout_message("a\nb", LockoutState{false, 0, 2}, 0, kShanghai) ==
        "user \"a\\nb\" is not locked (2 recent failed logins)");
}

TEST_CASE("policies out of range are refused") {
  CHECK(check_policy({}).ok());
  CHECK(check_policy({0, 15 * kMinuteMs, 15 * kMinuteMs}).message() ==
        "lockout max failures is 0; it must be 1 to 100");
  CHECK(check_policy({5, 30 * kSecond, 15 * kMinuteMs}).message() ==
        "lockout time is 30 s; it must be 1 minute to 24 hours");
  CHECK(check_policy({5, 15 * kMinuteMs, 25 * 60 * kMinuteMs}).message() ==
        "lockout window is 90000 s; it must be 1 minute to 24 hours");
}
