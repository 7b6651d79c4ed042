#include "ctl/store/sqlite_backup_runs.h"

#include "ctl/store/sqlite_open.h"
#include "ctl/store/sqlite_statement.h"

namespace xc {

Status SqliteBackupRuns::fail(int rc, const std::string& context) const {
  return error(sqlite_code(rc),
               "state database " + path_ + ": " + context + ": " + sqlite3_errmsg(db_));
}

Status SqliteBackupRuns::put(const BackupRunRecord& r) {
  Statement s(db_,
              "INSERT INTO backup_runs (policy_tenant, policy, tenant, vm, last_attempt_ms, "
              "last_success_ms, last_backup_id, result, error, failures) VALUES (?1, ?2, ?3, ?4, "
              "?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (policy_tenant, policy, tenant, vm) DO UPDATE "
              "SET last_attempt_ms = ?5, last_success_ms = ?6, last_backup_id = ?7, result = ?8, "
              "error = ?9, failures = ?10");
  s.bind(r.policy_tenant).bind(r.policy).bind(r.tenant).bind(r.vm).bind(r.last_attempt_ms);
  s.bind(r.last_success_ms).bind(r.last_backup_id).bind(r.result).bind(r.error).bind(r.failures);
  if (int rc = s.step(); rc != SQLITE_DONE)
    return fail(rc, "backup run of " + r.policy + " for " + r.tenant + "/" + r.vm);
  return {};
}

Result<std::vector<BackupRunRecord>> SqliteBackupRuns::list() {
  Statement s(db_,
              "SELECT policy_tenant, policy, tenant, vm, last_attempt_ms, last_success_ms, "
              "last_backup_id, result, error, failures FROM backup_runs "
              "ORDER BY policy_tenant, policy, tenant, vm");
  std::vector<BackupRunRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    BackupRunRecord r;
    r.policy_tenant = s.text(0);
    r.policy = s.text(1);
    r.tenant = s.text(2);
    r.vm = s.text(3);
    r.last_attempt_ms = s.int64(4);
    r.last_success_ms = s.int64(5);
    r.last_backup_id = s.text(6);
    r.result = s.text(7);
    r.error = s.text(8);
    r.failures = s.int64(9);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return fail(rc, "backup runs");
  return out;
}

}  // namespace xc
