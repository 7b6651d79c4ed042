// report_sections (report_sections.h): the tables of the weekly and monthly
// reports, in the order an operator reads them: key figures, money, changes,
// allocation, capacity.
#include "ctl/report/report_sections.h"

#include "common/time.h"
#include "ctl/billing/bill_adjustments.h"
#include "ctl/capacity/capacity_text.h"
#include "ctl/report/request_section.h"
#include "ctl/report/sla_sections.h"

namespace xc {

std::string yuan_text(int64_t fen) {
  bool negative = fen < 0;
  // Through unsigned so that INT64_MIN has a magnitude.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents = "0" + cents;
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

std::string percent_text(int64_t permille) {
  return std::to_string(permille / 10) + "." + std::to_string(permille % 10) + "%";
}

std::string local_time_text(int64_t instant_ms, int64_t offset_ms) {
  std::string text = civil::format_local(instant_ms, offset_ms);
  return text.substr(0, 10) + " " + text.substr(11, 5);
}

std::string local_date_text(int64_t instant_ms, int64_t offset_ms) {
  return civil::format_local(instant_ms, offset_ms).substr(0, 10);
}

std::string tenant_text(const Report& report, const std::string& tenant) {
  auto name = report.tenant_names.find(tenant);
  return name == report.tenant_names.end() || name->second.empty() ? tenant
                                                                   : tenant + " " + name->second;
}

namespace {

std::string n(int64_t value) {
  return std::to_string(value);
}
std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}

ReportSection summary(const Report& r) {
  const int64_t zone = r.period.offset_ms;
  ReportSection s{"summary", "Key figures", "关键指标", "", {"FIGURE", "VALUE"}, {}, {false, true}};
  auto add = [&](const std::string& figure, const std::string& value) {
    s.rows.push_back({{figure, value}});
  };
  add("Period", r.period.label());
  add("From", local_time_text(r.period.start_ms, zone) + " (Asia/Shanghai)");
  add("To", local_time_text(r.period.end_ms, zone) + " (Asia/Shanghai)");
  add("Allocation as of", local_time_text(r.as_of_ms, zone));
  add("VMs", n(r.allocation_total.vms));
  add("vCPU", n(r.allocation_total.vcpu));
  add("Memory (GB)", n(r.allocation_total.memory_gb));
  add("Storage (GB)", n(r.allocation_total.storage_gb));
  add("Accelerators", n(r.allocation_total.accelerators));
  add("Cost of the period (CNY)",
      r.bill_error.empty() ? yuan_text(r.bill.total_fen) : "unavailable");
  add("VMs created", n(r.change_total.created));
  add("VMs resized", n(r.change_total.resized));
  add("VMs moved", n(r.change_total.moved));
  add("VMs deleted", n(r.change_total.deleted));
  int64_t flagged = 0;
  for (const CapacityRow& c : r.capacity) flagged += c.flagged ? 1 : 0;
  add("Pools and zones at or above 80%", n(flagged));
  return s;
}

ReportSection tenant_bill(const Report& r) {
  ReportSection s{
      "bill",
      "Bill per tenant (CNY)",
      "部门费用",
      "A tenant's total includes its sub-tenants. Each line is rounded to the fen once; "
      "the TOTAL is the sum of the tenants' own amounts.",
      {"TENANT", "OWN", "TOTAL"},
      {},
      {false, true, true}};
  if (!r.bill_error.empty()) s.note = "The period cannot be billed: " + r.bill_error;
  if (!r.bill_note.empty()) s.note = r.bill_note;
  for (const TenantTotal& t : r.tenant_totals)
    s.rows.push_back({{tenant_text(r, t.tenant), yuan_text(t.own_fen), yuan_text(t.total_fen)}});
  if (r.bill_error.empty())
    s.rows.push_back(
        {{"TOTAL", yuan_text(r.bill.total_fen), yuan_text(r.bill.total_fen)}, false, true});
  return s;
}

ReportSection bill_lines(const Report& r) {
  ReportSection s{"bill-lines",
                  "Bill lines per tenant and item",
                  "费用明细",
                  "",
                  {"TENANT", "ITEM", "QUANTITY (UNIT-MONTHS)", "AMOUNT (CNY)"},
                  {},
                  {false, false, true, true}};
  if (!r.bill_error.empty()) s.note = "The period cannot be billed: " + r.bill_error;
  for (const BillLine& l : r.bill.lines) {
    s.rows.push_back({{tenant_text(r, l.tenant), line_item_text(l),
                       l.adjustment_id == 0 ? l.quantity_months : "-", yuan_text(l.amount_fen)}});
  }
  if (r.bill_error.empty())
    s.rows.push_back({{"TOTAL", "", "", yuan_text(r.bill.total_fen)}, false, true});
  return s;
}

ReportSection top_tenants(const Report& r) {
  ReportSection s{"top-tenants",
                  "Top 10 tenants by cost",
                  "费用前十部门",
                  "",
                  {"RANK", "TENANT", "COST (CNY)"},
                  {},
                  {true, false, true}};
  if (!r.bill_error.empty())
    s.note = "The period cannot be billed: " + r.bill_error;
  else if (r.top_tenants.empty())
    s.note = "No tenant has a cost in this period.";
  for (size_t i = 0; i < r.top_tenants.size(); ++i)
    s.rows.push_back({{n(static_cast<int64_t>(i + 1)), tenant_text(r, r.top_tenants[i].tenant),
                       yuan_text(r.top_tenants[i].amount_fen)}});
  return s;
}

ReportSection change_counts(const Report& r) {
  ReportSection s{"changes",
                  "VM changes per tenant and business system",
                  "资源变更",
                  "Created, moved, deleted and updated count audit records (updates include "
                  "resizes; a VM that changed host is moved, not created and deleted); "
                  "resized counts the changes of a VM's metered size.",
                  {"TENANT", "SYSTEM", "CREATED", "MOVED", "RESIZED", "DELETED", "UPDATED"},
                  {},
                  {false, false, true, true, true, true, true}};
  if (r.change_counts.empty()) s.note = "No VM was created, moved, resized, updated or deleted.";
  for (const ChangeCount& c : r.change_counts)
    s.rows.push_back({{tenant_text(r, c.tenant), or_dash(c.system), n(c.created), n(c.moved),
                       n(c.resized), n(c.deleted), n(c.updated)}});
  const ChangeCount& t = r.change_total;
  if (!r.change_counts.empty())
    s.rows.push_back(
        {{"TOTAL", "", n(t.created), n(t.moved), n(t.resized), n(t.deleted), n(t.updated)},
         false,
         true});
  return s;
}

ReportSection change_log(const Report& r) {
  ReportSection s{"change-log",
                  "Change log (from the audit trail)",
                  "变更记录",
                  "",
                  {"TIME", "TENANT", "SYSTEM", "KIND", "NAME", "ACTION", "BY", "RESULT"},
                  {},
                  std::vector<bool>(8, false)};
  if (r.changes.empty()) s.note = "The audit trail records no change in this period.";
  for (const ReportChange& c : r.changes) {
    s.rows.push_back({{local_time_text(c.time_ms, r.period.offset_ms), or_dash(c.tenant),
                       or_dash(c.system), c.kind, c.name, c.action, c.actor, c.result}});
  }
  return s;
}

ReportSection allocation(const Report& r) {
  ReportSection s{
      "allocation",
      "Allocation per tenant and business system",
      "资源分配",
      "As of " + local_time_text(r.as_of_ms, r.period.offset_ms) + " (Asia/Shanghai).",
      {"TENANT", "SYSTEM", "VMS", "VCPU", "MEMORY (GB)", "STORAGE (GB)", "ACCELERATORS"},
      {},
      {false, false, true, true, true, true, true}};
  auto cells = [](const AllocatedResources& a, const std::string& tenant,
                  const std::string& system) {
    return std::vector<std::string>{tenant,         system,          n(a.vms),         n(a.vcpu),
                                    n(a.memory_gb), n(a.storage_gb), n(a.accelerators)};
  };
  for (const AllocatedResources& a : r.allocation)
    s.rows.push_back({cells(a, tenant_text(r, a.tenant), or_dash(a.system))});
  s.rows.push_back({cells(r.allocation_total, "TOTAL", ""), false, true});
  return s;
}

ReportSection capacity(const Report& r) {
  ReportSection s{"capacity",
                  "Capacity by pool and zone",
                  "资源池与安全域容量",
                  "Allocated against the hosts' capacity as last reported; rows at or above 80% "
                  "are flagged.",
                  {"SCOPE", "NAME", "HOSTS", "VCPU", "VCPU %", "MEMORY (GB)", "MEMORY %", "FLAG"},
                  {},
                  {false, false, true, true, true, true, true, false}};
  if (r.capacity.empty()) s.note = "No host has been enrolled.";
  for (const CapacityRow& c : r.capacity) {
    s.rows.push_back(
        {{c.scope, c.name, n(c.hosts), n(c.vcpu_allocated) + " / " + n(c.vcpu_total),
          percent_text(c.vcpu_permille), n(c.memory_gib_allocated) + " / " + n(c.memory_gib_total),
          percent_text(c.memory_permille), c.flagged ? "at or above 80%" : ""},
         c.flagged});
  }
  return s;
}

ReportSection efficiency(const Report& r) {
  ReportSection s{"efficiency",
                  "Cloud efficiency per business system",
                  "业务系统云资源使用效率",
                  "CPU and memory the guests used against what is allocated, from the hourly "
                  "metric rollups (raw samples for VMs with no finished hour yet). PEAK sums the "
                  "VMs' peaks, an upper bound. A VM is idle when its average CPU stays below " +
                      percent_text(kIdleCpuPermille) + " of its vCPUs.",
                  {"TENANT", "SYSTEM", "VMS", "VCPU", "CPU AVG", "CPU PEAK", "MEMORY (GB)",
                   "MEM AVG", "MEM PEAK", "IDLE VMS"},
                  {},
                  {false, false, true, true, true, true, true, true, true, false}};
  if (r.efficiency.empty())
    s.note = "No metrics in this period: `xcloudctl serve` (or `xcloudctl collect`) records them.";
  for (const Report::Efficiency& e : r.efficiency) {
    std::string idle = std::to_string(e.idle_vms.size());
    for (size_t i = 0; i < e.idle_vms.size() && i < 5; ++i)
      idle += (i ? ", " : ": ") + e.idle_vms[i];
    if (e.idle_vms.size() > 5) idle += ", ...";
    s.rows.push_back({{tenant_text(r, e.tenant), or_dash(e.system), n(e.vms), n(e.vcpus),
                       percent_text(e.cpu_avg_permille), percent_text(e.cpu_peak_permille),
                       n(e.memory_mib / 1024), percent_text(e.memory_avg_permille),
                       percent_text(e.memory_peak_permille), idle}});
  }
  return s;
}

ReportSection capacity_forecast(const Report& r) {
  ReportSection s{
      "capacity-forecast",
      "Capacity and forecast per pool",
      "资源池容量预测",
      "vCPU with each pool's cpuOvercommit; USED from the last hour of metrics. The "
      "dates are where the least-squares trend of the last 90 days' allocation "
      "reaches 80% (expansion due within 7 days) and 100%.",
      {"POOL", "RESOURCE", "TOTAL", "ALLOCATED", "ALLOC%", "USED", "TREND", "80% ON", "100% ON"},
      {},
      {false, false, true, true, true, true, true, false, false}};
  if (!r.capacity_view) {
    s.note = "Not available.";
    return s;
  }
  const CapacityView& v = *r.capacity_view;
  for (size_t i = 0; i < v.lines.size(); ++i) {
    const CapacityLine& l = v.lines[i];
    if (l.scope != "pool") continue;
    const auto& f = v.forecasts[i];
    s.rows.push_back({{l.name, l.resource, n(l.total), n(l.allocated), percent_text(l.permille),
                       l.used ? n(*l.used) : "-", f ? slope_text(*f) : "",
                       f ? reach_text(f->at_80) : "", f ? reach_text(f->at_100) : ""},
                      l.flagged});
  }
  if (s.rows.empty()) s.note = "No host has been enrolled.";
  return s;
}

// The monthly service level, incidents and penalties (sla_sections.h), or
// why they are missing.
std::vector<ReportSection> service_level(const Report& r) {
  if (r.sla) return sla_sections(*r.sla);
  return {{"service-level",
           "Service level per business system",
           "服务水平",
           "Not available: " + (r.sla_error.empty() ? std::string("not assessed") : r.sla_error),
           {},
           {},
           {}}};
}

}  // namespace

std::vector<ReportSection> report_sections(const Report& r) {
  if (r.kind == ReportKind::kWeekly) {
    return {summary(r),  change_counts(r),     allocation(r),      efficiency(r), top_tenants(r),
            capacity(r), capacity_forecast(r), request_section(r), change_log(r)};
  }
  std::vector<ReportSection> out{summary(r),     tenant_bill(r),      bill_lines(r),
                                 top_tenants(r), change_counts(r),    allocation(r),
                                 capacity(r),    capacity_forecast(r)};
  for (ReportSection& s : service_level(r)) out.push_back(std::move(s));
  out.push_back(change_log(r));
  return out;
}

}  // namespace xc
