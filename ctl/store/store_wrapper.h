// A Store that forwards every call to another, so a test overrides the one
// method it wants to fail or watch (LevelDB's EnvWrapper). Same thread
// safety as the wrapped store.
#pragma once

#include <memory>
#include <utility>

#include "ctl/store/store.h"

namespace xc {

class StoreWrapper : public Store {
 public:
  explicit StoreWrapper(std::unique_ptr<Store> target) : target_(std::move(target)) {}
  Store& target() { return *target_; }

  Result<int> schema_version() override { return target_->schema_version(); }
  Status transact(const std::function<Status()>& body) override { return target_->transact(body); }
  Status upsert_host(const HostRecord& host) override { return target_->upsert_host(host); }
  Result<HostRecord> get_host(const std::string& name) override { return target_->get_host(name); }
  Result<std::vector<HostRecord>> list_hosts() override { return target_->list_hosts(); }
  Result<ResourceRecord> put_resource(const ResourceRecord& r) override {
    return target_->put_resource(r);
  }
  Result<ResourceRecord> get_resource(const ResourceKey& key) override {
    return target_->get_resource(key);
  }
  Result<std::vector<ResourceRecord>> list_resources(
      const std::optional<std::string>& kind) override {
    return target_->list_resources(kind);
  }
  Status delete_resource(const ResourceKey& key) override { return target_->delete_resource(key); }
  Status set_placement(const ResourceKey& key, const std::string& host) override {
    return target_->set_placement(key, host);
  }
  Result<PlacementRecord> get_placement(const ResourceKey& key) override {
    return target_->get_placement(key);
  }
  Result<std::vector<PlacementRecord>> list_placements() override {
    return target_->list_placements();
  }
  Result<std::optional<std::string>> get_meta(const std::string& key) override {
    return target_->get_meta(key);
  }
  Status put_meta(const std::string& key, const std::string& value) override {
    return target_->put_meta(key, value);
  }
  Result<std::vector<AddressAllocation>> list_address_allocations() override {
    return target_->list_address_allocations();
  }
  Status put_address_allocation(const AddressAllocation& a) override {
    return target_->put_address_allocation(a);
  }
  Status delete_address_allocation(const std::string& tenant, const std::string& vm, int64_t nic,
                                   const std::string& family) override {
    return target_->delete_address_allocation(tenant, vm, nic, family);
  }
  Status delete_vm_address_allocations(const std::string& tenant, const std::string& vm) override {
    return target_->delete_vm_address_allocations(tenant, vm);
  }
  Status insert_audit_record(const AuditRecord& record) override {
    return target_->insert_audit_record(record);
  }
  Result<std::optional<AuditRecord>> last_audit_record() override {
    return target_->last_audit_record();
  }
  Status scan_audit_records(const AuditFilter& filter,
                            const std::function<bool(const AuditRecord&)>& visit) override {
    return target_->scan_audit_records(filter, visit);
  }
  Status delete_audit_records_through(int64_t seq) override {
    return target_->delete_audit_records_through(seq);
  }
  Status open_meter_interval(const MeterInterval& interval) override {
    return target_->open_meter_interval(interval);
  }
  Status close_meter_intervals(const std::string& tenant, const std::string& vm,
                               int64_t end_ms) override {
    return target_->close_meter_intervals(tenant, vm, end_ms);
  }
  Result<std::vector<MeterInterval>> list_meter_intervals(int64_t from_ms, int64_t to_ms) override {
    return target_->list_meter_intervals(from_ms, to_ms);
  }
  Result<int64_t> last_meter_instant_ms() override { return target_->last_meter_instant_ms(); }
  Result<std::vector<MeterInterval>> list_open_meter_intervals(const std::string& tenant,
                                                               const std::string& vm) override {
    return target_->list_open_meter_intervals(tenant, vm);
  }
  Status insert_closed_month(const ClosedMonthRecord& month) override {
    return target_->insert_closed_month(month);
  }
  Result<std::optional<ClosedMonthRecord>> get_closed_month(const std::string& month) override {
    return target_->get_closed_month(month);
  }
  Result<std::vector<ClosedMonthRecord>> list_closed_months() override {
    return target_->list_closed_months();
  }
  Result<BillAdjustmentRecord> insert_bill_adjustment(const BillAdjustmentRecord& a) override {
    return target_->insert_bill_adjustment(a);
  }
  Result<std::vector<BillAdjustmentRecord>> list_bill_adjustments(
      const std::string& month) override {
    return target_->list_bill_adjustments(month);
  }

  Status insert_events(const std::vector<EventRecord>& events) override {
    return target_->insert_events(events);
  }
  Result<std::vector<EventRecord>> list_events(const EventFilter& filter) override {
    return target_->list_events(filter);
  }
  Result<int64_t> prune_events(int64_t before_ms) override {
    return target_->prune_events(before_ms);
  }
  Result<std::optional<EventCursor>> get_event_cursor(const std::string& host) override {
    return target_->get_event_cursor(host);
  }
  Status put_event_cursor(const EventCursor& cursor) override {
    return target_->put_event_cursor(cursor);
  }
  Status put_move(const MoveRecord& move) override { return target_->put_move(move); }
  Result<std::vector<MoveRecord>> list_moves() override { return target_->list_moves(); }
  Status put_backup_run(const BackupRunRecord& run) override {
    return target_->put_backup_run(run);
  }
  Result<std::vector<BackupRunRecord>> list_backup_runs() override {
    return target_->list_backup_runs();
  }
  Status delete_move(const std::string& tenant, const std::string& name) override {
    return target_->delete_move(tenant, name);
  }
  Result<int64_t> insert_request(const RequestRecord& r) override {
    return target_->insert_request(r);
  }
  Result<RequestRecord> get_request(int64_t id) override { return target_->get_request(id); }
  Result<std::vector<RequestRecord>> list_requests(int64_t since_ms) override {
    return target_->list_requests(since_ms);
  }
  Status update_request(const RequestRecord& r, const std::string& from_state) override {
    return target_->update_request(r, from_state);
  }

 private:
  std::unique_ptr<Store> target_;
  Result<int64_t> metric_object_id(const std::string& kind, const std::string& tenant,
                                   const std::string& name) override {
    return target_->metric_object_id(kind, tenant, name);
  }
  Result<std::vector<MetricObject>> list_metric_objects() override {
    return target_->list_metric_objects();
  }
  Status put_metric_rows(const std::vector<MetricRow>& rows, bool rollups) override {
    return target_->put_metric_rows(rows, rollups);
  }
  Status scan_metric_rows(int64_t from_ms, int64_t to_ms, bool rollups,
                          const std::function<bool(const MetricRow&)>& visit) override {
    return target_->scan_metric_rows(from_ms, to_ms, rollups, visit);
  }
  Result<MetricPrune> prune_metric_rows(int64_t raw_before_ms, int64_t rollups_before_ms) override {
    return target_->prune_metric_rows(raw_before_ms, rollups_before_ms);
  }
};

}  // namespace xc
