// A month's service level (ctl/sla/sla_month.h) as report tables: per system
// availability and fines, the penalty lines met, the incidents (outages) and
// the lines xcloud does not measure. `xcloudctl sla` and the monthly report
// write these same tables. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ctl/report/report_sections.h"
#include "ctl/sla/sla_month.h"

namespace xc {

// The note under the incidents table about alarms: alarms come from
// `xcloudctl alarms` once it exists; the lead wires their rows here.
inline constexpr const char* kAlarmsNote =
    "Alarms are listed by `xcloudctl alarms list` and are not part of this table.";

std::vector<ReportSection> sla_sections(const SlaMonth& month);

// CSV of any titled tables (RFC 4180, UTF-8 BOM, CRLF), as report_csv writes them.
std::string sections_csv(const std::string& title, const std::vector<ReportSection>& sections);

}  // namespace xc
