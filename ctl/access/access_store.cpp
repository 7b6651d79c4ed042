#include "ctl/access/access_store.h"

#include "ctl/store/sqlite_open.h"
#include "ctl/store/sqlite_statement.h"

namespace xc {
namespace {

constexpr const char* kUserColumns =
    "name, os_user, roles, tenant_scope, totp_secret, totp_algorithm, last_totp_step, "
    "cert_serial, disabled, created_ms, updated_ms, totp_set_ms";

}  // namespace

Result<std::unique_ptr<AccessStore>> AccessStore::open(const std::string& path) {
  auto db = open_sqlite_read_write(path);
  if (!db.ok()) return db.status();
  sqlite3_busy_timeout(*db, 10'000);
  return std::unique_ptr<AccessStore>(new AccessStore(*db, path));
}

AccessStore::~AccessStore() {
  sqlite3_close_v2(db_);
}

Status AccessStore::fail(int rc, const std::string& context) const {
  return error(sqlite_code(rc),
               "state database " + path_ + ": " + context + ": " + sqlite3_errmsg(db_));
}

Status AccessStore::add_user(const UserRecord& u) {
  const std::string sql = std::string("INSERT INTO users (") + kUserColumns +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
  Statement s(db_, sql.c_str());
  s.bind(u.name).bind(u.os_user).bind(u.roles).bind(u.tenant_scope).bind(u.totp_secret);
  s.bind(u.totp_algorithm).bind(u.last_totp_step).bind(u.cert_serial);
  s.bind(int64_t{u.disabled}).bind(u.created_ms).bind(u.updated_ms).bind(u.totp_set_ms);
  int rc = s.step();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
    return error(Code::kAlreadyExists,
                 "user " + u.name + " or OS user " + u.os_user + " already exists");
  if (rc != SQLITE_DONE) return fail(rc, "user " + u.name);
  return {};
}

Status AccessStore::update_user(const UserRecord& u) {
  Statement s(db_,
              "UPDATE users SET os_user = ?2, roles = ?3, tenant_scope = ?4, totp_secret = ?5, "
              "totp_algorithm = ?6, last_totp_step = ?7, cert_serial = ?8, disabled = ?9, "
              "updated_ms = ?10, totp_set_ms = ?11 WHERE name = ?1");
  s.bind(u.name).bind(u.os_user).bind(u.roles).bind(u.tenant_scope).bind(u.totp_secret);
  s.bind(u.totp_algorithm).bind(u.last_totp_step).bind(u.cert_serial);
  s.bind(int64_t{u.disabled}).bind(u.updated_ms).bind(u.totp_set_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "user " + u.name);
  if (sqlite3_changes(db_) == 0) return error(Code::kNotFound, "user " + u.name + " not found");
  return {};
}

Status AccessStore::delete_user(const std::string& name) {
  if (Status s = end_sessions(name, ""); !s.ok()) return s;
  if (Status s = clear_login_failures(name); !s.ok()) return s;
  Statement s(db_, "DELETE FROM users WHERE name = ?1");
  s.bind(name);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "user " + name);
  if (sqlite3_changes(db_) == 0) return error(Code::kNotFound, "user " + name + " not found");
  return {};
}

Result<std::vector<UserRecord>> AccessStore::select_users(const std::string& where,
                                                          const std::string& arg) {
  // `where` is one of this file's literals; values are bound.
  const std::string sql =
      std::string("SELECT ") + kUserColumns + " FROM users " + where + " ORDER BY name";
  Statement s(db_, sql.c_str());
  if (!arg.empty()) s.bind(arg);
  std::vector<UserRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    UserRecord u;
    u.name = s.text(0);
    u.os_user = s.text(1);
    u.roles = s.text(2);
    u.tenant_scope = s.text(3);
    u.totp_secret = s.text(4);
    u.totp_algorithm = s.text(5);
    u.last_totp_step = s.int64(6);
    u.cert_serial = s.text(7);
    u.disabled = s.int64(8) != 0;
    u.created_ms = s.int64(9);
    u.updated_ms = s.int64(10);
    u.totp_set_ms = s.int64(11);
    out.push_back(std::move(u));
  }
  if (rc != SQLITE_DONE) return fail(rc, "users");
  return out;
}

Result<std::optional<UserRecord>> AccessStore::user(const std::string& name) {
  auto found = select_users("WHERE name = ?1", name);
  if (!found.ok()) return found.status();
  if (found->empty()) return std::optional<UserRecord>();
  return std::optional<UserRecord>(found->front());
}

Result<std::optional<UserRecord>> AccessStore::user_by_os_user(const std::string& os_user) {
  if (os_user.empty()) return std::optional<UserRecord>();
  auto found = select_users("WHERE os_user = ?1", os_user);
  if (!found.ok()) return found.status();
  if (found->empty()) return std::optional<UserRecord>();
  return std::optional<UserRecord>(found->front());
}

Result<std::vector<UserRecord>> AccessStore::users() {
  return select_users("", "");
}

Status AccessStore::add_login_failure(const std::string& user, int64_t at_ms) {
  Statement s(db_, "INSERT INTO login_failures (user, at_ms) VALUES (?1, ?2)");
  s.bind(user).bind(at_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "login failure of " + user);
  return {};
}

