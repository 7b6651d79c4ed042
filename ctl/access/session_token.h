// Login sessions: the random token a client presents, the digest the store
// keeps instead of it, and whether a session is still good. Pure apart from
// RAND_bytes; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace xc::access {

inline constexpr size_t kTokenBytes = 32;
inline constexpr size_t kTokenChars = 2 * kTokenBytes;  // lowercase hex
inline constexpr int64_t kHourMs = 3'600'000;

struct SessionPolicy {
  int64_t lifetime_ms = 8 * kHourMs;  // 1 min..7 days
  int64_t idle_timeout_ms = 0;        // 0: none; else 1 min..lifetime
};

// kInvalidArgument naming the first value out of range.
Status check_session_policy(const SessionPolicy& policy);

struct Session {
  std::string user;
  std::optional<uint32_t> os_uid;  // set for a login over the Unix socket
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  int64_t last_seen_ms = 0;
};

// A fresh session for `user`, bound to `os_uid` when given.
Session new_session(std::string user, std::optional<uint32_t> os_uid, int64_t now_ms,
                    const SessionPolicy& policy);

struct IssuedToken {
  std::string token;   // given to the client once, never stored
  std::string digest;  // SM3 of the token, lowercase hex: what the store keeps
};

// 32 bytes from RAND_bytes as 64 lowercase hex characters, and its digest.
Result<IssuedToken> issue_token();

// The digest of a token a client presented, to look its session up;
// kInvalidArgument "session token is malformed" unless it is 64 lowercase hex
// characters (the text is never echoed: it may be a secret).
Result<std::string> token_digest(std::string_view token);

enum class SessionCheck { kValid, kExpired, kIdle, kWrongOsUser, kNotYetValid };

// A session is good from its creation until it expires, while it has been
// used within the idle timeout, and only for the OS user it is bound to (a
// session without one is good only for callers without one: a login over
// HTTPS does not serve the socket, nor the other way round).
SessionCheck check_session(const Session& session, int64_t now_ms,
                           std::optional<uint32_t> caller_os_uid, const SessionPolicy& policy);
bool session_valid(const Session& session, int64_t now_ms, std::optional<uint32_t> caller_os_uid,
                   const SessionPolicy& policy = {});

// Ok, or kPermissionDenied with a message saying why and what to do
// ("session expired at ...; run `xcloudctl login`").
Status session_status(const Session& session, int64_t now_ms, std::optional<uint32_t> caller_os_uid,
                      const SessionPolicy& policy = {});

// The session after a request at `now_ms` (last_seen moves forward only).
void touch(Session& session, int64_t now_ms);

}  // namespace xc::access
