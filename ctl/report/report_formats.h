// The report written out. Every writer is a pure function of the Report, so
// the same data gives byte-identical files (the mail attaches the very same
// HTML and CSV that -o writes).
#pragma once

#include <string>

#include "ctl/report/report.h"
#include "ctl/report/report_charts.h"
#include "ctl/report/report_sections.h"

namespace xc {

// UTF-8 with a byte order mark and CRLF; one block per section: its title,
// its header row, its rows, then a blank line.
std::string report_csv(const Report& report);
// GitHub-flavoured Markdown: a heading and a pipe table per section.
std::string report_markdown(const Report& report);
// Every figure as numbers (amounts in fen, shares in per mille).
std::string report_json(const Report& report);
// One self-contained HTML file: inline CSS and SVG charts, no scripts, no
// links to anything outside it.
std::string report_html(const Report& report);
// The mail body: the same tables as plain HTML with inline styles and no
// SVG (mail clients do not show it); the change log is cut to its first
// `max_log_rows` rows, the full report being attached.
std::string report_mail_html(const Report& report, size_t max_log_rows = 50);

// Any page in the reports' look (`bill -o html`): a title, a line under it,
// bar charts, then the tables. Self-contained like report_html.
struct HtmlBars {
  std::string title;
  std::vector<Bar> bars;
};
std::string tables_html(const std::string& title, const std::string& subtitle,
                        const std::vector<HtmlBars>& charts,
                        const std::vector<ReportSection>& sections);

}  // namespace xc
