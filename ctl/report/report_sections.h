// A Report laid out as titled tables of text, in reading order. CSV,
// Markdown, the HTML report and the mail body all write these same tables,
// so every format shows the same figures. JSON is written from the Report.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctl/report/report.h"

namespace xc {

struct ReportRow {
  std::vector<std::string> cells;
  bool flagged = false;  // at or above the capacity line
  bool total = false;    // a TOTAL row
};

struct ReportSection {
  std::string id;        // stable: "summary", "bill", "changes", ...
  std::string title;     // "Capacity by pool and zone"
  std::string title_zh;  // the same in Chinese, for the bureau's readers
  std::string note;      // a sentence shown above the table; may be ""
  std::vector<std::string> headers;
  std::vector<ReportRow> rows;
  std::vector<bool> numeric;  // per column: align right
};

std::vector<ReportSection> report_sections(const Report& report);

// "education 教育局": the path, then the display name when there is one.
std::string tenant_text(const Report& report, const std::string& tenant);

// Text helpers shared by the formats.
std::string yuan_text(int64_t fen);          // "1234.05" from 123405 fen; "-0.07" from -7
std::string percent_text(int64_t permille);  // "81.2%"
std::string local_time_text(int64_t instant_ms, int64_t offset_ms);  // "2026-11-30 08:00"
std::string local_date_text(int64_t instant_ms, int64_t offset_ms);  // "2026-11-30"

}  // namespace xc
