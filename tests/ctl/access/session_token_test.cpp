#include "ctl/access/session_token.h"

#include <doctest/doctest.h>

#include "common/sm_crypto.h"

using namespace xc;
using namespace xc::access;

namespace {

constexpr int64_t kT0 = 1'796'000'000'000;  // 2026-11-30T00:53:20Z
constexpr int64_t kMinute = 60'000;

}  // namespace

TEST_CASE("an issued token is 64 hex characters and the store keeps only its SM3 digest") {
  Result<IssuedToken> a = issue_token();
  Result<IssuedToken> b = issue_token();
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->token.size() == 64);
  CHECK(a->token != b->token);
  CHECK(a->digest != a->token);
  CHECK(a->digest == to_hex(as_bytes(*sm3(a->token))));
  Result<std::string> again = token_digest(a->token);
  REQUIRE(again.ok());
  CHECK(*again == a->digest);
}

TEST_CASE("a malformed token is refused without being echoed") {
  for (const std::string& bad :
       {std::string(), std::string(63, 'a'), std::string(65, 'a'), std::string(63, 'a') + "g",
        std::string(64, 'A'), std::string(64, 'a') + "\n"}) {
    Result<std::string> r = token_digest(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalidArgument);
    CHECK(r.status().message() == "session token is malformed");
  }
}

TEST_CASE("a session lasts 8 hours by default and no longer") {
  const Session s = new_session("alice", 1001u, kT0, {});
  CHECK(s.user == "alice");
  CHECK(s.expires_ms == kT0 + 8 * kHourMs);
  CHECK(session_valid(s, kT0, 1001u));
  CHECK(session_valid(s, kT0 + 8 * kHourMs - 1, 1001u));
  CHECK(check_session(s, kT0 + 8 * kHourMs, 1001u, {}) == SessionCheck::kExpired);
  CHECK(session_status(s, kT0 + 8 * kHourMs, 1001u).message() ==
        "session expired at 2026-11-30T08:53:20.000Z; run `xcloudctl login`");
  CHECK(check_session(s, kT0 - 1, 1001u, {}) == SessionCheck::kNotYetValid);
}

TEST_CASE("a session is bound to the OS user it was made for") {
  const Session socket = new_session("alice", 1001u, kT0, {});
  CHECK(check_session(socket, kT0, 1002u, {}) == SessionCheck::kWrongOsUser);
  CHECK(check_session(socket, kT0, std::nullopt, {}) == SessionCheck::kWrongOsUser);
  const Session https = new_session("alice", std::nullopt, kT0, {});
  CHECK(session_valid(https, kT0, std::nullopt));
  CHECK(check_session(https, kT0, 1001u, {}) == SessionCheck::kWrongOsUser);
  CHECK(session_status(https, kT0, 1001u).message() ==
        "session belongs to another OS user or connection kind; run `xcloudctl login`");
}

TEST_CASE("with an idle timeout a session ends when unused, and use keeps it alive") {
  const SessionPolicy policy{8 * kHourMs, 30 * kMinute};
  REQUIRE(check_session_policy(policy).ok());
  Session s = new_session("bob", std::nullopt, kT0, policy);
  CHECK(session_valid(s, kT0 + 29 * kMinute, std::nullopt, policy));
  touch(s, kT0 + 29 * kMinute);
  CHECK(session_valid(s, kT0 + 58 * kMinute, std::nullopt, policy));
  CHECK(check_session(s, kT0 + 59 * kMinute, std::nullopt, policy) == SessionCheck::kIdle);
  CHECK(session_status(s, kT0 + 59 * kMinute, std::nullopt, policy).message() ==
        "session ended after 30 minutes without use; run `xcloudctl login`");
  touch(s, kT0);  // an older request does not move last_seen back
  CHECK(s.last_seen_ms == kT0 + 29 * kMinute);
  // Without an idle timeout only the lifetime counts.
  CHECK(session_valid(s, kT0 + 7 * kHourMs, std::nullopt));
}

TEST_CASE("session policies out of range are refused") {
  CHECK(check_session_policy({}).ok());
  CHECK(check_session_policy({30'000, 0}).message() ==
        "session lifetime is 30 s; it must be 1 minute to 7 days");
  CHECK_FALSE(check_session_policy({8 * 24 * kHourMs, 0}).ok());
  CHECK(check_session_policy({kHourMs, 2 * kHourMs}).message() ==
        "session idle timeout is 7200 s; it must be 0 (none) or 1 minute to the session "
        "lifetime");
}
