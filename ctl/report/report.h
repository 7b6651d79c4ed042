// The weekly and monthly reports as data, built by one pure function from
// what the store holds: meter intervals, the audit trail, the price history
// and the hosts' capacity. Writers for HTML, CSV, JSON and Markdown take the
// Report (ctl/report_formats.h); nothing here does I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/audit/audit_record.h"
#include "ctl/billing/billing.h"
#include "ctl/capacity/capacity_view.h"
#include "ctl/sla/sla_month.h"
#include "ctl/store/request_records.h"

namespace xc {

enum class ReportKind { kWeekly, kMonthly };
const char* report_kind_name(ReportKind kind);  // "weekly", "monthly"

// Capacity is flagged from this share of the total, in per mille (80%).
inline constexpr int64_t kCapacityFlagPermille = 800;

// One host's capacity and what is placed on it, as the inventory last saw it.
struct ReportHost {
  std::string name, pool, zone;
  int64_t vcpu_total = 0, vcpu_allocated = 0;
  int64_t memory_mib_total = 0, memory_mib_allocated = 0;
};

// One VM's CPU and memory use over a period, against what it is allocated.
struct VmUsage {
  std::string tenant, vm;
  int64_t samples = 0;
  int64_t vcpus = 0, memory_mib = 0;                // allocated (latest)
  int64_t cpu_avg_milli = 0, cpu_peak_milli = 0;    // cores x 1000
  int64_t memory_avg_mib = 0, memory_peak_mib = 0;  // used by the guest
};

// A VM is idle when its average CPU stays below this share of its vCPUs.
inline constexpr int64_t kIdleCpuPermille = 50;

struct ReportInput {
  ReportKind kind = ReportKind::kWeekly;
  BillPeriod period;
  int64_t now_ms = 0;                    // open intervals run to now, never past the period
  std::vector<MeterInterval> intervals;  // those overlapping the period
  std::vector<PriceVersion> prices;
  // Monthly: the month's bill as it stands (ctl/billing/month_bill.h: frozen
  // when closed, with its adjustments), used instead of pricing `intervals`.
  std::optional<Bill> month_bill;
  std::string bill_note;           // "Month closed ..." when month_bill is a frozen one
  std::vector<AuditRecord> audit;  // the period's records, in seq order
  std::vector<ReportHost> hosts;
  // "tenant/vm" -> the VM's system label, for VMs no interval names (a VM
  // created and deleted without ever being billed).
  std::map<std::string, std::string> systems;
  std::map<std::string, std::string> tenant_names;  // path -> displayName ("教育局")
  // Weekly: each VM's use over the period (from the metric rollups, or the raw
  // samples for VMs with no rolled-up hour yet).
  std::vector<VmUsage> vm_usage;
  // Capacity per pool with its forecast (ctl/capacity/), when it could be read.
  std::optional<CapacityView> capacity_view;
  // Monthly: the month's service level (ctl/sla/), or why it is missing.
  std::optional<SlaMonth> sla;
  std::string sla_error;
  // Weekly: the requests (ctl/requests/) made or decided in the period, by id.
  std::vector<RequestRecord> requests;
};

// One change from the audit trail.
struct ReportChange {
  int64_t time_ms = 0;
  std::string tenant, system, kind, name, action, actor, result, message;
};

// VM changes of the period per tenant and business system. created, moved,
// deleted and updated count audit records (updated includes resizes; moved
// counts a VM that changed host, neither a creation nor a deletion; a delete
// that removes a duplicate copy is not counted); resized counts the instants
// at which the VM's metered size changed.
struct ChangeCount {
  std::string tenant, system;
  int64_t created = 0, deleted = 0, resized = 0, updated = 0, moved = 0;
};

// What is allocated at one instant, per tenant and system or in total.
struct AllocatedResources {
  std::string tenant, system;
  int64_t vms = 0, vcpu = 0, memory_gb = 0, storage_gb = 0, accelerators = 0;
};

struct AllocationPoint {
  int64_t time_ms = 0;
  AllocatedResources total;
};

struct CapacityRow {
  std::string scope;  // "pool" or "zone"
  std::string name;
  int64_t hosts = 0;
  int64_t vcpu_allocated = 0, vcpu_total = 0;
  int64_t memory_gib_allocated = 0, memory_gib_total = 0;
  int64_t vcpu_permille = 0, memory_permille = 0;  // allocated / total, rounded down
  bool flagged = false;                            // either share at or above kCapacityFlagPermille
};

struct TenantCost {
  std::string tenant;
  int64_t amount_fen = 0;
};

struct Report {
  ReportKind kind = ReportKind::kWeekly;
  BillPeriod period;
  int64_t generated_at_ms = 0;
  int64_t as_of_ms = 0;  // allocation is shown as of this instant

  std::vector<ReportChange> changes;       // in time order
  std::vector<ChangeCount> change_counts;  // by tenant, system
  ChangeCount change_total;

  std::vector<AllocatedResources> allocation;  // as of as_of_ms, by tenant, system
  AllocatedResources allocation_total;
  std::vector<AllocationPoint> series;  // each local midnight of the period, then as_of_ms

  // Cost of the period. When it cannot be billed (no price list in effect,
  // an item without a price), bill_error says why and the costs are empty:
  // the rest of the report is still worth sending.
  std::string bill_error;
  std::string bill_note;                   // ReportInput::bill_note: says a month's bill is frozen
  Bill bill;                               // by tenant and item
  std::vector<TenantTotal> tenant_totals;  // rolled up the VDC tree
  std::vector<TenantCost> top_tenants;     // up to 10 by their own cost, highest first

  std::vector<CapacityRow> capacity;  // pools by name, then zones by name

  // Weekly: use against allocation per tenant and business system. The peak
  // is the sum of the VMs' peaks (an upper bound: they need not coincide).
  struct Efficiency {
    std::string tenant, system;
    int64_t vms = 0, vcpus = 0, memory_mib = 0;
    int64_t cpu_avg_permille = 0, cpu_peak_permille = 0;
    int64_t memory_avg_permille = 0, memory_peak_permille = 0;
    std::vector<std::string> idle_vms;  // by name
  };
  std::vector<Efficiency> efficiency;  // by tenant, system; VMs with samples only

  std::optional<CapacityView> capacity_view;  // ReportInput::capacity_view
  std::optional<SlaMonth> sla;                // monthly: ReportInput::sla
  std::string sla_error;

  std::map<std::string, std::string> tenant_names;  // path -> displayName, where known
  std::vector<RequestRecord> requests;              // weekly: ReportInput::requests
};

Result<Report> build_report(const ReportInput& input);

// "xcloud weekly report 2026-W48": the title every format and the mail use.
std::string report_title(const Report& report);

}  // namespace xc
