// The second factor at the controller's socket: `xcloudctl login` checks a
// TOTP code against the operator's secret (lockout after repeated failures)
// and opens a session bound to the user and, on the socket, their OS uid
// (an HTTPS login has none: its first factor is the client certificate);
// every later command must carry a live session of the same door. Each step is audited. Called from
// the operator server's connection threads; each call opens its own stores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "ctl/access/access_store.h"
#include "ctl/access/user_records.h"

namespace xc {

inline constexpr int64_t kSessionLifetimeMs = 8 * 3'600'000;

struct LoginResult {
  std::string token;  // for the client to keep; only its digest is stored
  int64_t expires_ms = 0;
};

// kPermissionDenied with the reason (wrong code, replay, locked until ...).
Result<LoginResult> operator_login(const std::string& state, const UserRecord& user,
                                   std::optional<uint32_t> uid, const std::string& code,
                                   const std::string& via, int64_t now_ms);

// Whether `token` is a live session of `user` from `uid` (nullopt: HTTPS).
Status check_operator_session(AccessStore& access, const UserRecord& user,
                              std::optional<uint32_t> uid, const std::string& token,
                              int64_t now_ms);

// Ends the session `token` (logout); audited.
Status operator_logout(const std::string& state, const UserRecord& user, const std::string& token,
                       const std::string& via);

}  // namespace xc
