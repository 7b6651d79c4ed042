#include "ctl/access/session_token.h"

#include <openssl/rand.h>

#include <algorithm>

#include "common/openssl_util.h"
#include "common/sm_crypto.h"
#include "common/time.h"

namespace xc::access {
namespace {

constexpr int64_t kOneMinuteMs = 60'000;
constexpr int64_t kMaxLifetimeMs = 7 * 24 * kHourMs;

}  // namespace

Status check_session_policy(const SessionPolicy& policy) {
  if (policy.lifetime_ms < kOneMinuteMs || policy.lifetime_ms > kMaxLifetimeMs)
    return error(Code::kInvalidArgument, "session lifetime is " +
                                             std::to_string(policy.lifetime_ms / 1000) +
                                             " s; it must be 1 minute to 7 days");
  if (policy.idle_timeout_ms != 0 &&
      (policy.idle_timeout_ms < kOneMinuteMs || policy.idle_timeout_ms > policy.lifetime_ms))
    return error(Code::kInvalidArgument,
                 "session idle timeout is " + std::to_string(policy.idle_timeout_ms / 1000) +
                     " s; it must be 0 (none) or 1 minute to the session lifetime");
  return {};
}

Session new_session(std::string user, std::optional<uint32_t> os_uid, int64_t now_ms,
                    const SessionPolicy& policy) {
  return Session{std::move(user), os_uid, now_ms, now_ms + policy.lifetime_ms, now_ms};
}

Result<IssuedToken> issue_token() {
  unsigned char bytes[kTokenBytes];
  if (RAND_bytes(bytes, sizeof bytes) != 1)
    return error(Code::kInternal, "RAND_bytes: " + ossl::last_error());
  IssuedToken out;
  out.token = to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  OPENSSL_cleanse(bytes, sizeof bytes);
  Result<std::string> digest = token_digest(out.token);
  if (!digest.ok()) return digest.status();
  out.digest = std::move(*digest);
  return out;
}

Result<std::string> token_digest(std::string_view token) {
  const bool well_formed =
      token.size() == kTokenChars && std::all_of(token.begin(), token.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      });
  if (!well_formed) return error(Code::kInvalidArgument, "session token is malformed");
  Result<Sm3Digest> digest = sm3(token);
  if (!digest.ok()) return digest.status();
  return to_hex(as_bytes(*digest));
}

SessionCheck check_session(const Session& session, int64_t now_ms,
                           std::optional<uint32_t> caller_os_uid, const SessionPolicy& policy) {
  if (session.os_uid != caller_os_uid) return SessionCheck::kWrongOsUser;
  if (now_ms < session.created_ms) return SessionCheck::kNotYetValid;
  if (now_ms >= session.expires_ms) return SessionCheck::kExpired;
  if (policy.idle_timeout_ms > 0 && now_ms - session.last_seen_ms >= policy.idle_timeout_ms)
    return SessionCheck::kIdle;
  return SessionCheck::kValid;
}

bool session_valid(const Session& session, int64_t now_ms, std::optional<uint32_t> caller_os_uid,
                   const SessionPolicy& policy) {
  return check_session(session, now_ms, caller_os_uid, policy) == SessionCheck::kValid;
}

Status session_status(const Session& session, int64_t now_ms, std::optional<uint32_t> caller_os_uid,
                      const SessionPolicy& policy) {
  const std::string again = "; run `xcloudctl login`";
  switch (check_session(session, now_ms, caller_os_uid, policy)) {
    case SessionCheck::kValid:
      return {};
    case SessionCheck::kExpired:
      return error(Code::kPermissionDenied,
                   "session expired at " + format_time_ms(session.expires_ms) + again);
    case SessionCheck::kIdle:
      return error(Code::kPermissionDenied,
                   "session ended after " + std::to_string(policy.idle_timeout_ms / kOneMinuteMs) +
                       " minutes without use" + again);
    case SessionCheck::kWrongOsUser:
      return error(Code::kPermissionDenied,
                   "session belongs to another OS user or connection kind" + again);
    case SessionCheck::kNotYetValid:
      return error(Code::kPermissionDenied, "session starts at " +
                                                format_time_ms(session.created_ms) +
                                                " (is the controller's clock behind?)" + again);
  }
  return error(Code::kInternal, "session: unknown check result");
}

void touch(Session& session, int64_t now_ms) {
  session.last_seen_ms = std::max(session.last_seen_ms, now_ms);
}

}  // namespace xc::access
