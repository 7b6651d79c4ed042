// The report as CSV and as Markdown: the sections' tables, one after another.
#include <sstream>

#include "common/printable.h"
#include "ctl/report/csv.h"
#include "ctl/report/report_formats.h"
#include "ctl/report/report_sections.h"
#include "ctl/report/sla_sections.h"

namespace xc {

std::string report_csv(const Report& report) {
  return sections_csv(report_title(report), report_sections(report));
}

namespace {

// Text from the data (names, labels, notes) as Markdown shows it literally:
// control characters escaped, HTML and Markdown syntax characters escaped so
// a name can neither inject markup nor break the table.
std::string md_text(const std::string& text) {
  std::string out;
  for (char c : printable(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string md_cell(const std::string& text) {
  return text.empty() ? " " : md_text(text);
}

}  // namespace

std::string report_markdown(const Report& report) {
  std::ostringstream out;
  out << "# " << md_text(report_title(report)) << "\n";
  for (const ReportSection& s : report_sections(report)) {
    out << "\n## " << md_text(s.title) << " · " << md_text(s.title_zh) << "\n";
    if (!s.note.empty()) out << "\n" << md_text(s.note) << "\n";
    if (s.rows.empty()) continue;
    out << "\n";
    out << "|";
    for (const std::string& h : s.headers) out << " " << md_cell(h) << " |";
    out << "\n|";
    for (size_t i = 0; i < s.headers.size(); ++i)
      out << (i < s.numeric.size() && s.numeric[i] ? " ---: |" : " --- |");
    out << "\n";
    for (const ReportRow& row : s.rows) {
      out << "|";
      for (const std::string& c : row.cells)
        out << " "
            << (c.empty() || !(row.total || row.flagged) ? md_cell(c) : "**" + md_cell(c) + "**")
            << " |";
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace xc
