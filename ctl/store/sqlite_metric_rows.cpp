#include "ctl/store/sqlite_metric_rows.h"

#include "ctl/store/sqlite_open.h"
#include "ctl/store/sqlite_statement.h"

namespace xc {

Status SqliteMetricRows::fail(int rc, const std::string& context) const {
  return error(sqlite_code(rc),
               "state database " + path_ + ": " + context + ": " + sqlite3_errmsg(db_));
}

Result<int64_t> SqliteMetricRows::object_id(const std::string& kind, const std::string& tenant,
                                            const std::string& name) {
  Statement find(db_, "SELECT id FROM metric_objects WHERE kind = ? AND tenant = ? AND name = ?");
  find.bind(kind).bind(tenant).bind(name);
  int rc = find.step();
  if (rc == SQLITE_ROW) return find.int64(0);
  if (rc != SQLITE_DONE) return fail(rc, "metric object");
  Statement add(db_, "INSERT INTO metric_objects (kind, tenant, name) VALUES (?, ?, ?)");
  add.bind(kind).bind(tenant).bind(name);
  if (int r = add.step(); r != SQLITE_DONE) return fail(r, "metric object");
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<std::vector<MetricObject>> SqliteMetricRows::list_objects() {
  Statement s(db_, "SELECT id, kind, tenant, name FROM metric_objects ORDER BY id");
  std::vector<MetricObject> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3)});
  if (rc != SQLITE_DONE) return fail(rc, "metric objects");
  return out;
}

Status SqliteMetricRows::put_rows(const std::vector<MetricRow>& rows, bool rollups) {
  Statement s(db_, rollups ? "INSERT OR REPLACE INTO metric_rollups (time_ms, host_id, "
                             "host_values, vm_values) VALUES (?, ?, ?, ?)"
                           : "INSERT OR REPLACE INTO metric_samples (time_ms, host_id, "
                             "host_values, vm_values) VALUES (?, ?, ?, ?)");
  for (const MetricRow& r : rows) {
    s.bind(r.time_ms).bind(r.host_id).bind_blob(r.host_values).bind_blob(r.vm_values);
    if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "metric rows");
    s.reset();
  }
  return {};
}

Status SqliteMetricRows::scan_rows(int64_t from_ms, int64_t to_ms, bool rollups,
                                   const std::function<bool(const MetricRow&)>& visit) {
  Statement s(db_, rollups ? "SELECT time_ms, host_id, host_values, vm_values FROM metric_rollups "
                             "WHERE time_ms >= ? AND time_ms < ? ORDER BY time_ms, host_id"
                           : "SELECT time_ms, host_id, host_values, vm_values FROM metric_samples "
                             "WHERE time_ms >= ? AND time_ms < ? ORDER BY time_ms, host_id");
  s.bind(from_ms).bind(to_ms);
  int rc;
  MetricRow row;
  while ((rc = s.step()) == SQLITE_ROW) {
    row.time_ms = s.int64(0);
    row.host_id = s.int64(1);
    row.host_values = s.blob(2);
    row.vm_values = s.blob(3);
    if (!visit(row)) return {};
  }
  if (rc != SQLITE_DONE) return fail(rc, "metric rows");
  return {};
}

Result<MetricPrune> SqliteMetricRows::prune(int64_t raw_before_ms, int64_t rollups_before_ms) {
  MetricPrune out;
  Statement raw(db_, "DELETE FROM metric_samples WHERE time_ms < ?");
  raw.bind(raw_before_ms);
  if (int rc = raw.step(); rc != SQLITE_DONE) return fail(rc, "pruning metric samples");
  out.raw_rows = sqlite3_changes(db_);
  Statement rollups(db_, "DELETE FROM metric_rollups WHERE time_ms < ?");
  rollups.bind(rollups_before_ms);
  if (int rc = rollups.step(); rc != SQLITE_DONE) return fail(rc, "pruning metric rollups");
  out.rollup_rows = sqlite3_changes(db_);
  return out;
}

}  // namespace xc
