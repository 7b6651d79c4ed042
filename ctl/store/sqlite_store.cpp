#include "ctl/store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ctl/store/sqlite_alarms.h"
#include "ctl/store/sqlite_backup_runs.h"
#include "ctl/store/sqlite_events.h"
#include "ctl/store/sqlite_metric_rows.h"
#include "ctl/store/sqlite_moves.h"
#include "ctl/store/sqlite_open.h"
#include "ctl/store/sqlite_requests.h"
#include "ctl/store/sqlite_statement.h"
#include "ctl/store/state_file.h"

namespace xc {
namespace {

constexpr const char* kHostColumns =
    "name, address, transport, pool, zone, arch, facts_json, updated_at_ms";
constexpr const char* kResourceColumns =
    "kind, tenant, name, spec_json, spec_hash, generation, manifest_set, updated_at_ms";

HostRecord read_host(Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.int64(7)};
}
ResourceRecord read_resource(Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5), s.text(6), s.int64(7)};
}
PlacementRecord read_placement(Statement& s) {
  return {s.text(0), s.text(1), s.text(2), s.text(3)};
}

constexpr const char* kAuditColumns =
    "seq, time_ms, actor, as_user, reason, origin_host, command, kind, tenant, name, action, "
    "hash_before, hash_after, result, message, prev_digest, digest";

AuditRecord read_audit(Statement& s) {
  AuditRecord r;
  r.seq = s.int64(0);
  r.time_ms = s.int64(1);
  int column = 2;
  for (std::string* f :
       {&r.actor, &r.as_user, &r.reason, &r.origin_host, &r.command, &r.kind, &r.tenant, &r.name,
        &r.action, &r.hash_before, &r.hash_after, &r.result, &r.message}) {
    *f = s.text(column++);
  }
  r.prev_digest = s.blob(column++);
  r.digest = s.blob(column);
  return r;
}

std::string select(const char* columns, const char* rest) {
  return std::string("SELECT ") + columns + " " + rest;
}

