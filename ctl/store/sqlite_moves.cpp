#include "ctl/store/sqlite_moves.h"

#include "ctl/store/sqlite_open.h"
#include "ctl/store/sqlite_statement.h"

namespace xc {

Status SqliteMoves::fail(int rc, const std::string& context) const {
  return error(sqlite_code(rc),
               "state database " + path_ + ": " + context + ": " + sqlite3_errmsg(db_));
}

Status SqliteMoves::put(const MoveRecord& m) {
  Statement s(db_,
              "INSERT INTO vm_moves (tenant, name, domain, from_host, to_host, mode, phase, "
              "spec_json, started_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
              "ON CONFLICT (tenant, name) DO UPDATE SET domain = ?3, from_host = ?4, to_host = ?5, "
              "mode = ?6, phase = ?7, spec_json = ?8, updated_ms = ?10");
  s.bind(m.tenant).bind(m.name).bind(m.domain).bind(m.from_host).bind(m.to_host).bind(m.mode);
  s.bind(m.phase).bind(m.spec_json).bind(m.started_ms).bind(m.updated_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "move of " + m.tenant + "/" + m.name);
  return {};
}

Result<std::vector<MoveRecord>> SqliteMoves::list() {
  Statement s(db_,
              "SELECT tenant, name, domain, from_host, to_host, mode, phase, spec_json, "
              "started_ms, updated_ms FROM vm_moves ORDER BY started_ms, tenant, name");
  std::vector<MoveRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    MoveRecord m;
    m.tenant = s.text(0);
    m.name = s.text(1);
    m.domain = s.text(2);
    m.from_host = s.text(3);
    m.to_host = s.text(4);
    m.mode = s.text(5);
    m.phase = s.text(6);
    m.spec_json = s.text(7);
    m.started_ms = s.int64(8);
    m.updated_ms = s.int64(9);
    out.push_back(std::move(m));
  }
  if (rc != SQLITE_DONE) return fail(rc, "moves");
  return out;
}

Status SqliteMoves::remove(const std::string& tenant, const std::string& name) {
  Statement s(db_, "DELETE FROM vm_moves WHERE tenant = ?1 AND name = ?2");
  s.bind(tenant).bind(name);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "move of " + tenant + "/" + name);
  return {};
}

}  // namespace xc
