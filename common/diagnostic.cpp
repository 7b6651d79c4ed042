#include "common/diagnostic.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "common/printable.h"

namespace xc {

// File names and messages carry users' text: escaped, one diagnostic stays
// one line whatever a manifest holds.
std::string format_diagnostic(const Diagnostic& d) {
  std::string out = printable(d.file);
  if (d.pos.line > 0) {
    out += ":" + std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column);
  }
  out += ": error: " + printable(d.message);
  return out;
}

nlohmann::json diagnostics_to_json(const std::vector<Diagnostic>& diagnostics) {
  auto out = nlohmann::json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"file", d.file},
                   {"line", d.pos.line},
                   {"column", d.pos.column},
                   {"severity", "error"},
                   {"field", d.field},
                   {"message", d.message}});
  }
  return out;
}

void sort_diagnostics(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tie(a.file, a.pos.line, a.pos.column, a.message) <
           std::tie(b.file, b.pos.line, b.pos.column, b.message);
  });
  diagnostics.erase(std::unique(diagnostics.begin(), diagnostics.end(),
                                [](const auto& a, const auto& b) {
                                  return a.file == b.file && a.pos.line == b.pos.line &&
                                         a.pos.column == b.pos.column && a.message == b.message;
                                }),
                    diagnostics.end());
}

}  // namespace xc