// Creates the missing directories above `path` with mode 0700: the state
// directory will hold the CA key too.
Status make_parent_dirs(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  std::filesystem::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return error(Code::kIo, "state database " + path + ": cannot create directory " +
                                partial.string() + ": " + std::strerror(errno));
  }
  return {};
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, sqlite3* db)
      : path_(std::move(path)),
        db_(db),
        events_(db_, path_),
        moves_(db_, path_),
        backup_runs_(db_, path_),
        requests_(db_, path_) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  Status open(const std::vector<Migration>& migrations, int target_version, OpenMode mode);
  // For a database this process cannot write: no WAL switch, no migration.
  Status open_read_only(int latest);

  Result<int> schema_version() override;
  Status transact(const std::function<Status()>& body) override;
  Status upsert_host(const HostRecord& host) override;
  Result<HostRecord> get_host(const std::string& name) override;
  Result<std::vector<HostRecord>> list_hosts() override;
  Result<ResourceRecord> put_resource(const ResourceRecord& resource) override;
  Result<ResourceRecord> get_resource(const ResourceKey& key) override;
  Result<std::vector<ResourceRecord>> list_resources(
      const std::optional<std::string>& kind) override;
  Status delete_resource(const ResourceKey& key) override;
  Status set_placement(const ResourceKey& key, const std::string& host) override;
  Result<PlacementRecord> get_placement(const ResourceKey& key) override;
  Result<std::vector<PlacementRecord>> list_placements() override;
  Result<std::optional<std::string>> get_meta(const std::string& key) override;
  Status put_meta(const std::string& key, const std::string& value) override;
  Status insert_audit_record(const AuditRecord& record) override;
  Result<std::optional<AuditRecord>> last_audit_record() override;
  Status scan_audit_records(const AuditFilter& filter,
                            const std::function<bool(const AuditRecord&)>& visit) override;
  Status delete_audit_records_through(int64_t seq) override;
  Status open_meter_interval(const MeterInterval& interval) override;
  Status close_meter_intervals(const std::string& tenant, const std::string& vm,
                               int64_t end_ms) override;
  Result<std::vector<MeterInterval>> list_meter_intervals(int64_t from_ms, int64_t to_ms) override;
  Result<int64_t> last_meter_instant_ms() override;
  Result<std::vector<MeterInterval>> list_open_meter_intervals(const std::string& tenant,
                                                               const std::string& vm) override;
  Status insert_closed_month(const ClosedMonthRecord& month) override;
  Result<std::optional<ClosedMonthRecord>> get_closed_month(const std::string& month) override;
  Result<std::vector<ClosedMonthRecord>> list_closed_months() override;
  Result<BillAdjustmentRecord> insert_bill_adjustment(const BillAdjustmentRecord& a) override;
  Result<std::vector<BillAdjustmentRecord>> list_bill_adjustments(
      const std::string& month) override;
  Result<std::vector<AddressAllocation>> list_address_allocations() override;
  Status put_address_allocation(const AddressAllocation& allocation) override;
  Status delete_address_allocation(const std::string& tenant, const std::string& vm, int64_t nic,
                                   const std::string& family) override;
  Status delete_vm_address_allocations(const std::string& tenant, const std::string& vm) override;
  Status insert_events(const std::vector<EventRecord>& events) override {
    return events_.insert(events);
  }
  Result<std::vector<EventRecord>> list_events(const EventFilter& filter) override {
    return events_.list(filter);
  }
  Result<int64_t> prune_events(int64_t before_ms) override { return events_.prune(before_ms); }
  Result<std::optional<EventCursor>> get_event_cursor(const std::string& host) override {
    return events_.get_cursor(host);
  }
  Status put_event_cursor(const EventCursor& cursor) override { return events_.put_cursor(cursor); }
  Status put_move(const MoveRecord& move) override { return moves_.put(move); }
  Result<std::vector<MoveRecord>> list_moves() override { return moves_.list(); }
  Status delete_move(const std::string& tenant, const std::string& name) override {
    return moves_.remove(tenant, name);
  }
  Status put_backup_run(const BackupRunRecord& run) override { return backup_runs_.put(run); }
  Result<std::vector<BackupRunRecord>> list_backup_runs() override { return backup_runs_.list(); }
  Result<int64_t> insert_request(const RequestRecord& r) override { return requests_.insert(r); }
  Result<RequestRecord> get_request(int64_t id) override { return requests_.get(id); }
  Result<std::vector<RequestRecord>> list_requests(int64_t since_ms) override {
    return requests_.list(since_ms);
  }
  Status update_request(const RequestRecord& r, const std::string& from_state) override {
    return requests_.update(r, from_state);
  }
  Result<int64_t> metric_object_id(const std::string& kind, const std::string& tenant,
                                   const std::string& name) override {
    return metrics().object_id(kind, tenant, name);
  }
  Result<std::vector<MetricObject>> list_metric_objects() override {
    return metrics().list_objects();
  }
  Status put_metric_rows(const std::vector<MetricRow>& rows, bool rollups) override {
    return metrics().put_rows(rows, rollups);
  }
  Status scan_metric_rows(int64_t from_ms, int64_t to_ms, bool rollups,
                          const std::function<bool(const MetricRow&)>& visit) override {
    return metrics().scan_rows(from_ms, to_ms, rollups, visit);
  }
  Result<MetricPrune> prune_metric_rows(int64_t raw_before_ms, int64_t rollups_before_ms) override {
    return metrics().prune(raw_before_ms, rollups_before_ms);
  }
  Result<int64_t> insert_alarm(const AlarmRecord& alarm) override { return alarms().insert(alarm); }
  Status update_alarm(const AlarmRecord& alarm) override { return alarms().update(alarm); }
  Result<AlarmRecord> get_alarm(int64_t id) override { return alarms().get(id); }
  Result<std::vector<AlarmRecord>> list_alarms(bool active_only, int64_t since_ms) override {
    return alarms().list(active_only, since_ms);
  }
  Status add_alarm_note(const AlarmNote& note) override { return alarms().add_note(note); }
  Result<std::vector<AlarmNote>> list_alarm_notes(int64_t alarm_id) override {
    return alarms().notes(alarm_id);
  }
  Result<std::vector<AlarmDelivery>> list_alarm_deliveries(int64_t alarm_id) override {
    return alarms().deliveries(alarm_id);
  }
  Status put_alarm_delivery(const AlarmDelivery& delivery) override {
    return alarms().put_delivery(delivery);
  }

 private:
  SqliteMetricRows metrics() { return SqliteMetricRows(db_, path_); }
  SqliteAlarms alarms() { return SqliteAlarms(db_, path_); }
  // "state database PATH: [context: ]sqlite's message", coded by `rc`.
  Status fail(int rc, const std::string& context = "") const {
    std::string prefix = "state database " + path_ + ": ";
    if (!context.empty()) prefix += context + ": ";
    return error(sqlite_code(rc), prefix + sqlite3_errmsg(db_));
  }
  // For constant SQL only (pragmas, transaction control, migrations).
  Status exec(const std::string& sql, const std::string& context = "") {
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? Status{} : fail(rc, context);
  }
  void rollback_quietly(const char* sql) {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  }
  Status newer_schema(int version, int latest) const {
    return error(Code::kFailedPrecondition, "state database " + path_ + " has schema version " +
                                                std::to_string(version) +
                                                ", newer than this xcloudctl supports (" +
                                                std::to_string(latest) + "); upgrade xcloudctl");
  }
  Status uninitialised() const {
    return error(Code::kFailedPrecondition,
                 "state database " + path_ +
                     " is not an xcloud state (schema version 0); run 'xcloudctl init' first");
  }
  Status apply(const Migration& migration, int latest);
  template <typename Record, typename Read>
  Result<std::vector<Record>> list(Statement& s, Read read);

  std::string path_;
  sqlite3* db_;
  SqliteEvents events_;
  SqliteMoves moves_;
  SqliteBackupRuns backup_runs_;
  SqliteRequests requests_;
  int depth_ = 0;  // transact() nesting
};

