// sla_sections (sla_sections.h).
#include "ctl/report/sla_sections.h"

#include <sstream>

#include "ctl/report/csv.h"

namespace xc {
namespace {

std::string n(int64_t v) {
  return std::to_string(v);
}
std::string or_dash(const std::string& text) {
  return text.empty() ? "-" : text;
}
std::string line_name(const PenaltyLine& l) {
  return (l.table == "serious" ? "严重违约行为表 " : "一般违约行为表 ") + n(l.number);
}

ReportSection service_level(const SlaMonth& m) {
  ReportSection s{"service-level",
                  "Service level per business system",
                  "服务水平",
                  "",
                  {"TENANT", "SYSTEM", "VMS", "AVAILABILITY", "OUTAGES", "DOWNTIME", "LONGEST",
                   "UNOBSERVED", "FINE (CNY)"},
                  {},
                  {false, false, true, true, true, true, true, true, true}};
  s.note = "Month " + m.label + ", evaluated to " +
           local_time_text(m.evaluated_to_ms, m.offset_ms) +
           " (Asia/Shanghai). A system is down while any of its VMs declared running is not "
           "running (its host unreachable counts), outside maintenance. ";
  if (m.unobserved_ms > 0)
    s.note +=
        "The controller was not watching for part of the month (UNOBSERVED): that time "
        "is counted neither up nor down, so availability may be higher than the truth. ";
  if (!m.fee_error.empty())
    s.note += "Fines cannot be computed: " + m.fee_error;
  else
    s.note += "Fine = the system's cloud fee / " + n(m.service_months) +
              " service month(s) x the coefficient, rounded once to the fen.";
  if (m.systems.empty()) s.note = "No VM was declared running in " + m.label + ".";
  for (const SlaSystem& sys : m.systems) {
    const SystemAvailability& a = sys.availability;
    s.rows.push_back({{a.tenant, or_dash(a.system), n(static_cast<int64_t>(a.vms.size())),
                       ppm_percent_text(availability_ppm(a.service_ms, a.down_ms)),
                       n(static_cast<int64_t>(a.outages.size())), duration_text(a.down_ms),
                       duration_text(a.longest_outage_ms), duration_text(a.unobserved_ms),
                       yuan_text(sys.penalties.total_fen)},
                      !sys.penalties.applied.empty()});
  }
  if (!m.systems.empty()) {
    int64_t outages = 0, vms = 0;
    for (const SlaSystem& sys : m.systems) {
      outages += static_cast<int64_t>(sys.availability.outages.size());
      vms += static_cast<int64_t>(sys.availability.vms.size());
    }
    s.rows.push_back(
        {{"PLATFORM", "", n(vms), ppm_percent_text(availability_ppm(m.vm_service_ms, m.vm_down_ms)),
          n(outages), duration_text(m.vm_down_ms), "", duration_text(m.unobserved_ms),
          yuan_text(m.total_fine_fen)},
         false,
         true});
  }
  return s;
}

ReportSection penalties(const SlaMonth& m) {
  ReportSection s{"penalties",
                  "Penalty lines met",
                  "违约处罚",
                  "The tender's 一般违约行为表 and 严重违约行为表 (data/sla-penalties.yaml); "
                  "罚款金额 = 业务系统云服务费 / 服务月数 x 惩罚系数.",
                  {"TENANT", "SYSTEM", "LINE", "COEFFICIENT", "WHY", "FEE (CNY)", "FINE (CNY)"},
                  {},
                  {false, false, false, true, false, true, true}};
  for (const SlaSystem& sys : m.systems)
    for (const AppliedPenalty& p : sys.penalties.applied)
      s.rows.push_back(
          {{sys.availability.tenant, or_dash(sys.availability.system),
            line_name(*p.line) + " " + p.line->text, n(p.line->coefficient_percent) + "%", p.reason,
            yuan_text(sys.fee.fee_fen), yuan_text(p.fine_fen)},
           true});
  if (s.rows.empty()) s.note = "No measured penalty line applies in " + m.label + ". " + s.note;
  return s;
}

ReportSection incidents(const SlaMonth& m) {
  ReportSection s{"incidents",
                  "Incidents and alarms",
                  "故障与告警",
                  "Incidents are the business systems' outages as the controller recorded them. ",
                  {"FROM", "TO", "DURATION", "TENANT", "SYSTEM", "CAUSE"},
                  {},
                  {false, false, true, false, false, false}};
  for (const SlaSystem& sys : m.systems)
    for (const Outage& o : sys.availability.outages)
      s.rows.push_back({{local_time_text(o.span.start_ms, m.offset_ms),
                         local_time_text(o.span.end_ms, m.offset_ms),
                         duration_text(o.span.end_ms - o.span.start_ms), sys.availability.tenant,
                         or_dash(sys.availability.system), o.cause}});
  if (s.rows.empty()) s.note += "None in " + m.label + ". ";
  s.note += kAlarmsNote;
  return s;
}

ReportSection not_measured(const SlaMonth& m) {
  ReportSection s{"not-measured",
                  "Penalty lines not measured by xcloud",
                  "未计量的违约条款",
                  "These need facts xcloud does not hold (losses, complaints, assessments, "
                  "response times, site attendance): not measured by xcloud.",
                  {"LINE", "COEFFICIENT", "TEXT", "IN ENGLISH"},
                  {},
                  {false, true, false, false}};
  for (const PenaltyLine* l : m.not_measured)
    s.rows.push_back({{line_name(*l), n(l->coefficient_percent) + "%", l->text, l->text_en}});
  return s;
}

}  // namespace

std::vector<ReportSection> sla_sections(const SlaMonth& m) {
  return {service_level(m), penalties(m), incidents(m), not_measured(m)};
}

std::string sections_csv(const std::string& title, const std::vector<ReportSection>& sections) {
  std::ostringstream out;
  out << kCsvBom << csv_field(title) << "\r\n\r\n";
  for (const ReportSection& s : sections) {
    out << csv_field(s.title + " " + s.title_zh) << "\r\n";
    if (!s.note.empty()) out << csv_field(s.note) << "\r\n";
    if (s.rows.empty()) {
      out << "\r\n";
      continue;
    }
    for (size_t i = 0; i < s.headers.size(); ++i) out << (i ? "," : "") << csv_field(s.headers[i]);
    out << "\r\n";
    for (const ReportRow& row : s.rows) {
      for (size_t i = 0; i < row.cells.size(); ++i)
        out << (i ? "," : "") << csv_field(row.cells[i]);
      out << "\r\n";
    }
    out << "\r\n";
  }
  return out.str();
}

}  // namespace xc
