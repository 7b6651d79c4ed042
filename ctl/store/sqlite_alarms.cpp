#include "ctl/store/sqlite_alarms.h"

#include "ctl/store/sqlite_open.h"
#include "ctl/store/sqlite_statement.h"

namespace xc {
namespace {

constexpr const char* kAlarmColumns =
    "id, rule, object, host, pool, tenant, severity, state, summary, value, labels_json, "
    "assignee, started_ms, updated_ms, acked_ms, acked_by, cleared_ms, cleared_by";

AlarmRecord read_alarm(Statement& s) {
  AlarmRecord a;
  a.id = s.int64(0);
  a.rule = s.text(1);
  a.object = s.text(2);
  a.host = s.text(3);
  a.pool = s.text(4);
  a.tenant = s.text(5);
  a.severity = s.text(6);
  a.state = s.text(7);
  a.summary = s.text(8);
  a.value = s.text(9);
  a.labels_json = s.text(10);
  a.assignee = s.text(11);
  a.started_ms = s.int64(12);
  a.updated_ms = s.int64(13);
  a.acked_ms = s.int64(14);
  a.acked_by = s.text(15);
  a.cleared_ms = s.int64(16);
  a.cleared_by = s.text(17);
  return a;
}

void bind_fields(Statement& s, const AlarmRecord& a) {
  s.bind(a.rule).bind(a.object).bind(a.host).bind(a.pool).bind(a.tenant).bind(a.severity);
  s.bind(a.state).bind(a.summary).bind(a.value).bind(a.labels_json).bind(a.assignee);
  s.bind(a.started_ms).bind(a.updated_ms).bind(a.acked_ms).bind(a.acked_by).bind(a.cleared_ms);
  s.bind(a.cleared_by);
}

}  // namespace

Status SqliteAlarms::fail(int rc, const std::string& context) const {
  return error(sqlite_code(rc),
               "state database " + path_ + ": " + context + ": " + sqlite3_errmsg(db_));
}

Result<int64_t> SqliteAlarms::insert(const AlarmRecord& a) {
  Statement s(db_,
              "INSERT INTO alarms (rule, object, host, pool, tenant, severity, state, summary, "
              "value, labels_json, assignee, started_ms, updated_ms, acked_ms, acked_by, "
              "cleared_ms, cleared_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
              "?12, ?13, ?14, ?15, ?16, ?17)");
  bind_fields(s, a);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "alarm " + a.rule + " of " + a.object);
  return static_cast<int64_t>(sqlite3_last_insert_rowid(db_));
}

Status SqliteAlarms::update(const AlarmRecord& a) {
  Statement s(db_,
              "UPDATE alarms SET rule = ?1, object = ?2, host = ?3, pool = ?4, tenant = ?5, "
              "severity = ?6, state = ?7, summary = ?8, value = ?9, labels_json = ?10, "
              "assignee = ?11, started_ms = ?12, updated_ms = ?13, acked_ms = ?14, "
              "acked_by = ?15, cleared_ms = ?16, cleared_by = ?17 WHERE id = ?18");
  bind_fields(s, a);
  s.bind(a.id);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "alarm " + std::to_string(a.id));
  if (sqlite3_changes(db_) == 0)
    return error(Code::kNotFound, "alarm " + std::to_string(a.id) + " not found");
  return {};
}

Result<AlarmRecord> SqliteAlarms::get(int64_t id) {
  std::string sql = "SELECT " + std::string(kAlarmColumns) + " FROM alarms WHERE id = ?1";
  Statement s(db_, sql.c_str());
  s.bind(id);
  int rc = s.step();
  if (rc == SQLITE_ROW) return read_alarm(s);
  if (rc == SQLITE_DONE)
    return error(Code::kNotFound, "alarm " + std::to_string(id) + " not found");
  return fail(rc, "alarm " + std::to_string(id));
}

Result<std::vector<AlarmRecord>> SqliteAlarms::list(bool active_only, int64_t since_ms) {
  std::string sql = "SELECT " + std::string(kAlarmColumns) +
                    " FROM alarms WHERE (?1 = 0 OR state != 'cleared') AND "
                    "(state != 'cleared' OR cleared_ms >= ?2 OR started_ms >= ?2) ORDER BY id";
  Statement s(db_, sql.c_str());
  s.bind(int64_t{active_only ? 1 : 0}).bind(since_ms);
  std::vector<AlarmRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_alarm(s));
  if (rc != SQLITE_DONE) return fail(rc, "alarms");
  return out;
}

Status SqliteAlarms::add_note(const AlarmNote& n) {
  Statement s(db_,
              "INSERT INTO alarm_notes (alarm_id, time_ms, actor, action, text) "
              "VALUES (?1, ?2, ?3, ?4, ?5)");
  s.bind(n.alarm_id).bind(n.time_ms).bind(n.actor).bind(n.action).bind(n.text);
  if (int rc = s.step(); rc != SQLITE_DONE)
    return fail(rc, "note of alarm " + std::to_string(n.alarm_id));
  return {};
}

Result<std::vector<AlarmNote>> SqliteAlarms::notes(int64_t alarm_id) {
  Statement s(db_,
              "SELECT id, alarm_id, time_ms, actor, action, text FROM alarm_notes "
              "WHERE alarm_id = ?1 ORDER BY id");
  s.bind(alarm_id);
  std::vector<AlarmNote> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3), s.text(4), s.text(5)});
  if (rc != SQLITE_DONE) return fail(rc, "notes of alarm " + std::to_string(alarm_id));
  return out;
}

Result<std::vector<AlarmDelivery>> SqliteAlarms::deliveries(int64_t alarm_id) {
  Statement s(db_,
              "SELECT alarm_id, route, receiver, state, last_sent_ms, count, last_error "
              "FROM alarm_deliveries WHERE alarm_id = ?1 ORDER BY route, receiver");
  s.bind(alarm_id);
  std::vector<AlarmDelivery> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.int64(4), s.int64(5), s.text(6)});
  if (rc != SQLITE_DONE) return fail(rc, "deliveries of alarm " + std::to_string(alarm_id));
  return out;
}

Status SqliteAlarms::put_delivery(const AlarmDelivery& d) {
  Statement s(db_,
              "INSERT OR REPLACE INTO alarm_deliveries (alarm_id, route, receiver, state, "
              "last_sent_ms, count, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(d.alarm_id).bind(d.route).bind(d.receiver).bind(d.state).bind(d.last_sent_ms);
  s.bind(d.count).bind(d.last_error);
  if (int rc = s.step(); rc != SQLITE_DONE)
    return fail(rc, "delivery of alarm " + std::to_string(d.alarm_id));
  return {};
}

}  // namespace xc