Result<int> SqliteStore::schema_version() {
  Statement s(db_, "PRAGMA user_version");
  if (int rc = s.step(); rc != SQLITE_ROW) return fail(rc);
  return static_cast<int>(s.int64(0));
}

Status SqliteStore::open(const std::vector<Migration>& migrations, int target_version,
                         OpenMode mode) {
  // Wait for other processes first: everything below may need a lock.
  if (Status st = exec("PRAGMA busy_timeout=10000"); !st.ok()) return st;
  Result<int> version = schema_version();
  if (!version.ok()) return version.status();
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (*version > latest) return newer_schema(*version, latest);
  if (*version == 0 && mode != OpenMode::kCreate) return uninitialised();

  {
    Statement wal(db_, "PRAGMA journal_mode=WAL");
    if (int rc = wal.step(); rc != SQLITE_ROW) return fail(rc, "cannot enable WAL mode");
    if (std::string mode = wal.text(0); mode != "wal") {
      return error(Code::kIo, "state database " + path_ +
                                  ": cannot enable WAL mode (journal mode is " + mode + ")");
    }
  }  // finalized here: a pending statement would block the migrations' COMMIT
  if (Status st = exec("PRAGMA synchronous=NORMAL"); !st.ok()) return st;
  // Off while migrating, as SQLite's ALTER TABLE procedure asks; apply()
  // checks the keys itself before each commit.
  if (Status st = exec("PRAGMA foreign_keys=OFF"); !st.ok()) return st;
  for (const Migration& m : migrations) {
    if (m.version > target_version) break;
    if (m.version <= *version) continue;
    if (Status st = apply(m, latest); !st.ok()) return st;
  }
  return exec("PRAGMA foreign_keys=ON");
}

Status SqliteStore::open_read_only(int latest) {
  if (Status st = exec("PRAGMA busy_timeout=10000"); !st.ok()) return st;
  Result<int> version = schema_version();
  if (!version.ok()) return version.status();
  if (*version > latest) return newer_schema(*version, latest);
  if (*version == 0) return uninitialised();
  if (*version < latest) {
    return error(Code::kFailedPrecondition,
                 "state database " + path_ + " has schema version " + std::to_string(*version) +
                     " and must be migrated to " + std::to_string(latest) +
                     ", which a read-only state cannot be; run 'xcloudctl init' where it is "
                     "writable");
  }
  return exec("PRAGMA query_only=ON");
}

// One migration, one transaction. The version is read again under the write
// lock: another process may have migrated since we looked.
Status SqliteStore::apply(const Migration& m, int latest) {
  if (Status st = exec("BEGIN IMMEDIATE"); !st.ok()) return st;
  Status result = [&]() -> Status {
    Result<int> now = schema_version();
    if (!now.ok()) return now.status();
    if (*now > latest) return newer_schema(*now, latest);
    if (*now >= m.version) return {};
    std::string context =
        "migration " + std::to_string(m.version) + " (" + m.description + ") failed";
    if (Status st = exec(m.sql, context); !st.ok()) return st;
    Statement check(db_, "PRAGMA foreign_key_check");
    int rc = check.step();
    if (rc == SQLITE_ROW) {
      return error(Code::kInternal, "state database " + path_ + ": " + context +
                                        ": it breaks a foreign key in table " + check.text(0));
    }
    if (rc != SQLITE_DONE) return fail(rc, context);
    return exec("PRAGMA user_version=" + std::to_string(m.version), context);
  }();
  if (result.ok()) result = exec("COMMIT");
  if (!result.ok()) rollback_quietly("ROLLBACK");
  return result;
}

