// Small SVG charts for the HTML report, built with pugixml (so every label is
// escaped by the library) from integers only: the same data always gives the
// same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <vector>

namespace xc {

struct Bar {
  std::string label;
  int64_t value = 0;       // in the chart's unit; negative values draw as zero
  std::string value_text;  // printed after the bar
  bool flagged = false;
};

// Horizontal bars, one row per bar, scaled to the largest value (or to
// `scale_to` when it is larger). With `line_at`, a dashed line marks that
// value (the capacity report's 80%).
void append_bar_chart(pugi::xml_node parent, const std::string& title, const std::vector<Bar>& bars,
                      int64_t scale_to = 0, std::optional<int64_t> line_at = std::nullopt,
                      const std::string& line_label = "");

struct LinePoint {
  std::string label;  // shown under the x axis, for a few points
  int64_t value = 0;
};

// A line over evenly spaced points with a zero-based y axis.
void append_line_chart(pugi::xml_node parent, const std::string& title,
                       const std::vector<LinePoint>& points);

}  // namespace xc
