// The tender's penalty tables (data/sla-penalties.yaml, compiled in): each
// line's number, original text, coefficient and what xcloud checks for it.
// Plain values and a parser; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

// What xcloud evaluates for a line; kNone: it holds no facts for it.
enum class PenaltyMeasure { kNone, kAvailabilityBelow, kOutageAtLeast, kOutagesOrDowntime };

struct PenaltyLine {
  std::string table;  // "serious" or "general"
  int number = 0;     // 序号 in the tender's table
  std::string text, text_en;
  int64_t coefficient_percent = 0;  // 惩罚系数: 50 for 50%
  PenaltyMeasure measure = PenaltyMeasure::kNone;
  int64_t permyriad = 0;  // kAvailabilityBelow: ten-thousandths of a percent (999900 = 99.99%)
  int64_t minutes = 0;    // kOutageAtLeast, kOutagesOrDowntime
  int64_t count = 0;      // kOutagesOrDowntime
};

struct PenaltyTable {
  std::string id, name, name_en;  // "general", "一般违约行为表", "General breaches"
  std::vector<PenaltyLine> lines;
};

// Errors name the file and line: unknown measure, a missing or negative
// number, a measured line without its threshold.
Result<std::vector<PenaltyTable>> parse_penalty_tables(const std::string& yaml_text,
                                                       const std::string& file);

// The compiled-in tables of data/sla-penalties.yaml.
const std::vector<PenaltyTable>& builtin_penalty_tables();

}  // namespace xc