Status SqliteStore::transact(const std::function<Status()>& body) {
  const bool nested = depth_ > 0;
  if (Status st = exec(nested ? "SAVEPOINT xc_nested" : "BEGIN IMMEDIATE"); !st.ok()) return st;
  ++depth_;
  // Rolls back if the body returns an error or throws.
  struct Guard {
    SqliteStore* store;
    bool nested;
    bool done = false;
    ~Guard() {
      --store->depth_;
      if (done) return;
      if (nested) {
        sqlite3_exec(store->db_, "ROLLBACK TO xc_nested; RELEASE xc_nested", nullptr, nullptr,
                     nullptr);
      } else {
        store->rollback_quietly("ROLLBACK");
      }
    }
  } guard{this, nested};
  Status result = body();
  if (!result.ok()) return result;
  result = exec(nested ? "RELEASE xc_nested" : "COMMIT");
  guard.done = result.ok();
  return result;
}

Status SqliteStore::upsert_host(const HostRecord& h) {
  Statement s(db_,
              "INSERT INTO hosts (name, address, transport, pool, zone, arch, facts_json, "
              "updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
              "ON CONFLICT (name) DO UPDATE SET address = excluded.address, "
              "transport = excluded.transport, pool = excluded.pool, zone = excluded.zone, "
              "arch = excluded.arch, facts_json = excluded.facts_json, "
              "updated_at_ms = excluded.updated_at_ms");
  s.bind(h.name).bind(h.address).bind(h.transport).bind(h.pool).bind(h.zone).bind(h.arch);
  s.bind(h.facts_json).bind(h.updated_at_ms);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "host \"" + h.name + "\"");
  return {};
}

Result<HostRecord> SqliteStore::get_host(const std::string& name) {
  Statement s(db_, select(kHostColumns, "FROM hosts WHERE name = ?1").c_str());
  s.bind(name);
  int rc = s.step();
  if (rc == SQLITE_ROW) return read_host(s);
  if (rc == SQLITE_DONE) {
    return error(Code::kNotFound, "host \"" + name + "\": not found in the state database");
  }
  return fail(rc, "host \"" + name + "\"");
}

template <typename Record, typename Read>
Result<std::vector<Record>> SqliteStore::list(Statement& s, Read read) {
  std::vector<Record> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back(read(s));
  if (rc != SQLITE_DONE) return fail(rc);
  return out;
}

Result<std::vector<HostRecord>> SqliteStore::list_hosts() {
  Statement s(db_, select(kHostColumns, "FROM hosts ORDER BY name").c_str());
  return list<HostRecord>(s, read_host);
}

Result<ResourceRecord> SqliteStore::put_resource(const ResourceRecord& r) {
  // Old column values on the right of SET: the generation moves only when
  // the hash does.
  Statement s(db_,
              "INSERT INTO resources (kind, tenant, name, spec_json, spec_hash, generation, "
              "manifest_set, updated_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7) "
              "ON CONFLICT (kind, tenant, name) DO UPDATE SET "
              "generation = CASE WHEN spec_hash = excluded.spec_hash THEN generation "
              "ELSE generation + 1 END, "
              "updated_at_ms = CASE WHEN spec_hash = excluded.spec_hash THEN updated_at_ms "
              "ELSE excluded.updated_at_ms END, "
              "spec_json = excluded.spec_json, spec_hash = excluded.spec_hash, "
              "manifest_set = excluded.manifest_set "
              "RETURNING kind, tenant, name, spec_json, spec_hash, generation, manifest_set, "
              "updated_at_ms");
  s.bind(r.key()).bind(r.spec_json).bind(r.spec_hash).bind(r.manifest_set).bind(r.updated_at_ms);
  if (int rc = s.step(); rc != SQLITE_ROW) return fail(rc, to_string(r.key()));
  ResourceRecord stored = read_resource(s);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, to_string(r.key()));
  return stored;
}

