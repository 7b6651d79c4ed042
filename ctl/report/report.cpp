// build_report (report.h): every figure is computed here from the inputs, so
// the formats only lay it out.
#include "ctl/report/report.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "common/time.h"

namespace xc {
namespace {

std::string vm_key(const std::string& tenant, const std::string& vm) {
  return tenant + "/" + vm;
}

bool active_at(const MeterInterval& iv, int64_t t) {
  return iv.start_ms <= t && (!iv.end_ms || *iv.end_ms > t);
}

// Adds one interval's quantity to the allocation it belongs to.
void add_item(AllocatedResources& a, const MeterInterval& iv) {
  if (iv.item == "vcpu")
    a.vcpu += iv.quantity;
  else if (iv.item == "memory")
    a.memory_gb += iv.quantity;
  else if (iv.item.rfind("storage-", 0) == 0)
    a.storage_gb += iv.quantity;
  else
    a.accelerators += iv.quantity;
}

// Allocation per (tenant, system) of the intervals active at `t`.
std::map<std::pair<std::string, std::string>, AllocatedResources> allocation_at(
    const std::vector<MeterInterval>& intervals, int64_t t) {
  std::map<std::pair<std::string, std::string>, AllocatedResources> out;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> vms;
  for (const MeterInterval& iv : intervals) {
    if (!active_at(iv, t)) continue;
    AllocatedResources& a = out[{iv.tenant, iv.system}];
    a.tenant = iv.tenant;
    a.system = iv.system;
    add_item(a, iv);
    vms[{iv.tenant, iv.system}].insert(iv.vm);
  }
  for (auto& [key, a] : out) a.vms = static_cast<int64_t>(vms[key].size());
  return out;
}

AllocatedResources sum(const std::vector<AllocatedResources>& rows) {
  AllocatedResources total;
  for (const AllocatedResources& a : rows) {
    total.vms += a.vms;
    total.vcpu += a.vcpu;
    total.memory_gb += a.memory_gb;
    total.storage_gb += a.storage_gb;
    total.accelerators += a.accelerators;
  }
  return total;
}

// Instants inside the period at which a VM's metered size changed: an
// interval starts exactly where another of the same VM ends, and the items'
// quantities before and after differ. A stop or start changes only
// `running`, so it is not a resize.
std::map<std::string, int64_t> resizes_per_vm(const std::vector<MeterInterval>& intervals,
                                              const BillPeriod& period) {
  using Sizes = std::map<std::string, int64_t>;
  std::map<std::string, std::map<int64_t, std::pair<Sizes, Sizes>>>
      edges;  // vm -> t -> (ended, started)
  for (const MeterInterval& iv : intervals) {
    auto& per_vm = edges[vm_key(iv.tenant, iv.vm)];
    per_vm[iv.start_ms].second[iv.item] += iv.quantity;
    if (iv.end_ms) per_vm[*iv.end_ms].first[iv.item] += iv.quantity;
  }
  std::map<std::string, int64_t> out;
  for (const auto& [vm, at] : edges) {
    for (const auto& [t, sizes] : at) {
      const auto& [ended, started] = sizes;
      bool inside = t >= period.start_ms && t < period.end_ms;
      if (inside && !ended.empty() && !started.empty() && ended != started) ++out[vm];
    }
  }
  return out;
}

// A VM delete that only takes the old copy of a moved VM off its host, or
// removes a duplicate copy, leaves the VM in place: the planner names those
// reasons in the record ("host h1: recreated elsewhere (--allow-recreate)
// (now on h2)", "host h1: duplicate (also on h2)"; older records said
// "moved to h2").
bool relocates_vm(const AuditRecord& r) {
  return r.message.find(": moved to ") != std::string::npos ||
         r.message.find(": recreated elsewhere") != std::string::npos;
}
bool removes_vm(const AuditRecord& r) {
  return !relocates_vm(r) && r.message.find(": duplicate (") == std::string::npos;
}

// A VM that changed host: its `migrate` (or older `move`) record, or the create of its new copy
// ("host h2: placement no longer valid ..."), or a create paired with a
// relocating delete of the same VM in the period (`relocated`).
bool moves_vm(const AuditRecord& r, const std::set<std::string>& relocated) {
  if (r.action == "move" || r.action == "migrate") return true;
  if (r.action != "create") return false;
  return r.message.find(": placement no longer valid") != std::string::npos ||
         relocated.count(vm_key(r.tenant, r.name)) > 0;
}

// Audit actions that are not changes to an object.
bool is_change(const AuditRecord& r) {
  return !r.kind.empty() && r.action != "note" && r.action != "prune" && r.action != "record";
}

void count_changes(const ReportInput& in, Report& out,
                   const std::map<std::string, std::string>& system_of) {
  std::map<std::pair<std::string, std::string>, ChangeCount> counts;
  auto count_for = [&](const std::string& tenant, const std::string& system) -> ChangeCount& {
    ChangeCount& c = counts[{tenant, system}];
    c.tenant = tenant;
    c.system = system;
    return c;
  };
  auto in_period = [&](const AuditRecord& r) {
    return is_change(r) && r.time_ms >= in.period.start_ms && r.time_ms < in.period.end_ms;
  };
  std::set<std::string> relocated;  // VMs whose old copy left a host in the period
  for (const AuditRecord& r : in.audit)
    if (in_period(r) && r.kind == "VirtualMachine" && r.result == kAuditOk &&
        r.action == "delete" && relocates_vm(r))
      relocated.insert(vm_key(r.tenant, r.name));
  for (const AuditRecord& r : in.audit) {
    if (!in_period(r)) continue;
    ReportChange c;
    c.time_ms = r.time_ms;
    c.tenant = r.tenant;
    c.kind = r.kind;
    c.name = r.name;
    c.action = r.action;
    c.actor = r.as_user.empty() ? r.actor : r.as_user;
    c.result = r.result;
    c.message = r.message;
    if (r.kind == "VirtualMachine") {
      auto s = system_of.find(vm_key(r.tenant, r.name));
      if (s != system_of.end()) c.system = s->second;
      if (r.result == kAuditOk) {
        ChangeCount& n = count_for(c.tenant, c.system);
        if (moves_vm(r, relocated))
          ++n.moved;
        else if (r.action == "create")
          ++n.created;
        if (r.action == "delete" && removes_vm(r)) ++n.deleted;
        if (r.action == "update") ++n.updated;
      }
    }
    out.changes.push_back(std::move(c));
  }
  for (const auto& [vm, n] : resizes_per_vm(in.intervals, in.period)) {
    std::string tenant = vm.substr(0, vm.rfind('/'));
    auto s = system_of.find(vm);
    count_for(tenant, s == system_of.end() ? "" : s->second).resized += n;
  }
  for (auto& [key, c] : counts) {
    out.change_total.created += c.created;
    out.change_total.deleted += c.deleted;
    out.change_total.moved += c.moved;
    out.change_total.resized += c.resized;
    out.change_total.updated += c.updated;
    out.change_counts.push_back(std::move(c));
  }
  std::stable_sort(
      out.changes.begin(), out.changes.end(),
      [](const ReportChange& a, const ReportChange& b) { return a.time_ms < b.time_ms; });
}

void add_costs(const ReportInput& in, Report& out) {
  Result<Bill> b = in.month_bill
                       ? Result<Bill>(*in.month_bill)
                       : bill(in.intervals, in.prices, in.period, GroupBy::kTenant, in.now_ms);
  if (!b.ok()) {
    out.bill_error = b.status().message();
    return;
  }
  Result<std::vector<TenantTotal>> rollup = rollup_by_tenant(b->lines);
  if (!rollup.ok()) {
    out.bill_error = rollup.status().message();
    return;
  }
  out.bill = std::move(*b);
  out.bill_note = in.bill_note;
  out.tenant_totals = std::move(*rollup);
  for (const TenantTotal& t : out.tenant_totals) {
    if (t.own_fen > 0) out.top_tenants.push_back({t.tenant, t.own_fen});
  }
  std::stable_sort(
      out.top_tenants.begin(), out.top_tenants.end(),
      [](const TenantCost& a, const TenantCost& b) { return a.amount_fen > b.amount_fen; });
  if (out.top_tenants.size() > 10) out.top_tenants.resize(10);
}

int64_t permille(int64_t part, int64_t whole) {
  return whole > 0 ? part * 1000 / whole : 0;
}

void add_capacity(const std::vector<ReportHost>& hosts, Report& out) {
  for (const char* scope : {"pool", "zone"}) {
    std::map<std::string, CapacityRow> rows;
    for (const ReportHost& h : hosts) {
      const std::string& name = std::string(scope) == "pool" ? h.pool : h.zone;
      CapacityRow& row = rows[name];
      row.scope = scope;
      row.name = name.empty() ? "-" : name;
      ++row.hosts;
      row.vcpu_allocated += h.vcpu_allocated;
      row.vcpu_total += h.vcpu_total;
      row.memory_gib_allocated += h.memory_mib_allocated;  // MiB until divided below
      row.memory_gib_total += h.memory_mib_total;
    }
    for (auto& [name, row] : rows) {
      row.vcpu_permille = permille(row.vcpu_allocated, row.vcpu_total);
      row.memory_permille = permille(row.memory_gib_allocated, row.memory_gib_total);
      row.memory_gib_allocated /= 1024;
      row.memory_gib_total /= 1024;
      row.flagged = row.vcpu_permille >= kCapacityFlagPermille ||
                    row.memory_permille >= kCapacityFlagPermille;
      out.capacity.push_back(std::move(row));
    }
  }
}

void add_allocation(const ReportInput& in, Report& out) {
  // Allocation is read at the period's last instant, or now while it runs.
  int64_t last = std::min(in.now_ms, in.period.end_ms - 1);
  out.as_of_ms = std::max(last, in.period.start_ms);
  for (auto& [key, a] : allocation_at(in.intervals, out.as_of_ms)) out.allocation.push_back(a);
  out.allocation_total = sum(out.allocation);
  for (int64_t t = in.period.start_ms; t < out.as_of_ms; t += civil::kDayMs) {
    std::vector<AllocatedResources> rows;
    for (auto& [key, a] : allocation_at(in.intervals, t)) rows.push_back(a);
    out.series.push_back({t, sum(rows)});
  }
  out.series.push_back({out.as_of_ms, out.allocation_total});
}

void add_efficiency(const ReportInput& in, const std::map<std::string, std::string>& system_of,
                    Report& out) {
  struct Sums {
    Report::Efficiency e;
    int64_t cpu_avg = 0, cpu_peak = 0, memory_avg = 0, memory_peak = 0;
  };
  std::map<std::pair<std::string, std::string>, Sums> systems;
  for (const VmUsage& u : in.vm_usage) {
    if (u.samples == 0) continue;
    auto s = system_of.find(vm_key(u.tenant, u.vm));
    std::string system = s == system_of.end() ? "" : s->second;
    Sums& sum = systems[{u.tenant, system}];
    sum.e.tenant = u.tenant;
    sum.e.system = system;
    ++sum.e.vms;
    sum.e.vcpus += u.vcpus;
    sum.e.memory_mib += u.memory_mib;
    sum.cpu_avg += u.cpu_avg_milli;
    sum.cpu_peak += u.cpu_peak_milli;
    sum.memory_avg += u.memory_avg_mib;
    sum.memory_peak += u.memory_peak_mib;
    if (u.vcpus > 0 && u.cpu_avg_milli < kIdleCpuPermille * u.vcpus)  // milli-cores
      sum.e.idle_vms.push_back(u.vm);
  }
  for (auto& [key, sum] : systems) {
    Report::Efficiency& e = sum.e;
    e.cpu_avg_permille =
        e.vcpus > 0 ? sum.cpu_avg / e.vcpus : 0;  // milli-cores per vCPU = permille
    e.cpu_peak_permille = e.vcpus > 0 ? sum.cpu_peak / e.vcpus : 0;
    e.memory_avg_permille = e.memory_mib > 0 ? sum.memory_avg * 1000 / e.memory_mib : 0;
    e.memory_peak_permille = e.memory_mib > 0 ? sum.memory_peak * 1000 / e.memory_mib : 0;
    std::sort(e.idle_vms.begin(), e.idle_vms.end());
    out.efficiency.push_back(std::move(e));
  }
}

}  // namespace

const char* report_kind_name(ReportKind kind) {
  return kind == ReportKind::kWeekly ? "weekly" : "monthly";
}

std::string report_title(const Report& report) {
  return std::string("xcloud ") + report_kind_name(report.kind) + " report " +
         report.period.label();
}

Result<Report> build_report(const ReportInput& in) {
  if (in.period.end_ms <= in.period.start_ms)
    return error(Code::kInvalidArgument, "report period " + in.period.label() + " is empty");
  Report out;
  out.kind = in.kind;
  out.period = in.period;
  out.generated_at_ms = in.now_ms;
  out.tenant_names = in.tenant_names;
  out.sla = in.sla;
  out.sla_error = in.sla_error;
  out.capacity_view = in.capacity_view;
  out.requests = in.requests;

  std::map<std::string, std::string> system_of = in.systems;
  for (const MeterInterval& iv : in.intervals) system_of[vm_key(iv.tenant, iv.vm)] = iv.system;

  count_changes(in, out, system_of);
  add_allocation(in, out);
  add_costs(in, out);
  add_capacity(in.hosts, out);
  add_efficiency(in, system_of, out);
  return out;
}

}  // namespace xc
