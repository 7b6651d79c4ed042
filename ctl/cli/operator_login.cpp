#include "ctl/cli/operator_login.h"

#include "common/totp.h"
#include "ctl/access/access_store.h"
#include "ctl/access/lockout.h"
#include "ctl/access/session_token.h"
#include "ctl/audit/audit_log.h"
#include "ctl/store/store.h"

namespace xc {
namespace {

// Lock times are shown in the bureau's zone (China Standard Time, UTC+8).
constexpr int64_t kShownOffsetMs = 8 * 3'600'000;

void audit(const std::string& state, const std::string& user, const std::string& action,
           const std::string& via, const Status& outcome) {
  auto store = open_store(state, OpenMode::kExisting);
  if (!store.ok()) return;
  AuditIdentity who = current_identity({"xcloudctl", action}, "", "");
  who.actor = user;
  AuditRecord record = who.record("User", "", user, action);
  record.result = outcome.ok() ? kAuditOk : kAuditError;
  record.message = outcome.ok() ? via : via + ": " + outcome.message();
  (void)AuditLog(**store).append(record);
}

totp::Params params_of(const UserRecord& u) {
  totp::Params p;
  p.algorithm = totp::parse_algorithm(u.totp_algorithm).value_or(totp::Algorithm::kSha1);
  return p;
}

}  // namespace

Result<LoginResult> operator_login(const std::string& state, const UserRecord& user,
                                   std::optional<uint32_t> uid, const std::string& code,
                                   const std::string& via, int64_t now_ms) {
  auto opened = AccessStore::open(state);
  if (!opened.ok()) return opened.status();
  AccessStore& access = **opened;
  const access::LockoutPolicy policy;
  auto failures = access.login_failures(user.name, now_ms - policy.window_ms - policy.lock_for_ms);
  if (!failures.ok()) return failures.status();
  access::LoginHistory history{*failures, std::nullopt, std::nullopt};
  access::LockoutState before = access::lockout_state(history, policy, now_ms);
  if (before.locked) {
    Status s = error(Code::kPermissionDenied,
                     access::lockout_message(user.name, before, now_ms, kShownOffsetMs));
    audit(state, user.name, "login-refused", via, s);
    return s;
  }
  auto secret = totp::decode_secret(user.totp_secret);
  if (!secret.ok()) {
    Status s = error(Code::kPermissionDenied,
                     "user " + user.name +
                         " has no second factor enrolled; a secadmin runs 'xcloudctl user totp " +
                         user.name + "'");
    audit(state, user.name, "login-refused", via, s);
    return s;
  }
  auto step = totp::verify(
      *secret, code, now_ms, params_of(user), 1,
      user.last_totp_step > 0 ? std::optional<int64_t>(user.last_totp_step) : std::nullopt);
  if (!step.ok()) {
    if (Status s = access.add_login_failure(user.name, now_ms); !s.ok()) return s;
    history.failures_ms.push_back(now_ms);
    access::LockoutState after = access::lockout_state(history, policy, now_ms);
    Status s = error(
        Code::kPermissionDenied,
        "login failed: " + step.status().message() +
            (after.locked ? "; " + access::lockout_message(user.name, after, now_ms, kShownOffsetMs)
                          : ""));
    audit(state, user.name, after.locked ? "login-locked" : "login-failed", via, s);
    return s;
  }
  UserRecord updated = user;
  updated.last_totp_step = *step;
  updated.updated_ms = now_ms;
  if (Status s = access.update_user(updated); !s.ok()) return s;
  if (Status s = access.clear_login_failures(user.name); !s.ok()) return s;
  auto token = access::issue_token();
  if (!token.ok()) return token.status();
  SessionRecord session{token->digest, user.name, uid ? int64_t{*uid} : -1, now_ms,
                        now_ms + kSessionLifetimeMs};
  if (Status s = access.put_session(session); !s.ok()) return s;
  audit(state, user.name, "login", via, Status{});
  return LoginResult{token->token, session.expires_ms};
}

Status check_operator_session(AccessStore& access, const UserRecord& user,
                              std::optional<uint32_t> uid, const std::string& token,
                              int64_t now_ms) {
  const Status refused =
      error(Code::kPermissionDenied,
            "log in first: xcloudctl login (the code from your authenticator); sessions last " +
                std::to_string(kSessionLifetimeMs / 3'600'000) + " hours");
  if (token.empty()) return refused;
  auto digest = access::token_digest(token);
  if (!digest.ok()) return refused;
  auto found = access.session(*digest);
  if (!found.ok()) return found.status();
  if (!*found || (*found)->user != user.name) return refused;
  access::Session s;
  s.user = (*found)->user;
  if ((*found)->os_uid >= 0) s.os_uid = static_cast<uint32_t>((*found)->os_uid);
  s.created_ms = (*found)->created_ms;
  s.expires_ms = (*found)->expires_ms;
  s.last_seen_ms = s.created_ms;
  if (!access::session_valid(s, now_ms, uid)) return refused;
  return {};
}

Status operator_logout(const std::string& state, const UserRecord& user, const std::string& token,
                       const std::string& via) {
  auto digest = access::token_digest(token);
  if (!digest.ok()) return error(Code::kInvalidArgument, "not logged in");
  auto opened = AccessStore::open(state);
  if (!opened.ok()) return opened.status();
  Status s = (*opened)->end_sessions(user.name, *digest);
  audit(state, user.name, "logout", via, s);
  return s;
}

}  // namespace xc