Result<ResourceRecord> SqliteStore::get_resource(const ResourceKey& key) {
  Statement s(
      db_, select(kResourceColumns, "FROM resources WHERE kind = ?1 AND tenant = ?2 AND name = ?3")
               .c_str());
  s.bind(key);
  int rc = s.step();
  if (rc == SQLITE_ROW) return read_resource(s);
  if (rc == SQLITE_DONE) {
    return error(Code::kNotFound, to_string(key) + ": not found in the state database");
  }
  return fail(rc, to_string(key));
}

Result<std::vector<ResourceRecord>> SqliteStore::list_resources(
    const std::optional<std::string>& kind) {
  if (!kind) {
    Statement s(db_,
                select(kResourceColumns, "FROM resources ORDER BY kind, tenant, name").c_str());
    return list<ResourceRecord>(s, read_resource);
  }
  Statement s(
      db_,
      select(kResourceColumns, "FROM resources WHERE kind = ?1 ORDER BY tenant, name").c_str());
  s.bind(*kind);
  return list<ResourceRecord>(s, read_resource);
}

Status SqliteStore::delete_resource(const ResourceKey& key) {
  Statement s(db_, "DELETE FROM resources WHERE kind = ?1 AND tenant = ?2 AND name = ?3");
  s.bind(key);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, to_string(key));
  if (sqlite3_changes(db_) == 0) {
    return error(Code::kNotFound, to_string(key) + ": not found in the state database");
  }
  return {};
}

Status SqliteStore::set_placement(const ResourceKey& key, const std::string& host) {
  Statement s(db_,
              "INSERT INTO placements (kind, tenant, name, host) VALUES (?1, ?2, ?3, ?4) "
              "ON CONFLICT (kind, tenant, name) DO UPDATE SET host = excluded.host");
  s.bind(key).bind(host);
  int rc = s.step();
  if (rc == SQLITE_DONE) return {};
  if (rc != SQLITE_CONSTRAINT_FOREIGNKEY) return fail(rc, to_string(key));
  // The key constraint does the refusing; say which side is missing.
  std::string what = to_string(key) + ": cannot place on host \"" + host + "\": ";
  if (Result<ResourceRecord> r = get_resource(key); !r.ok()) {
    if (r.status().code() != Code::kNotFound) return r.status();
    return error(Code::kFailedPrecondition, what + "the resource is not in the state database");
  }
  if (Result<HostRecord> h = get_host(host); !h.ok() && h.status().code() != Code::kNotFound) {
    return h.status();
  }
  return error(Code::kFailedPrecondition, what + "no such host in the state database");
}

Result<PlacementRecord> SqliteStore::get_placement(const ResourceKey& key) {
  Statement s(db_,
              "SELECT kind, tenant, name, host FROM placements "
              "WHERE kind = ?1 AND tenant = ?2 AND name = ?3");
  s.bind(key);
  int rc = s.step();
  if (rc == SQLITE_ROW) return read_placement(s);
  if (rc == SQLITE_DONE) return error(Code::kNotFound, to_string(key) + ": not placed on any host");
  return fail(rc, to_string(key));
}

Result<std::vector<PlacementRecord>> SqliteStore::list_placements() {
  Statement s(db_, "SELECT kind, tenant, name, host FROM placements ORDER BY kind, tenant, name");
  return list<PlacementRecord>(s, read_placement);
}

