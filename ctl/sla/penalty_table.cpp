// parse_penalty_tables (penalty_table.h).
#include "ctl/sla/penalty_table.h"

#include <yaml-cpp/yaml.h>

#include <optional>

#include "common/embedded_files.h"

namespace xc {
namespace {

std::optional<PenaltyMeasure> measure_from(const std::string& name) {
  if (name == "none") return PenaltyMeasure::kNone;
  if (name == "availability-below") return PenaltyMeasure::kAvailabilityBelow;
  if (name == "outage-at-least") return PenaltyMeasure::kOutageAtLeast;
  if (name == "outages-or-downtime") return PenaltyMeasure::kOutagesOrDowntime;
  return std::nullopt;
}

Status line_error(const std::string& file, const YAML::Node& node, const std::string& what) {
  return error(Code::kInvalidArgument,
               file + ":" + std::to_string(node.Mark().line + 1) + ": " + what);
}

int64_t int_or(const YAML::Node& node, const char* key) {
  return node[key] ? node[key].as<int64_t>() : 0;
}

Result<PenaltyLine> parse_line(const YAML::Node& node, const std::string& table,
                               const std::string& file) {
  PenaltyLine l;
  l.table = table;
  l.number = node["number"] ? node["number"].as<int>() : 0;
  l.text = node["text"] ? node["text"].as<std::string>() : "";
  l.text_en = node["text_en"] ? node["text_en"].as<std::string>() : "";
  l.coefficient_percent = int_or(node, "coefficient_percent");
  std::string measure = node["measure"] ? node["measure"].as<std::string>() : "";
  auto m = measure_from(measure);
  if (!m) return line_error(file, node, "unknown measure '" + measure + "'");
  l.measure = *m;
  l.permyriad = int_or(node, "permyriad");
  l.minutes = int_or(node, "minutes");
  l.count = int_or(node, "count");
  if (l.number <= 0 || l.text.empty() || l.coefficient_percent <= 0)
    return line_error(file, node, "a line needs a number, its text and a positive coefficient");
  bool complete = l.measure == PenaltyMeasure::kNone ||
                  (l.measure == PenaltyMeasure::kAvailabilityBelow && l.permyriad > 0 &&
                   l.permyriad <= 1'000'000) ||
                  (l.measure == PenaltyMeasure::kOutageAtLeast && l.minutes > 0) ||
                  (l.measure == PenaltyMeasure::kOutagesOrDowntime && l.count > 0 && l.minutes > 0);
  if (!complete)
    return line_error(file, node,
                      "line " + std::to_string(l.number) + ": measure '" + measure +
                          "' needs its threshold (permyriad, minutes or count)");
  return l;
}

}  // namespace

Result<std::vector<PenaltyTable>> parse_penalty_tables(const std::string& yaml_text,
                                                       const std::string& file) {
  std::vector<PenaltyTable> out;
  try {
    YAML::Node root = YAML::Load(yaml_text);
    for (const auto& t : root["tables"]) {
      PenaltyTable table;
      table.id = t["id"].as<std::string>();
      table.name = t["name"].as<std::string>();
      table.name_en = t["name_en"] ? t["name_en"].as<std::string>() : "";
      for (const auto& node : t["lines"]) {
        auto line = parse_line(node, table.id, file);
        if (!line.ok()) return line.status();
        table.lines.push_back(std::move(*line));
      }
      out.push_back(std::move(table));
    }
  } catch (const YAML::Exception& e) {
    return error(Code::kInvalidArgument, file + ":" + std::to_string(e.mark.line + 1) +
                                             ": invalid penalty table: " + e.msg);
  }
  if (out.empty()) return error(Code::kInvalidArgument, file + ": no penalty table found");
  return out;
}

const std::vector<PenaltyTable>& builtin_penalty_tables() {
  static const std::vector<PenaltyTable> tables = [] {
    auto parsed = parse_penalty_tables(std::string(embedded_files().at("data/sla-penalties.yaml")),
                                       "sla-penalties.yaml");
    return parsed.ok() ? *parsed : std::vector<PenaltyTable>{};
  }();
  return tables;
}

}  // namespace xc
