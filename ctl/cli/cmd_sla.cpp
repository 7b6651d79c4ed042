// xcloudctl sla --month YYYY-MM: each business system's availability,
// outages and downtime in the month, the tender's penalty lines it meets and
// their fines (ctl/sla/). CLI wiring; one run per process.
#include "ctl/cli/cmd_sla.h"

#include <CLI/CLI.hpp>

#include "common/time.h"
#include "ctl/billing/billing_inputs.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/sla_month_loader.h"
#include "ctl/cli/table.h"
#include "ctl/report/report_formats.h"
#include "ctl/report/sla_sections.h"

namespace xc {
namespace {

using nlohmann::json;

struct SlaOptions {
  std::string month, output = "table";
  int64_t service_months = 1;
};

json spans_json(const SlaMonth& m, const Outage& o) {
  return {{"from", civil::format_local(o.span.start_ms, m.offset_ms)},
          {"to", civil::format_local(o.span.end_ms, m.offset_ms)},
          {"durationMs", o.span.end_ms - o.span.start_ms},
          {"cause", o.cause}};
}

json month_json(const SlaMonth& m) {
  json systems = json::array();
  for (const SlaSystem& s : m.systems) {
    const SystemAvailability& a = s.availability;
    json outages = json::array(), penalties = json::array(), vms = json::array();
    for (const Outage& o : a.outages) outages.push_back(spans_json(m, o));
    for (const AppliedPenalty& p : s.penalties.applied)
      penalties.push_back({{"table", p.line->table},
                           {"line", p.line->number},
                           {"text", p.line->text},
                           {"coefficientPercent", p.line->coefficient_percent},
                           {"reason", p.reason},
                           {"fineFen", p.fine_fen}});
    for (const VmAvailability& v : a.vms)
      vms.push_back({{"name", v.name},
                     {"serviceMs", v.service_ms},
                     {"downMs", v.down_ms},
                     {"unobservedMs", v.unobserved_ms},
                     {"availabilityPpm", availability_ppm(v.service_ms, v.down_ms)}});
    systems.push_back(
        {{"tenant", a.tenant},
         {"system", a.system},
         {"serviceMs", a.service_ms},
         {"downMs", a.down_ms},
         {"unobservedMs", a.unobserved_ms},
         {"availabilityPpm", availability_ppm(a.service_ms, a.down_ms)},
         {"availability", ppm_percent_text(availability_ppm(a.service_ms, a.down_ms))},
         {"outageCount", a.outages.size()},
         {"longestOutageMs", a.longest_outage_ms},
         {"outages", outages},
         {"feeFen", s.fee.fee_fen},
         {"penalties", penalties},
         {"fineFen", s.penalties.total_fen},
         {"vms", vms}});
  }
  json not_measured = json::array();
  for (const PenaltyLine* l : m.not_measured)
    not_measured.push_back({{"table", l->table},
                            {"line", l->number},
                            {"text", l->text},
                            {"coefficientPercent", l->coefficient_percent}});
  return {{"month", m.label},
          {"evaluatedTo", civil::format_local(m.evaluated_to_ms, m.offset_ms)},
          {"platform",
           {{"vmServiceMs", m.vm_service_ms},
            {"vmDownMs", m.vm_down_ms},
            {"unobservedMs", m.unobserved_ms},
            {"availabilityPpm", availability_ppm(m.vm_service_ms, m.vm_down_ms)}}},
          {"serviceMonths", m.service_months},
          {"feeError", m.fee_error},
          {"totalFineFen", m.total_fine_fen},
          {"systems", systems},
          {"notMeasured", not_measured}};
}

void print_tables(std::ostream& out, const std::vector<ReportSection>& sections) {
  for (const ReportSection& s : sections) {
    out << s.title << " " << s.title_zh << "\n";
    if (!s.note.empty()) out << s.note << "\n";
    if (!s.rows.empty()) {
      Table t(s.headers);
      for (const ReportRow& r : s.rows) t.add(r.cells);
      t.print(out);
    }
    out << "\n";
  }
}

void run_sla(CliContext& ctx, const SlaOptions& o) {
  auto month = parse_bill_period(o.month);
  if (!month.ok() || month->month == 0) {
    print_error(ctx, "--month \"" + o.month + "\": expected YYYY-MM");
    ctx.exit_code = kExitUsage;
    return;
  }
  if (o.service_months < 1 || o.service_months > 120) {
    print_error(ctx, "--service-months: 1 to 120");
    ctx.exit_code = kExitUsage;
    return;
  }
  auto now = clock_now_ms();
  if (!now.ok()) {
    print_error(ctx, now.status().message());
    ctx.exit_code = kExitUsage;
    return;
  }
  auto store = open_state_store(ctx);
  if (!store) return;
  auto m = load_sla_month(*store, *month, *now, o.service_months);
  if (!m.ok()) {
    print_error(ctx, m.status().message());
    ctx.exit_code = kExitFailure;
    return;
  }
  const std::string title = "xcloud service level " + m->label + " 服务水平";
  if (o.output == "json" || o.output == "yaml") {
    json j = month_json(*m);
    ctx.out << (o.output == "json" ? json_text(j) : json_to_yaml(j)) << "\n";
  } else if (o.output == "csv") {
    ctx.out << sections_csv(title, sla_sections(*m));
  } else if (o.output == "html") {
    ctx.out << tables_html(title,
                           "Evaluated to " + civil::format_local(m->evaluated_to_ms, m->offset_ms),
                           {}, sla_sections(*m));
  } else {
    print_tables(ctx.out, sla_sections(*m));
  }
}

}  // namespace

void add_sla_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<SlaOptions>();
  auto* cmd = app.add_subcommand(
      "sla", "A month's availability per business system, outages, and the tender's penalties");
  cmd->add_option("--month", o->month, "The calendar month, YYYY-MM (Asia/Shanghai)")->required();
  cmd->add_option("--service-months", o->service_months,
                  "The fee is the system's bills of this many months ending with --month, "
                  "divided by it (1 to 120)")
      ->capture_default_str();
  add_output_option(*cmd, o->output, {"table", "csv", "json", "yaml", "html"});
  cmd->footer(
      "A business system (a VM's `system` label, per tenant) is down while any of its VMs\n"
      "declared running is not running: crashed, stopped or paused by something other than\n"
      "xcloud, or on a host that is unreachable, unless that host is in maintenance. What\n"
      "`xcloudctl serve` recorded is the source; time it was not watching is shown as\n"
      "UNOBSERVED and counted neither up nor down. The penalty lines come from the tender's\n"
      "一般违约行为表 and 严重违约行为表 (data/sla-penalties.yaml): fine = the system's\n"
      "cloud fee / the service months x the coefficient, in fen, rounded once; lines that\n"
      "need facts xcloud does not hold are listed as not measured by xcloud.\n"
      "Environment: XCLOUD_NOW_MS replaces the clock (a month still running is evaluated\n"
      "up to now).\n\n"
      "Examples:\n"
      "  xcloudctl sla --month 2026-11\n"
      "  xcloudctl sla --month 2026-11 -o html > sla-2026-11.html\n"
      "  xcloudctl sla --month 2026-11 --service-months 12 -o json");
  cmd->callback([&ctx, o] { run_sla(ctx, *o); });
}

}  // namespace xc
