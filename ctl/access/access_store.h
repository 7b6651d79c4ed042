// Users, login failures, sessions (tables of migration 11) and console
// grants (migration 14) in the state database, on a connection of its own beside the Store's. One
// thread at a time, like its connection.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/access/user_records.h"

namespace xc {

class AccessStore {
 public:
  // The database must exist and be migrated (open_store first).
  static Result<std::unique_ptr<AccessStore>> open(const std::string& path);
  ~AccessStore();
  AccessStore(const AccessStore&) = delete;
  AccessStore& operator=(const AccessStore&) = delete;

  Status add_user(const UserRecord& user);  // kAlreadyExists when taken
  Status update_user(const UserRecord& user);
  Status delete_user(const std::string& name);
  Result<std::optional<UserRecord>> user(const std::string& name);
  Result<std::optional<UserRecord>> user_by_os_user(const std::string& os_user);
  Result<std::vector<UserRecord>> users();

  Status add_login_failure(const std::string& user, int64_t at_ms);
  Result<std::vector<int64_t>> login_failures(const std::string& user, int64_t since_ms);
  Status clear_login_failures(const std::string& user);

  Status put_session(const SessionRecord& session);
  Result<std::optional<SessionRecord>> session(const std::string& token_digest);
  // Ends sessions: one by digest, or every session of a user ("" digest).
  Status end_sessions(const std::string& user, const std::string& token_digest);

  // Console grants (migration 14): the new grant's id.
  Result<int64_t> add_console_grant(const ConsoleGrant& grant);
  Result<std::optional<ConsoleGrant>> console_grant(int64_t id);
  // Grants not revoked and not expired at `now_ms`; of `tenant` when given.
  Result<std::vector<ConsoleGrant>> live_console_grants(int64_t now_ms, const std::string& tenant);
  // Whether `grantee` may open `tenant`/`vm`'s console at `now_ms`.
  Result<std::optional<ConsoleGrant>> console_grant_for(const std::string& grantee,
                                                        const std::string& tenant,
                                                        const std::string& vm, int64_t now_ms);
  Status revoke_console_grant(int64_t id, int64_t now_ms);  // kNotFound when none is live

 private:
  AccessStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Status fail(int rc, const std::string& context) const;
  Result<std::vector<UserRecord>> select_users(const std::string& where, const std::string& arg);

  sqlite3* db_;
  std::string path_;
};

}  // namespace xc
