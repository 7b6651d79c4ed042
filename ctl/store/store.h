// The state store: hosts, desired resources and placements behind one
// interface, so callers never see SQL and a PostgreSQL backend can be added.
// A Store object is used by one thread at a time; separate processes
// coordinate through the database's own locking.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/store/alarm_records.h"
#include "ctl/store/backup_run_records.h"
#include "ctl/store/metric_records.h"
#include "ctl/store/move_records.h"
#include "ctl/store/records.h"
#include "ctl/store/request_records.h"

namespace xc {

enum class OpenMode {
  kCreate,    // `xcloudctl init`: create the file and its directories if missing
  kExisting,  // commands that change the state: it must exist and be writable
  kRead,      // commands that only read: it must exist; opened read-only (and
              // never migrated) when the file or its directory is read-only
};

// What the store keeps, one interface per concern, so code that needs only
// one asks for only one (billing reads the meter, the audit log its rows).

// Hosts, desired resources, placements and small named values.
class InventoryStore {
 public:
  virtual ~InventoryStore() = default;
  virtual Status upsert_host(const HostRecord& host) = 0;
  virtual Result<HostRecord> get_host(const std::string& name) = 0;  // kNotFound if absent
  virtual Result<std::vector<HostRecord>> list_hosts() = 0;          // by name

  // Inserts or replaces and returns the stored record. The input's
  // `generation` is ignored: a new resource gets 1, and the generation and
  // updated_at_ms change only when spec_hash differs from the stored one
  // (spec_json and manifest_set are always replaced).
  virtual Result<ResourceRecord> put_resource(const ResourceRecord& resource) = 0;
  virtual Result<ResourceRecord> get_resource(const ResourceKey& key) = 0;  // kNotFound if absent
  // All resources, or those of one kind; ordered by kind, tenant, name.
  virtual Result<std::vector<ResourceRecord>> list_resources(
      const std::optional<std::string>& kind) = 0;
  // kNotFound if absent; its placement goes with it.
  virtual Status delete_resource(const ResourceKey& key) = 0;

  // Both the resource and the host must exist (kFailedPrecondition otherwise).
  virtual Status set_placement(const ResourceKey& key, const std::string& host) = 0;
  virtual Result<PlacementRecord> get_placement(const ResourceKey& key) = 0;  // kNotFound if none
  virtual Result<std::vector<PlacementRecord>> list_placements() = 0;  // by kind, tenant, name

  // Small named values (the audit chain's prune anchor, export cursors).
  virtual Result<std::optional<std::string>> get_meta(const std::string& key) = 0;
  virtual Status put_meta(const std::string& key, const std::string& value) = 0;
};

// The audit table's rows.
class AuditRowStore {
 public:
  virtual ~AuditRowStore() = default;
  // The audit table. Callers go through AuditLog (ctl/audit_log.h), which
  // computes the digests and keeps the chain; these only move rows.
  // Inserts `record` as given; kConflict if its seq is taken.
  virtual Status insert_audit_record(const AuditRecord& record) = 0;
  // The record with the highest seq, or nullopt when the table is empty.
  virtual Result<std::optional<AuditRecord>> last_audit_record() = 0;
  // Calls `visit` with each matching record in seq order until it returns
  // false. The records come from one snapshot of the table.
  virtual Status scan_audit_records(const AuditFilter& filter,
                                    const std::function<bool(const AuditRecord&)>& visit) = 0;
  // The one way audit rows leave: deletes those with seq <= `seq`, lifting
  // the database's no-delete trigger for that statement only. Must run inside
  // transact(), so the trigger is back before anything commits.
  virtual Status delete_audit_records_through(int64_t seq) = 0;
};

// Meter intervals.
class MeterStore {
 public:
  virtual ~MeterStore() = default;
  // Meter intervals (metering issue). The defaults refuse, so test doubles
  // that do not meter need not implement them.
  // Inserts `interval` (open when end_ms is empty).
  virtual Status open_meter_interval(const MeterInterval& interval) {
    (void)interval;
    return error(Code::kInternal, "this store does not keep meter intervals");
  }
  // Ends every open interval of the VM at `end_ms`.
  virtual Status close_meter_intervals(const std::string& tenant, const std::string& vm,
                                       int64_t end_ms) {
    (void)tenant, (void)vm, (void)end_ms;
    return error(Code::kInternal, "this store does not keep meter intervals");
  }
  // Intervals overlapping [from_ms, to_ms), open ones included; ordered by
  // tenant, vm, start_ms, item.
  virtual Result<std::vector<MeterInterval>> list_meter_intervals(int64_t from_ms, int64_t to_ms) {
    (void)from_ms, (void)to_ms;
    return error(Code::kInternal, "this store does not keep meter intervals");
  }
  // The latest instant any interval starts or ends at (0 when there are
  // none): meter instants never go back before it.
  virtual Result<int64_t> last_meter_instant_ms() {
    return error(Code::kInternal, "this store does not keep meter intervals");
  }
  // The VM's open intervals, ordered by item.
  virtual Result<std::vector<MeterInterval>> list_open_meter_intervals(const std::string& tenant,
                                                                       const std::string& vm) {
    (void)tenant, (void)vm;
    return error(Code::kInternal, "this store does not keep meter intervals");
  }