Result<std::optional<std::string>> SqliteStore::get_meta(const std::string& key) {
  Statement s(db_, "SELECT value FROM meta WHERE key = ?1");
  s.bind(key);
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(s.text(0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return fail(rc, "meta \"" + key + "\"");
}

Status SqliteStore::put_meta(const std::string& key, const std::string& value) {
  Statement s(db_,
              "INSERT INTO meta (key, value) VALUES (?1, ?2) "
              "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  s.bind(key).bind(value);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "meta \"" + key + "\"");
  return {};
}

Status SqliteStore::insert_audit_record(const AuditRecord& r) {
  Statement s(db_, (std::string("INSERT INTO audit_log (") + kAuditColumns +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                    "?16, ?17)")
                       .c_str());
  s.bind(r.seq).bind(r.time_ms).bind(r.actor).bind(r.as_user).bind(r.reason).bind(r.origin_host);
  s.bind(r.command).bind(r.kind).bind(r.tenant).bind(r.name).bind(r.action).bind(r.hash_before);
  s.bind(r.hash_after).bind(r.result).bind(r.message).bind_blob(r.prev_digest).bind_blob(r.digest);
  std::string what = "audit record seq " + std::to_string(r.seq);
  int rc = s.step();
  if (rc == SQLITE_DONE) return {};
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
    return error(Code::kConflict, "state database " + path_ + ": " + what + " already exists");
  return fail(rc, what);
}

Result<std::optional<AuditRecord>> SqliteStore::last_audit_record() {
  Statement s(db_, select(kAuditColumns, "FROM audit_log ORDER BY seq DESC LIMIT 1").c_str());
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<AuditRecord>(read_audit(s));
  if (rc == SQLITE_DONE) return std::optional<AuditRecord>();
  return fail(rc, "audit log");
}

Status SqliteStore::scan_audit_records(const AuditFilter& f,
                                       const std::function<bool(const AuditRecord&)>& visit) {
  std::string where = "WHERE seq > ?";
  if (f.since_ms) where += " AND time_ms >= ?";
  if (f.until_ms) where += " AND time_ms < ?";
  if (!f.actor.empty()) where += " AND (actor = ? OR as_user = ?)";
  // A tenant's own records, those of tenants below it, and the Tenant
  // objects themselves (named by their path, with an empty tenant).
  if (!f.tenant.empty()) {
    where +=
        " AND (tenant = ? OR substr(tenant, 1, length(?) + 1) = ? || '/'"
        " OR (kind = 'Tenant' AND (name = ? OR substr(name, 1, length(?) + 1) = ? || '/')))";
  }
  if (!f.kind.empty()) where += " AND kind = ?";
  if (!f.object.empty()) where += " AND (name = ? OR tenant || '/' || name = ?)";
  Statement s(db_,
              select(kAuditColumns, ("FROM audit_log " + where + " ORDER BY seq").c_str()).c_str());
  s.bind(f.after_seq);
  if (f.since_ms) s.bind(*f.since_ms);
  if (f.until_ms) s.bind(*f.until_ms);
  if (!f.actor.empty()) s.bind(f.actor).bind(f.actor);
  if (!f.tenant.empty()) {
    for (int i = 0; i < 6; ++i) s.bind(f.tenant);
  }
  if (!f.kind.empty()) s.bind(f.kind);
  if (!f.object.empty()) s.bind(f.object).bind(f.object);
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    if (!visit(read_audit(s))) return {};
  }
  if (rc != SQLITE_DONE) return fail(rc, "audit log");
  return {};
}

Status SqliteStore::delete_audit_records_through(int64_t seq) {
  if (sqlite3_get_autocommit(db_)) {
    return error(
        Code::kFailedPrecondition,
        "state database " + path_ + ": audit records are deleted only inside a transaction");
  }
  // Restored from its own definition, so the trigger comes back exactly as
  // the migration made it.
  std::string trigger;
  {
    Statement def(db_,
                  "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = "
                  "'audit_log_no_delete'");
    int rc = def.step();
    if (rc == SQLITE_DONE) {
      return error(Code::kFailedPrecondition,
                   "state database " + path_ +
                       ": the trigger audit_log_no_delete is missing; the database was altered "
                       "outside xcloud");
    }
    if (rc != SQLITE_ROW) return fail(rc, "audit log");
    trigger = def.text(0);
  }  // finalized: a running statement would block the DROP
  if (Status st = exec("DROP TRIGGER audit_log_no_delete", "audit log"); !st.ok()) return st;
  {
    Statement del(db_, "DELETE FROM audit_log WHERE seq <= ?1");
    del.bind(seq);
    if (int rc = del.step(); rc != SQLITE_DONE) return fail(rc, "audit log");
  }
  return exec(trigger, "audit log");
}

constexpr const char* kMeterColumns =
    "tenant, system, vm, item, quantity, start_ms, end_ms, running";

MeterInterval read_meter(Statement& s) {
  MeterInterval m;
  m.tenant = s.text(0);
  m.system = s.text(1);
  m.vm = s.text(2);
  m.item = s.text(3);
  m.quantity = s.int64(4);
  m.start_ms = s.int64(5);
  if (!s.is_null(6)) m.end_ms = s.int64(6);
  m.running = s.int64(7) != 0;
  return m;
}

Status SqliteStore::open_meter_interval(const MeterInterval& m) {
  Statement s(db_, (std::string("INSERT INTO meter_intervals (") + kMeterColumns +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                       .c_str());
  s.bind(m.tenant).bind(m.system).bind(m.vm).bind(m.item).bind(m.quantity).bind(m.start_ms);
  if (m.end_ms) {
    s.bind(*m.end_ms);
  } else {
    s.bind_null();
  }
  s.bind(int64_t{m.running ? 1 : 0});
  std::string what = "meter interval " + m.tenant + "/" + m.vm + " " + m.item;
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, what);
  return {};
}

Status SqliteStore::close_meter_intervals(const std::string& tenant, const std::string& vm,
                                          int64_t end_ms) {
  Statement s(db_,
              "UPDATE meter_intervals SET end_ms = ?1 "
              "WHERE tenant = ?2 AND vm = ?3 AND end_ms IS NULL");
  s.bind(end_ms).bind(tenant).bind(vm);
  if (int rc = s.step(); rc != SQLITE_DONE) {
    return fail(rc, "meter intervals of " + tenant + "/" + vm);
  }
  return {};
}

Result<std::vector<MeterInterval>> SqliteStore::list_meter_intervals(int64_t from_ms,
                                                                     int64_t to_ms) {
  Statement s(db_, select(kMeterColumns,
                          "FROM meter_intervals WHERE start_ms < ?1 AND "
                          "(end_ms IS NULL OR end_ms > ?2) ORDER BY tenant, vm, start_ms, item, id")
                       .c_str());
  s.bind(to_ms).bind(from_ms);
  return list<MeterInterval>(s, read_meter);
}

Result<int64_t> SqliteStore::last_meter_instant_ms() {
  Statement s(db_,
              "SELECT max(coalesce((SELECT max(start_ms) FROM meter_intervals), 0), "
              "coalesce((SELECT max(end_ms) FROM meter_intervals), 0))");
  if (int rc = s.step(); rc != SQLITE_ROW) return fail(rc, "meter intervals");
  return s.int64(0);
}

Result<std::vector<MeterInterval>> SqliteStore::list_open_meter_intervals(const std::string& tenant,
                                                                          const std::string& vm) {
  Statement s(db_, select(kMeterColumns,
                          "FROM meter_intervals WHERE tenant = ?1 AND vm = ?2 AND end_ms IS NULL "
                          "ORDER BY item, id")
                       .c_str());
  s.bind(tenant).bind(vm);
  return list<MeterInterval>(s, read_meter);
}

constexpr const char* kAllocationColumns = "tenant, vm, nic, family, network, address";

AddressAllocation read_allocation(Statement& s) {
  return {s.text(0), s.text(1), s.int64(2), s.text(3), s.text(4), s.text(5)};
}

Result<std::vector<AddressAllocation>> SqliteStore::list_address_allocations() {
  Statement s(
      db_, select(kAllocationColumns, "FROM address_allocations ORDER BY tenant, vm, nic, family")
               .c_str());
  return list<AddressAllocation>(s, read_allocation);
}

Status SqliteStore::put_address_allocation(const AddressAllocation& a) {
  // An upsert, not INSERT OR REPLACE: that would quietly take the address
  // from the NIC holding it.
  Statement s(db_, (std::string("INSERT INTO address_allocations (") + kAllocationColumns +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant, vm, nic, family) "
                    "DO UPDATE SET network = excluded.network, address = excluded.address")
                       .c_str());
  s.bind(a.tenant).bind(a.vm).bind(a.nic).bind(a.family).bind(a.network).bind(a.address);
  std::string what =
      "address " + a.address + " of " + a.tenant + "/" + a.vm + " nic " + std::to_string(a.nic);
  int rc = s.step();
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    return error(Code::kConflict, what + ": another NIC of network " + a.network + " holds it");
  if (rc != SQLITE_DONE) return fail(rc, what);
  return {};
}

