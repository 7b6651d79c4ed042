// The weekly report's requests section: each request (ctl/requests/) made
// or decided in the week, with its outcome as it stands. Pure; thread-safe.
#pragma once

#include "ctl/report/report_sections.h"

namespace xc {

ReportSection request_section(const Report& report);

}  // namespace xc