  // Closed months and bill adjustments (closed-months issue). The defaults
  // refuse, as the meter ones do. A closed month is written once: closing it
  // again is kAlreadyExists, and the database refuses updates and deletes.
  virtual Status insert_closed_month(const ClosedMonthRecord& month) {
    (void)month;
    return error(Code::kInternal, "this store does not keep closed months");
  }
  // nullopt when `month` ("YYYY-MM") is open.
  virtual Result<std::optional<ClosedMonthRecord>> get_closed_month(const std::string& month) {
    (void)month;
    return error(Code::kInternal, "this store does not keep closed months");
  }
  // Every closed month, oldest first.
  virtual Result<std::vector<ClosedMonthRecord>> list_closed_months() {
    return error(Code::kInternal, "this store does not keep closed months");
  }
  // Inserts `adjustment` and returns it with its id.
  virtual Result<BillAdjustmentRecord> insert_bill_adjustment(
      const BillAdjustmentRecord& adjustment) {
    (void)adjustment;
    return error(Code::kInternal, "this store does not keep bill adjustments");
  }
  // The adjustments of `month`, by id.
  virtual Result<std::vector<BillAdjustmentRecord>> list_bill_adjustments(
      const std::string& month) {
    (void)month;
    return error(Code::kInternal, "this store does not keep bill adjustments");
  }
};

// Addresses given to NICs that declare none. The defaults refuse, as the
// meter ones do, so test doubles that do not allocate need not implement them.
class AddressStore {
 public:
  virtual ~AddressStore() = default;
  // Every allocation, ordered by tenant, vm, nic, family.
  virtual Result<std::vector<AddressAllocation>> list_address_allocations() { return refused(); }
  // Inserts or replaces the NIC's allocation of that family. kConflict when
  // another NIC holds the address on that network.
  virtual Status put_address_allocation(const AddressAllocation& allocation) {
    (void)allocation;
    return refused();
  }
  // Releases one NIC's allocation of one family (absent is fine).
  virtual Status delete_address_allocation(const std::string& tenant, const std::string& vm,
                                           int64_t nic, const std::string& family) {
    (void)tenant, (void)vm, (void)nic, (void)family;
    return refused();
  }
  // Releases every allocation of the VM (absent is fine).
  virtual Status delete_vm_address_allocations(const std::string& tenant, const std::string& vm) {
    (void)tenant, (void)vm;
    return refused();
  }

