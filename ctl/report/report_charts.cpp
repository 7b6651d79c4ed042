// The SVG charts (report_charts.h). Coordinates are whole pixels computed in
// integers; colours and sizes are fixed so the charts read alike everywhere.
#include "ctl/report/report_charts.h"

#include <algorithm>

namespace xc {
namespace {

constexpr int64_t kWidth = 720;

pugi::xml_node svg_root(pugi::xml_node parent, const std::string& title, int64_t height) {
  pugi::xml_node figure = parent.append_child("figure");
  pugi::xml_node svg = figure.append_child("svg");
  svg.append_attribute("xmlns") = "http://www.w3.org/2000/svg";
  svg.append_attribute("width") = kWidth;
  svg.append_attribute("height") = height;
  svg.append_attribute("viewBox") =
      ("0 0 " + std::to_string(kWidth) + " " + std::to_string(height)).c_str();
  svg.append_attribute("role") = "img";
  svg.append_child("title").text().set(title.c_str());
  pugi::xml_node caption = figure.append_child("figcaption");
  caption.text().set(title.c_str());
  return svg;
}

void attr(pugi::xml_node node, const char* name, int64_t value) {
  node.append_attribute(name) = static_cast<long long>(value);
}

pugi::xml_node text(pugi::xml_node svg, int64_t x, int64_t y, const std::string& content,
                    const char* anchor = "start", const char* css = "label") {
  pugi::xml_node t = svg.append_child("text");
  attr(t, "x", x);
  attr(t, "y", y);
  t.append_attribute("text-anchor") = anchor;
  t.append_attribute("class") = css;
  t.text().set(content.c_str());
  return t;
}

pugi::xml_node line(pugi::xml_node svg, int64_t x1, int64_t y1, int64_t x2, int64_t y2,
                    const char* css) {
  pugi::xml_node l = svg.append_child("line");
  attr(l, "x1", x1);
  attr(l, "y1", y1);
  attr(l, "x2", x2);
  attr(l, "y2", y2);
  l.append_attribute("class") = css;
  return l;
}

// The smallest 1, 2 or 5 × 10^k at or above `value` (at least 1), so that
// axis labels are round numbers.
int64_t nice_ceiling(int64_t value) {
  int64_t step = 1;
  for (;;) {
    for (int64_t m : {1, 2, 5}) {
      if (m * step >= value) return m * step;
    }
    step *= 10;
  }
}

}  // namespace

void append_bar_chart(pugi::xml_node parent, const std::string& title, const std::vector<Bar>& bars,
                      int64_t scale_to, std::optional<int64_t> line_at,
                      const std::string& line_label) {
  constexpr int64_t kRow = 26, kTop = 24, kLabelWidth = 200, kValueWidth = 170;
  constexpr int64_t kPlot = kWidth - kLabelWidth - kValueWidth;
  const int64_t height = kTop + kRow * std::max<int64_t>(1, static_cast<int64_t>(bars.size())) + 12;
  pugi::xml_node svg = svg_root(parent, title, height);
  int64_t scale = std::max<int64_t>(1, scale_to);
  for (const Bar& b : bars) scale = std::max(scale, b.value);
  if (bars.empty()) text(svg, kLabelWidth, kTop + 16, "No data for this period.");
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int64_t y = kTop + kRow * static_cast<int64_t>(i);
    text(svg, kLabelWidth - 8, y + 17, b.label, "end");
    const int64_t w = std::max<int64_t>(0, b.value) * kPlot / scale;
    pugi::xml_node rect = svg.append_child("rect");
    attr(rect, "x", kLabelWidth);
    attr(rect, "y", y + 4);
    attr(rect, "width", std::max<int64_t>(w, 1));
    attr(rect, "height", kRow - 8);
    rect.append_attribute("class") = b.flagged ? "bar flagged" : "bar";
    text(svg, kLabelWidth + w + 6, y + 17, b.value_text);
  }
  if (line_at) {
    const int64_t x = kLabelWidth + *line_at * kPlot / scale;
    line(svg, x, kTop - 6, x, height - 8, "limit");
    text(svg, x, kTop - 10, line_label, "middle", "limit-label");
  }
}

void append_line_chart(pugi::xml_node parent, const std::string& title,
                       const std::vector<LinePoint>& points) {
  constexpr int64_t kHeight = 240, kLeft = 64, kRight = 24, kTop = 20, kBottom = 36;
  constexpr int64_t kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;
  pugi::xml_node svg = svg_root(parent, title, kHeight);
  int64_t top = 0;
  for (const LinePoint& p : points) top = std::max(top, p.value);
  top = nice_ceiling(top);
  // Axes and three horizontal grid lines with their values.
  for (int64_t k = 0; k <= 2; ++k) {
    const int64_t y = kTop + kPlotH - kPlotH * k / 2;
    line(svg, kLeft, y, kLeft + kPlotW, y, k == 0 ? "axis" : "grid");
    text(svg, kLeft - 6, y + 4, std::to_string(top * k / 2), "end");
  }
  if (points.empty()) return;
  const int64_t n = static_cast<int64_t>(points.size());
  auto x_of = [&](int64_t i) { return n == 1 ? kLeft + kPlotW / 2 : kLeft + kPlotW * i / (n - 1); };
  auto y_of = [&](int64_t v) { return kTop + kPlotH - kPlotH * std::max<int64_t>(0, v) / top; };
  std::string coords;
  for (int64_t i = 0; i < n; ++i) {
    if (i) coords += ' ';
    coords += std::to_string(x_of(i)) + "," + std::to_string(y_of(points[i].value));
  }
  pugi::xml_node poly = svg.append_child("polyline");
  poly.append_attribute("points") = coords.c_str();
  poly.append_attribute("class") = "series";
  // At most eight x labels, always the first and the last point.
  const int64_t every = std::max<int64_t>(1, (n + 7) / 8);
  for (int64_t i = 0; i < n; ++i) {
    pugi::xml_node dot = svg.append_child("circle");
    attr(dot, "cx", x_of(i));
    attr(dot, "cy", y_of(points[i].value));
    attr(dot, "r", 3);
    dot.append_attribute("class") = "point";
    // The last label ends at the axis's end; one that would crowd it is left out.
    if (i == n - 1)
      text(svg, x_of(i), kHeight - kBottom + 18, points[i].label, n == 1 ? "middle" : "end");
    else if (i % every == 0 && n - 1 - i >= every)
      text(svg, x_of(i), kHeight - kBottom + 18, points[i].label, "middle");
  }
}

}  // namespace xc
