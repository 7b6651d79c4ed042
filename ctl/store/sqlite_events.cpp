#include "ctl/store/sqlite_events.h"

#include "ctl/store/sqlite_open.h"
#include "ctl/store/sqlite_statement.h"

namespace xc {
namespace {

constexpr const char* kEventColumns =
    "id, time_ms, received_ms, host, tenant, vm, domain, type, detail, boot_id, "
    "coalesce(agent_seq, 0)";

EventRecord read_event(Statement& s) {
  EventRecord e;
  e.id = s.int64(0);
  e.time_ms = s.int64(1);
  e.received_ms = s.int64(2);
  e.host = s.text(3);
  e.tenant = s.text(4);
  e.vm = s.text(5);
  e.domain = s.text(6);
  e.type = s.text(7);
  e.detail = s.text(8);
  e.boot_id = s.text(9);
  e.agent_seq = s.int64(10);
  return e;
}

}  // namespace

Status SqliteEvents::fail(int rc, const std::string& context) const {
  return error(sqlite_code(rc),
               "state database " + path_ + ": " + context + ": " + sqlite3_errmsg(db_));
}

Status SqliteEvents::insert(const std::vector<EventRecord>& events) {
  for (const EventRecord& e : events) {
    Statement s(
        db_,
        "INSERT OR IGNORE INTO events (time_ms, received_ms, host, tenant, vm, domain, "
        "type, detail, boot_id, agent_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.bind(e.time_ms).bind(e.received_ms).bind(e.host).bind(e.tenant).bind(e.vm).bind(e.domain);
    s.bind(e.type).bind(e.detail).bind(e.boot_id);
    if (e.agent_seq > 0)
      s.bind(e.agent_seq);
    else
      s.bind_null();
    if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "event of host " + e.host);
  }
  return {};
}

Result<std::vector<EventRecord>> SqliteEvents::list(const EventFilter& f) {
  // Empty filter fields match everything; the newest `limit` are chosen
  // first, then shown oldest first.
  std::string where =
      "FROM events WHERE (?1 = '' OR host = ?1) AND (?2 = '' OR tenant = ?2) AND "
      "(?3 = '' OR vm = ?3) AND time_ms >= ?4";
  if (f.newest_per_object) {
    // A VM's events follow it across hosts; a host's and an unmanaged
    // domain's stay with the host; backup events apart (is_backup_event).
    where =
        "FROM (SELECT *, row_number() OVER (PARTITION BY CASE WHEN vm <> '' THEN '' ELSE host "
        "END, tenant, vm, CASE WHEN vm <> '' THEN '' ELSE domain END, substr(type, 1, 7) = "
        "'backup-' ORDER BY time_ms DESC, id DESC) AS newest " +
        where + ") WHERE newest = 1";
  }
  std::string sql = "SELECT * FROM (SELECT " + std::string(kEventColumns) + " " + where +
                    " ORDER BY time_ms DESC, id DESC LIMIT ?5) ORDER BY time_ms, id";
  Statement s(db_, sql.c_str());
  s.bind(f.host).bind(f.tenant).bind(f.vm).bind(f.since_ms.value_or(INT64_MIN));
  s.bind(f.limit > 0 ? f.limit : int64_t{-1});
  std::vector<EventRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read_event(s));
  if (rc != SQLITE_DONE) return fail(rc, "events");
  return out;
}

Result<int64_t> SqliteEvents::prune(int64_t before_ms) {
  Statement s(db_, "DELETE FROM events WHERE time_ms < ?1");
  s.bind(before_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "events");
  return static_cast<int64_t>(sqlite3_changes(db_));
}

Result<std::optional<EventCursor>> SqliteEvents::get_cursor(const std::string& host) {
  Statement s(db_, "SELECT host, boot_id, seq, updated_at_ms FROM event_cursors WHERE host = ?1");
  s.bind(host);
  int rc = s.step();
  if (rc == SQLITE_ROW)
    return std::optional<EventCursor>(EventCursor{s.text(0), s.text(1), s.int64(2), s.int64(3)});
  if (rc == SQLITE_DONE) return std::optional<EventCursor>();
  return fail(rc, "event cursor of host " + host);
}

Status SqliteEvents::put_cursor(const EventCursor& c) {
  Statement s(db_,
              "INSERT INTO event_cursors (host, boot_id, seq, updated_at_ms) VALUES (?1, ?2, ?3, "
              "?4) ON CONFLICT (host) DO UPDATE SET boot_id = excluded.boot_id, seq = "
              "excluded.seq, updated_at_ms = excluded.updated_at_ms");
  s.bind(c.host).bind(c.boot_id).bind(c.seq).bind(c.updated_at_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "event cursor of host " + c.host);
  return {};
}

}  // namespace xc
