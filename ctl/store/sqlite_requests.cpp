#include "ctl/store/sqlite_requests.h"

#include "ctl/store/sqlite_open.h"
#include "ctl/store/sqlite_statement.h"

namespace xc {
namespace {

constexpr const char* kColumns =
    "id, action, offering, tenant, vm, system, size, image, state, requester, decided_by, "
    "comment, decision_comment, reason, created_ms, updated_ms";

RequestRecord row(Statement& s) {
  RequestRecord r;
  r.id = s.int64(0);
  r.action = s.text(1);
  r.offering = s.text(2);
  r.tenant = s.text(3);
  r.vm = s.text(4);
  r.system = s.text(5);
  r.size = s.text(6);
  r.image = s.text(7);
  r.state = s.text(8);
  r.requester = s.text(9);
  r.decided_by = s.text(10);
  r.comment = s.text(11);
  r.decision_comment = s.text(12);
  r.reason = s.text(13);
  r.created_ms = s.int64(14);
  r.updated_ms = s.int64(15);
  return r;
}

std::string select_sql(const char* where) {
  return std::string("SELECT ") + kColumns + " FROM requests " + where;
}

}  // namespace

Status SqliteRequests::fail(int rc, const std::string& context) const {
  return error(sqlite_code(rc),
               "state database " + path_ + ": " + context + ": " + sqlite3_errmsg(db_));
}

Result<int64_t> SqliteRequests::insert(const RequestRecord& r) {
  Statement s(db_,
              "INSERT INTO requests (action, offering, tenant, vm, system, size, image, state, "
              "requester, decided_by, comment, decision_comment, reason, created_ms, updated_ms) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  s.bind(r.action).bind(r.offering).bind(r.tenant).bind(r.vm).bind(r.system).bind(r.size);
  s.bind(r.image).bind(r.state).bind(r.requester).bind(r.decided_by).bind(r.comment);
  s.bind(r.decision_comment).bind(r.reason).bind(r.created_ms).bind(r.updated_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "new request");
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<RequestRecord> SqliteRequests::get(int64_t id) {
  std::string sql = select_sql("WHERE id = ?1");
  Statement s(db_, sql.c_str());
  s.bind(id);
  int rc = s.step();
  if (rc == SQLITE_ROW) return row(s);
  if (rc == SQLITE_DONE) return error(Code::kNotFound, "no request " + std::to_string(id));
  return fail(rc, "request " + std::to_string(id));
}

Result<std::vector<RequestRecord>> SqliteRequests::list(int64_t updated_since_ms) {
  std::string sql = select_sql("WHERE updated_ms >= ?1 ORDER BY id");
  Statement s(db_, sql.c_str());
  s.bind(updated_since_ms);
  std::vector<RequestRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(row(s));
  if (rc != SQLITE_DONE) return fail(rc, "requests");
  return out;
}

Status SqliteRequests::update(const RequestRecord& r, const std::string& from_state) {
  Statement s(db_,
              "UPDATE requests SET state = ?1, decided_by = ?2, decision_comment = ?3, "
              "reason = ?4, updated_ms = ?5 WHERE id = ?6 AND state = ?7");
  s.bind(r.state).bind(r.decided_by).bind(r.decision_comment).bind(r.reason).bind(r.updated_ms);
  s.bind(r.id).bind(from_state);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "request " + std::to_string(r.id));
  if (sqlite3_changes(db_) == 0)
    return error(Code::kConflict, "request " + std::to_string(r.id) + " is no longer " +
                                      from_state + " (another command changed it)");
  return {};
}

}  // namespace xc