Result<std::vector<int64_t>> AccessStore::login_failures(const std::string& user,
                                                         int64_t since_ms) {
  Statement s(db_,
              "SELECT at_ms FROM login_failures WHERE user = ?1 AND at_ms >= ?2 ORDER BY at_ms");
  s.bind(user).bind(since_ms);
  std::vector<int64_t> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(s.int64(0));
  if (rc != SQLITE_DONE) return fail(rc, "login failures of " + user);
  return out;
}

Status AccessStore::clear_login_failures(const std::string& user) {
  Statement s(db_, "DELETE FROM login_failures WHERE user = ?1");
  s.bind(user);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "login failures of " + user);
  return {};
}

Status AccessStore::put_session(const SessionRecord& r) {
  Statement s(db_,
              "INSERT OR REPLACE INTO sessions (token_digest, user, os_uid, created_ms, "
              "expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(r.token_digest).bind(r.user).bind(r.os_uid).bind(r.created_ms).bind(r.expires_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "session of " + r.user);
  return {};
}

Result<std::optional<SessionRecord>> AccessStore::session(const std::string& token_digest) {
  Statement s(db_,
              "SELECT token_digest, user, os_uid, created_ms, expires_ms FROM sessions WHERE "
              "token_digest = ?1");
  s.bind(token_digest);
  int rc = s.step();
  if (rc == SQLITE_DONE) return std::optional<SessionRecord>();
  if (rc != SQLITE_ROW) return fail(rc, "session");
  SessionRecord r;
  r.token_digest = s.text(0);
  r.user = s.text(1);
  r.os_uid = s.int64(2);
  r.created_ms = s.int64(3);
  r.expires_ms = s.int64(4);
  return std::optional<SessionRecord>(r);
}

Status AccessStore::end_sessions(const std::string& user, const std::string& token_digest) {
  Statement s(db_, token_digest.empty() ? "DELETE FROM sessions WHERE user = ?1"
                                        : "DELETE FROM sessions WHERE user = ?1 AND "
                                          "token_digest = ?2");
  s.bind(user);
  if (!token_digest.empty()) s.bind(token_digest);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "sessions of " + user);
  return {};
}

namespace {

constexpr const char* kGrantColumns =
    "id, tenant, vm, grantee, granted_by, reason, created_ms, expires_ms, revoked_ms";

ConsoleGrant grant_of(Statement& s) {
  ConsoleGrant g;
  g.id = s.int64(0);
  g.tenant = s.text(1);
  g.vm = s.text(2);
  g.grantee = s.text(3);
  g.granted_by = s.text(4);
  g.reason = s.text(5);
  g.created_ms = s.int64(6);
  g.expires_ms = s.int64(7);
  g.revoked_ms = s.int64(8);
  return g;
}

}  // namespace

Result<int64_t> AccessStore::add_console_grant(const ConsoleGrant& g) {
  Statement s(db_,
              "INSERT INTO console_grants (tenant, vm, grantee, granted_by, reason, created_ms, "
              "expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(g.tenant).bind(g.vm).bind(g.grantee).bind(g.granted_by).bind(g.reason).bind(g.created_ms);
  s.bind(g.expires_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "console grant");
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<std::optional<ConsoleGrant>> AccessStore::console_grant(int64_t id) {
  const std::string sql =
      std::string("SELECT ") + kGrantColumns + " FROM console_grants WHERE id = ?1";
  Statement s(db_, sql.c_str());
  s.bind(id);
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<ConsoleGrant>(grant_of(s));
  if (rc != SQLITE_DONE) return fail(rc, "console grant");
  return std::optional<ConsoleGrant>();
}

Result<std::vector<ConsoleGrant>> AccessStore::live_console_grants(int64_t now_ms,
                                                                   const std::string& tenant) {
  const std::string sql = std::string("SELECT ") + kGrantColumns +
                          " FROM console_grants WHERE revoked_ms = 0 AND expires_ms > ?1 AND "
                          "(?2 = '' OR tenant = ?2) ORDER BY id";
  Statement s(db_, sql.c_str());
  s.bind(now_ms).bind(tenant);
  std::vector<ConsoleGrant> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(grant_of(s));
  if (rc != SQLITE_DONE) return fail(rc, "console grants");
  return out;
}

Result<std::optional<ConsoleGrant>> AccessStore::console_grant_for(const std::string& grantee,
                                                                   const std::string& tenant,
                                                                   const std::string& vm,
                                                                   int64_t now_ms) {
  const std::string sql = std::string("SELECT ") + kGrantColumns +
                          " FROM console_grants WHERE grantee = ?1 AND tenant = ?2 AND vm = ?3 "
                          "AND revoked_ms = 0 AND expires_ms > ?4 ORDER BY expires_ms DESC LIMIT 1";
  Statement s(db_, sql.c_str());
  s.bind(grantee).bind(tenant).bind(vm).bind(now_ms);
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<ConsoleGrant>(grant_of(s));
  if (rc != SQLITE_DONE) return fail(rc, "console grant");
  return std::optional<ConsoleGrant>();
}

Status AccessStore::revoke_console_grant(int64_t id, int64_t now_ms) {
  Statement s(db_,
              "UPDATE console_grants SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms = 0 AND "
              "expires_ms > ?2");
  s.bind(id).bind(now_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "console grant");
  if (sqlite3_changes(db_) == 0)
    return error(Code::kNotFound, "console grant " + std::to_string(id) + ": none live");
  return {};
}

}  // namespace xc
