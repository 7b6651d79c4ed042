// The report as HTML, built with pugixml so every name is escaped by the
// library: the full report (inline CSS and SVG charts, no scripts, nothing
// fetched) and the mail body (plain tables with inline styles).
#include <pugixml.hpp>
#include <sstream>

#include "ctl/report/report_charts.h"
#include "ctl/report/report_formats.h"
#include "ctl/report/report_sections.h"

namespace xc {
namespace {

// Chinese needs a font that has it; the list covers Debian, Windows and macOS.
constexpr const char* kCss = R"(
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif; color: #1f2933; margin: 24px; }
main { max-width: 1080px; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #d9e2ec; padding-bottom: 4px; }
.meta, .note { color: #52606d; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid #d9e2ec; padding: 4px 8px; text-align: left; }
th { background: #f0f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f8fafc; }
tr.flag td { background: #ffe3e3; color: #8a1c1c; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; border: 1px solid #d9e2ec; padding: 8px; }
figcaption { font-size: 13px; color: #52606d; }
svg text { font-size: 12px; fill: #1f2933; }
svg .bar { fill: #2f80ed; }
svg .bar.flagged { fill: #d64545; }
svg .limit { stroke: #d64545; stroke-width: 2; stroke-dasharray: 6 4; }
svg text.limit-label { fill: #d64545; font-weight: bold; }
svg .axis { stroke: #52606d; }
svg .grid { stroke: #d9e2ec; }
svg .series { fill: none; stroke: #2f80ed; stroke-width: 2; }
svg .point { fill: #2f80ed; }
)";

// Inline styles for the mail body: many mail clients drop <style>.
constexpr const char* kMailCell = "border:1px solid #d9e2ec;padding:4px 8px;";

pugi::xml_node element(pugi::xml_node parent, const char* name, const std::string& content = "") {
  pugi::xml_node node = parent.append_child(name);
  // A text child, even empty, keeps pugixml from writing <td/>, which HTML
  // would read as an open tag.
  node.append_child(pugi::node_pcdata).set_value(content.c_str());
  return node;
}

void append_section(pugi::xml_node parent, const ReportSection& s, bool mail) {
  pugi::xml_node h2 = element(parent, "h2", s.title + " ");
  element(h2, "span", s.title_zh).append_attribute("lang") = "zh-CN";
  if (!s.note.empty()) {
    pugi::xml_node p = element(parent, "p", s.note);
    p.append_attribute("class") = "note";
  }
  if (s.rows.empty()) return;
  pugi::xml_node table = parent.append_child("table");
  if (mail) table.append_attribute("style") = "border-collapse:collapse;font-size:13px;";
  pugi::xml_node head = table.append_child("thead").append_child("tr");
  for (const std::string& h : s.headers) {
    pugi::xml_node th = element(head, "th", h);
    if (mail)
      th.append_attribute("style") =
          (std::string(kMailCell) + "background:#f0f4f8;text-align:left;").c_str();
  }
  pugi::xml_node body = table.append_child("tbody");
  for (const ReportRow& row : s.rows) {
    pugi::xml_node tr = body.append_child("tr");
    if (row.flagged)
      tr.append_attribute("class") = "flag";
    else if (row.total)
      tr.append_attribute("class") = "total";
    for (size_t i = 0; i < row.cells.size(); ++i) {
      pugi::xml_node td = element(tr, "td", row.cells[i]);
      bool numeric = i < s.numeric.size() && s.numeric[i];
      if (numeric) td.append_attribute("class") = "num";
      if (mail) {
        std::string style = kMailCell;
        if (numeric) style += "text-align:right;";
        if (row.total) style += "font-weight:bold;";
        if (row.flagged) style += "background:#ffe3e3;color:#8a1c1c;font-weight:bold;";
        td.append_attribute("style") = style.c_str();
      }
    }
  }
}

const char* title_zh(const Report& r) {
  return r.kind == ReportKind::kWeekly ? "周报" : "月报";
}

// <!DOCTYPE html><html><head>...</head><body><main> with the title and the
// line under it: returns <main>.
pugi::xml_node start_document(pugi::xml_document& doc, const std::string& title,
                              const std::string& subtitle, const char* css) {
  doc.append_child(pugi::node_doctype).set_value("html");
  pugi::xml_node html = doc.append_child("html");
  html.append_attribute("lang") = "zh-CN";
  pugi::xml_node head = html.append_child("head");
  head.append_child("meta").append_attribute("charset") = "utf-8";
  pugi::xml_node viewport = head.append_child("meta");
  viewport.append_attribute("name") = "viewport";
  viewport.append_attribute("content") = "width=device-width, initial-scale=1";
  element(head, "title", title);
  if (css != nullptr) element(head, "style", css);
  pugi::xml_node main = element(html, "body").append_child("main");
  element(main, "h1", title);
  element(main, "p", subtitle).append_attribute("class") = "meta";
  return main;
}

pugi::xml_node start_document(pugi::xml_document& doc, const Report& r, const char* css) {
  return start_document(doc, report_title(r) + " " + title_zh(r),
                        local_time_text(r.period.start_ms, r.period.offset_ms) + " to " +
                            local_time_text(r.period.end_ms, r.period.offset_ms) +
                            " (Asia/Shanghai); generated " +
                            local_time_text(r.generated_at_ms, r.period.offset_ms) + ".",
                        css);
}

std::string serialize(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str() + "\n";
}

void append_charts(pugi::xml_node main, const Report& r) {
  pugi::xml_node charts = main.append_child("section");
  charts.append_attribute("class") = "charts";
  std::vector<Bar> costs;
  for (const TenantCost& t : r.top_tenants)
    costs.push_back({tenant_text(r, t.tenant), t.amount_fen, yuan_text(t.amount_fen) + " CNY"});
  append_bar_chart(charts, "Cost per tenant, top 10 (CNY) 部门费用", costs);

  std::vector<LinePoint> vcpu, memory;
  for (const AllocationPoint& p : r.series) {
    // Days at midnight by date; the last point, "as of", with its time.
    std::string day = &p == &r.series.back()
                          ? local_time_text(p.time_ms, r.period.offset_ms).substr(5)
                          : local_date_text(p.time_ms, r.period.offset_ms).substr(5);
    vcpu.push_back({day, p.total.vcpu});
    memory.push_back({day, p.total.memory_gb});
  }
  append_line_chart(charts, "vCPU allocated over the period 已分配vCPU", vcpu);
  append_line_chart(charts, "Memory allocated over the period (GB) 已分配内存", memory);

  std::vector<Bar> capacity;
  for (const CapacityRow& c : r.capacity) {
    capacity.push_back(
        {c.scope + " " + c.name, std::max(c.vcpu_permille, c.memory_permille),
         "vCPU " + percent_text(c.vcpu_permille) + ", mem " + percent_text(c.memory_permille),
         c.flagged});
  }
  append_bar_chart(charts, "Capacity used by pool and zone (the larger of vCPU and memory) 容量",
                   capacity, 1000, kCapacityFlagPermille, "80%");
}

}  // namespace

std::string report_html(const Report& r) {
  pugi::xml_document doc;
  pugi::xml_node main = start_document(doc, r, kCss);
  append_charts(main, r);
  for (const ReportSection& s : report_sections(r)) append_section(main, s, false);
  return serialize(doc);
}

std::string report_mail_html(const Report& r, size_t max_log_rows) {
  pugi::xml_document doc;
  pugi::xml_node main = start_document(doc, r, nullptr);
  main.parent().append_attribute("style") =
      "font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',sans-serif;color:#1f2933;";
  element(main, "p", "The full report with charts and the CSV are attached.");
  for (ReportSection s : report_sections(r)) {
    if (s.id == "change-log" && s.rows.size() > max_log_rows) {
      s.note = "The first " + std::to_string(max_log_rows) + " of " +
               std::to_string(s.rows.size()) + " changes; all are in the attached report.";
      s.rows.resize(max_log_rows);
    }
    append_section(main, s, true);
  }
  return serialize(doc);
}

std::string tables_html(const std::string& title, const std::string& subtitle,
                        const std::vector<HtmlBars>& charts,
                        const std::vector<ReportSection>& sections) {
  pugi::xml_document doc;
  pugi::xml_node main = start_document(doc, title, subtitle, kCss);
  if (!charts.empty()) {
    pugi::xml_node section = main.append_child("section");
    section.append_attribute("class") = "charts";
    for (const HtmlBars& c : charts) append_bar_chart(section, c.title, c.bars);
  }
  for (const ReportSection& s : sections) append_section(main, s, false);
  return serialize(doc);
}

}  // namespace xc