 private:
  static Status refused() {
    return error(Code::kInternal, "this store does not keep address allocations");
  }
};

// Events from `xcloudctl serve` (VM lifecycle events, host health changes)
// and each host's read position. The defaults refuse, as the meter ones do.
class EventStore {
 public:
  virtual ~EventStore() = default;
  // Inserts each event; one already stored (same host, boot id and agent
  // sequence number) is skipped, so a batch read twice is stored once.
  virtual Status insert_events(const std::vector<EventRecord>& events) {
    (void)events;
    return refused();
  }
  // Matching events ordered by time_ms, id.
  virtual Result<std::vector<EventRecord>> list_events(const EventFilter& filter) {
    (void)filter;
    return refused();
  }
  // Deletes events older than `before_ms`; returns how many.
  virtual Result<int64_t> prune_events(int64_t before_ms) {
    (void)before_ms;
    return refused();
  }
  // nullopt when the host's events were never read.
  virtual Result<std::optional<EventCursor>> get_event_cursor(const std::string& host) {
    (void)host;
    return refused();
  }
  virtual Status put_event_cursor(const EventCursor& cursor) {
    (void)cursor;
    return refused();
  }

 private:
  static Status refused() { return error(Code::kInternal, "this store does not keep events"); }
};

// Collected metrics: raw rows (kept 48 hours) and hourly rollups (kept 400
// days), see ctl/metrics/. The defaults refuse, as the meter ones do.
class MetricStore {
 public:
  virtual ~MetricStore() = default;
  // The object's id, made when it is new.
  virtual Result<int64_t> metric_object_id(const std::string& kind, const std::string& tenant,
                                           const std::string& name) {
    (void)kind, (void)tenant, (void)name;
    return refused();
  }
  // Every object, by id.
  virtual Result<std::vector<MetricObject>> list_metric_objects() { return refused(); }
  // Inserts or replaces rows (same time_ms and host_id): raw, or rollups.
  virtual Status put_metric_rows(const std::vector<MetricRow>& rows, bool rollups) {
    (void)rows, (void)rollups;
    return refused();
  }
  // Calls `visit` with the rows whose time_ms is in [from_ms, to_ms), by time
  // then host, until it returns false.
  virtual Status scan_metric_rows(int64_t from_ms, int64_t to_ms, bool rollups,
                                  const std::function<bool(const MetricRow&)>& visit) {
    (void)from_ms, (void)to_ms, (void)rollups, (void)visit;
    return refused();
  }
  // Deletes raw rows older than `raw_before_ms` and rollups older than
  // `rollups_before_ms`.
  virtual Result<MetricPrune> prune_metric_rows(int64_t raw_before_ms, int64_t rollups_before_ms) {
    (void)raw_before_ms, (void)rollups_before_ms;
    return refused();
  }

 private:
  static Status refused() { return error(Code::kInternal, "this store does not keep metrics"); }
};

// Alarms (ctl/alarms/), their history and their delivery state. The
// defaults refuse, as the meter ones do.
class AlarmStore {
 public:
  virtual ~AlarmStore() = default;
  // Inserts `alarm` (its id ignored) and returns its id. kAlreadyExists
  // (the database's unique index) when an alarm of the same rule and object
  // is not cleared.
  virtual Result<int64_t> insert_alarm(const AlarmRecord& alarm) {
    (void)alarm;
    return refused();
  }
  virtual Status update_alarm(const AlarmRecord& alarm) {  // kNotFound if absent
    (void)alarm;
    return refused();
  }
  virtual Result<AlarmRecord> get_alarm(int64_t id) {  // kNotFound if absent
    (void)id;
    return refused();
  }
  // By id: those not cleared, and (unless `active_only`) the cleared ones
  // started or cleared at or after `since_ms`.
  virtual Result<std::vector<AlarmRecord>> list_alarms(bool active_only, int64_t since_ms) {
    (void)active_only, (void)since_ms;
    return refused();
  }
  virtual Status add_alarm_note(const AlarmNote& note) {
    (void)note;
    return refused();
  }
  virtual Result<std::vector<AlarmNote>> list_alarm_notes(int64_t alarm_id) {  // oldest first
    (void)alarm_id;
    return refused();
  }
  virtual Result<std::vector<AlarmDelivery>> list_alarm_deliveries(int64_t alarm_id) {
    (void)alarm_id;
    return refused();
  }
  // Inserts or replaces the delivery of (alarm, route, receiver).
  virtual Status put_alarm_delivery(const AlarmDelivery& delivery) {
    (void)delivery;
    return refused();
  }