Status SqliteStore::delete_address_allocation(const std::string& tenant, const std::string& vm,
                                              int64_t nic, const std::string& family) {
  Statement s(db_,
              "DELETE FROM address_allocations "
              "WHERE tenant = ?1 AND vm = ?2 AND nic = ?3 AND family = ?4");
  s.bind(tenant).bind(vm).bind(nic).bind(family);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "addresses of " + tenant + "/" + vm);
  return {};
}

Status SqliteStore::delete_vm_address_allocations(const std::string& tenant,
                                                  const std::string& vm) {
  Statement s(db_, "DELETE FROM address_allocations WHERE tenant = ?1 AND vm = ?2");
  s.bind(tenant).bind(vm);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "addresses of " + tenant + "/" + vm);
  return {};
}

constexpr const char* kClosedMonthColumns = "month, closed_at_ms, bill_json, digest";

ClosedMonthRecord read_closed_month(Statement& s) {
  return {s.text(0), s.int64(1), s.text(2), s.blob(3)};
}

Status SqliteStore::insert_closed_month(const ClosedMonthRecord& m) {
  Statement s(db_, (std::string("INSERT INTO closed_months (") + kClosedMonthColumns +
                    ") VALUES (?1, ?2, ?3, ?4)")
                       .c_str());
  s.bind(m.month).bind(m.closed_at_ms).bind(m.bill_json).bind_blob(m.digest);
  int rc = s.step();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return error(Code::kAlreadyExists, "month " + m.month + " is already closed");
  }
  if (rc != SQLITE_DONE) return fail(rc, "closed month " + m.month);
  return {};
}

