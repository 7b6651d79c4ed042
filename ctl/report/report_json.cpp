// The report as JSON: the Report's figures with stable names, amounts in fen
// and shares in per mille, so a script can use them without parsing text.
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "ctl/report/report_formats.h"

namespace xc {
namespace {

using nlohmann::ordered_json;

ordered_json allocation_json(const AllocatedResources& a) {
  return {{"vms", a.vms},
          {"vcpu", a.vcpu},
          {"memory_gb", a.memory_gb},
          {"storage_gb", a.storage_gb},
          {"accelerators", a.accelerators}};
}

ordered_json counts_json(const ChangeCount& c) {
  return {{"created", c.created},
          {"moved", c.moved},
          {"resized", c.resized},
          {"deleted", c.deleted},
          {"updated", c.updated}};
}

}  // namespace

std::string report_json(const Report& r) {
  const int64_t zone = r.period.offset_ms;
  auto when = [&](int64_t ms) { return civil::format_local(ms, zone); };
  ordered_json out;
  out["report"] = report_kind_name(r.kind);
  out["period"] = r.period.label();
  out["time_zone"] = "Asia/Shanghai";
  out["from"] = when(r.period.start_ms);
  out["to"] = when(r.period.end_ms);
  out["generated_at"] = when(r.generated_at_ms);
  out["allocation_as_of"] = when(r.as_of_ms);

  ordered_json changes = ordered_json::array();
  for (const ReportChange& c : r.changes) {
    changes.push_back({{"time", when(c.time_ms)},
                       {"tenant", c.tenant},
                       {"system", c.system},
                       {"kind", c.kind},
                       {"name", c.name},
                       {"action", c.action},
                       {"by", c.actor},
                       {"result", c.result},
                       {"message", c.message}});
  }
  ordered_json counts = ordered_json::array();
  for (const ChangeCount& c : r.change_counts) {
    ordered_json row = {{"tenant", c.tenant}, {"system", c.system}};
    row.update(counts_json(c));
    counts.push_back(std::move(row));
  }
  out["changes"] = {
      {"total", counts_json(r.change_total)}, {"by_tenant_system", counts}, {"log", changes}};

  ordered_json allocation = ordered_json::array();
  for (const AllocatedResources& a : r.allocation) {
    ordered_json row = {{"tenant", a.tenant}, {"system", a.system}};
    row.update(allocation_json(a));
    allocation.push_back(std::move(row));
  }
  ordered_json series = ordered_json::array();
  for (const AllocationPoint& p : r.series) {
    ordered_json point = {{"time", when(p.time_ms)}};
    point.update(allocation_json(p.total));
    series.push_back(std::move(point));
  }
  out["allocation"] = {{"total", allocation_json(r.allocation_total)},
                       {"by_tenant_system", allocation},
                       {"series", series}};

  ordered_json cost = {{"currency", "CNY"}};
  if (!r.bill_error.empty()) {
    cost["error"] = r.bill_error;
  } else {
    if (!r.bill_note.empty()) cost["note"] = r.bill_note;
    ordered_json lines = ordered_json::array();
    for (const BillLine& l : r.bill.lines) {
      ordered_json line = {{"tenant", l.tenant},
                           {"item", l.item},
                           {"quantity_months", l.quantity_months},
                           {"amount_fen", l.amount_fen}};
      if (l.adjustment_id != 0)
        line["adjustment"] = {{"id", l.adjustment_id}, {"reason", l.adjustment_reason}};
      lines.push_back(std::move(line));
    }
    ordered_json tenants = ordered_json::array();
    for (const TenantTotal& t : r.tenant_totals)
      tenants.push_back({{"tenant", t.tenant}, {"own_fen", t.own_fen}, {"total_fen", t.total_fen}});
    ordered_json top = ordered_json::array();
    for (const TenantCost& t : r.top_tenants)
      top.push_back({{"tenant", t.tenant}, {"amount_fen", t.amount_fen}});
    cost["total_fen"] = r.bill.total_fen;
    cost["top_tenants"] = top;
    cost["tenants"] = tenants;
    cost["lines"] = lines;
  }
  out["cost"] = cost;

  ordered_json capacity = ordered_json::array();
  for (const CapacityRow& c : r.capacity) {
    capacity.push_back({{"scope", c.scope},
                        {"name", c.name},
                        {"hosts", c.hosts},
                        {"vcpu",
                         {{"allocated", c.vcpu_allocated},
                          {"total", c.vcpu_total},
                          {"permille", c.vcpu_permille}}},
                        {"memory_gb",
                         {{"allocated", c.memory_gib_allocated},
                          {"total", c.memory_gib_total},
                          {"permille", c.memory_permille}}},
                        {"flagged", c.flagged}});
  }
  out["capacity"] = {{"flag_permille", kCapacityFlagPermille}, {"rows", capacity}};
  out["tenant_names"] = r.tenant_names;
  if (r.kind == ReportKind::kWeekly) {
    ordered_json efficiency = ordered_json::array();
    for (const Report::Efficiency& e : r.efficiency)
      efficiency.push_back({{"tenant", e.tenant},
                            {"system", e.system},
                            {"vms", e.vms},
                            {"vcpus", e.vcpus},
                            {"memory_mib", e.memory_mib},
                            {"cpu_avg_permille", e.cpu_avg_permille},
                            {"cpu_peak_permille", e.cpu_peak_permille},
                            {"memory_avg_permille", e.memory_avg_permille},
                            {"memory_peak_permille", e.memory_peak_permille},
                            {"idle_vms", e.idle_vms}});
    out["efficiency"] = efficiency;
    ordered_json requests = ordered_json::array();
    for (const RequestRecord& q : r.requests)
      requests.push_back({{"id", q.id},
                          {"created_ms", q.created_ms},
                          {"tenant", q.tenant},
                          {"action", q.action},
                          {"vm", q.vm},
                          {"size", q.size},
                          {"requester", q.requester},
                          {"state", q.state},
                          {"decided_by", q.decided_by},
                          {"reason", q.reason}});
    out["requests"] = requests;
  }
  if (r.kind == ReportKind::kMonthly) {
    ordered_json items = ordered_json::array(), systems = ordered_json::array();
    if (r.sla) {
      for (const SlaSystem& s : r.sla->systems) {
        const SystemAvailability& a = s.availability;
        systems.push_back({{"tenant", a.tenant},
                           {"system", a.system},
                           {"availability_ppm", availability_ppm(a.service_ms, a.down_ms)},
                           {"outages", a.outages.size()},
                           {"down_ms", a.down_ms},
                           {"unobserved_ms", a.unobserved_ms},
                           {"fine_fen", s.penalties.total_fen}});
        for (const Outage& o : a.outages)
          items.push_back({{"tenant", a.tenant},
                           {"system", a.system},
                           {"from_ms", o.span.start_ms},
                           {"to_ms", o.span.end_ms},
                           {"cause", o.cause}});
      }
      out["service_level"] = {
          {"platform_availability_ppm", availability_ppm(r.sla->vm_service_ms, r.sla->vm_down_ms)},
          {"unobserved_ms", r.sla->unobserved_ms},
          {"total_fine_fen", r.sla->total_fine_fen},
          {"systems", systems}};
    } else {
      out["service_level"] = {{"error", r.sla_error}};
    }
    out["incidents"] = {{"collected", r.sla.has_value()}, {"items", items}};
  }
  return out.dump(2) + "\n";
}

}  // namespace xc