 private:
  static Status refused() { return error(Code::kInternal, "this store does not keep alarms"); }
};

// The move journal (ctl/migrate/): VMs being moved between hosts. The
// defaults refuse, as the meter ones do.
class MoveStore {
 public:
  virtual ~MoveStore() = default;
  // Inserts the move, or updates the VM's move (started_ms kept).
  virtual Status put_move(const MoveRecord& move) {
    (void)move;
    return refused();
  }
  // Every move in the journal, oldest first.
  virtual Result<std::vector<MoveRecord>> list_moves() { return refused(); }
  // Ends the VM's move (absent is fine).
  virtual Status delete_move(const std::string& tenant, const std::string& name) {
    (void)tenant, (void)name;
    return refused();
  }

 private:
  static Status refused() { return error(Code::kInternal, "this store does not keep moves"); }
};

// The backup schedule's runs (ctl/backup/). The defaults refuse, as the
// meter ones do.
class BackupRunStore {
 public:
  virtual ~BackupRunStore() = default;
  // Inserts or replaces the run of (policy, VM).
  virtual Status put_backup_run(const BackupRunRecord& run) {
    (void)run;
    return refused();
  }
  // Every run, by policy then VM.
  virtual Result<std::vector<BackupRunRecord>> list_backup_runs() { return refused(); }

 private:
  static Status refused() { return error(Code::kInternal, "this store does not keep backup runs"); }
};

// Requests for VMs from service offerings (ctl/requests/). The defaults
// refuse, as the meter ones do.
class RequestStore {
 public:
  virtual ~RequestStore() = default;
  // Inserts `request` (its id ignored) and returns its id.
  virtual Result<int64_t> insert_request(const RequestRecord& request) {
    (void)request;
    return refused();
  }
  virtual Result<RequestRecord> get_request(int64_t id) {  // kNotFound if absent
    (void)id;
    return refused();
  }
  // Requests changed at or after `updated_since_ms`, by id.
  virtual Result<std::vector<RequestRecord>> list_requests(int64_t updated_since_ms) {
    (void)updated_since_ms;
    return refused();
  }
  // Writes the request's state, decided_by, decision_comment, reason and
  // updated_ms, only while it is still in `from_state` (kConflict otherwise:
  // two approvers never both apply it).
  virtual Status update_request(const RequestRecord& request, const std::string& from_state) {
    (void)request, (void)from_state;
    return refused();
  }

 private:
  static Status refused() { return error(Code::kInternal, "this store does not keep requests"); }
};

// The whole state database: every concern, plus transactions spanning them
// (a step's resource, meter and audit record commit together).
class Store : public InventoryStore,
              public AuditRowStore,
              public MeterStore,
              public AddressStore,
              public EventStore,
              public MetricStore,
              public AlarmStore,
              public MoveStore,
              public BackupRunStore,
              public RequestStore {
 public:
  ~Store() override = default;

  // The schema version of the open database (PRAGMA user_version for SQLite).
  virtual Result<int> schema_version() = 0;

  // Runs `body` as one transaction: committed if it returns ok, rolled back
  // otherwise (its Status is returned). Takes the write lock up front so a
  // logical step never fails half-way on a lock. Nested calls become
  // savepoints: an inner failure undoes only the inner body.
  virtual Status transact(const std::function<Status()>& body) = 0;
};

// Opens the state database at `path` and migrates it to the latest schema.
// kExisting and kRead refuse a missing, empty or uninitialised (schema
// version 0) file; kCreate and kExisting refuse a read-only one, saying why
// (kPermissionDenied); all refuse a schema newer than this binary.
Result<std::unique_ptr<Store>> open_store(const std::string& path, OpenMode mode);

}  // namespace xc