Result<std::optional<ClosedMonthRecord>> SqliteStore::get_closed_month(const std::string& month) {
  Statement s(db_, select(kClosedMonthColumns, "FROM closed_months WHERE month = ?1").c_str());
  s.bind(month);
  int rc = s.step();
  if (rc == SQLITE_ROW) return std::optional<ClosedMonthRecord>(read_closed_month(s));
  if (rc == SQLITE_DONE) return std::optional<ClosedMonthRecord>();
  return fail(rc, "closed month " + month);
}

Result<std::vector<ClosedMonthRecord>> SqliteStore::list_closed_months() {
  Statement s(db_, select(kClosedMonthColumns, "FROM closed_months ORDER BY month").c_str());
  return list<ClosedMonthRecord>(s, read_closed_month);
}

constexpr const char* kAdjustmentColumns =
    "id, month, tenant, item, amount_fen, reason, created_at_ms, actor";

BillAdjustmentRecord read_adjustment(Statement& s) {
  return {s.int64(0), s.text(1), s.text(2),  s.text(3),
          s.int64(4), s.text(5), s.int64(6), s.text(7)};
}

Result<BillAdjustmentRecord> SqliteStore::insert_bill_adjustment(const BillAdjustmentRecord& a) {
  Statement s(db_,
              "INSERT INTO bill_adjustments (month, tenant, item, amount_fen, reason, "
              "created_at_ms, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  s.bind(a.month).bind(a.tenant).bind(a.item).bind(a.amount_fen).bind(a.reason);
  s.bind(a.created_at_ms).bind(a.actor);
  if (int rc = s.step(); rc != SQLITE_DONE) return fail(rc, "bill adjustment in " + a.month);
  BillAdjustmentRecord out = a;
  out.id = sqlite3_last_insert_rowid(db_);
  return out;
}

Result<std::vector<BillAdjustmentRecord>> SqliteStore::list_bill_adjustments(
    const std::string& month) {
  Statement s(
      db_,
      select(kAdjustmentColumns, "FROM bill_adjustments WHERE month = ?1 ORDER BY id").c_str());
  s.bind(month);
  return list<BillAdjustmentRecord>(s, read_adjustment);
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, OpenMode mode,
                                                 const std::vector<Migration>& migrations,
                                                 int target_version) {
  if (mode != OpenMode::kCreate) {
    if (Status s = check_state_file_exists(path); !s.ok()) return s;
  }
  if (mode == OpenMode::kCreate) {
    if (Status s = make_parent_dirs(path); !s.ok()) return s;
    // Create it ourselves so it is private from the start; SQLite gives the
    // -wal and -shm files the same mode.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ::close(fd);
    } else if (errno != EEXIST) {
      return error(Code::kIo,
                   "state database " + path + ": cannot create: " + std::strerror(errno));
    }
  }
  std::optional<std::string> read_only = why_state_read_only(path);
  if (read_only && mode != OpenMode::kRead) {
    return error(Code::kPermissionDenied, "state database " + path +
                                              " cannot be changed: " + *read_only +
                                              ". Commands that only read it still work");
  }
  int latest = migrations.empty() ? 0 : migrations.back().version;
  Result<sqlite3*> db = read_only ? open_sqlite_read_only(path) : open_sqlite_read_write(path);
  if (!db.ok()) return db.status();
  auto store = std::make_unique<SqliteStore>(path, *db);
  Status opened =
      read_only ? store->open_read_only(latest) : store->open(migrations, target_version, mode);
  if (!opened.ok()) return opened;
  return std::unique_ptr<Store>(std::move(store));
}

Result<std::unique_ptr<Store>> open_store(const std::string& path, OpenMode mode) {
  return open_sqlite_store(path, mode, schema_migrations(), latest_schema_version());
}

}  // namespace xc
