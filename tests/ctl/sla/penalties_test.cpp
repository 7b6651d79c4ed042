#include "ctl/sla/penalties.h"

#include <doctest/doctest.h>

#include <algorithm>

using namespace xc;

namespace {

constexpr int64_t kPenaltyMinute = 60'000, kPenaltyHour = 3'600'000;
constexpr int64_t kMonth = 30 * 24 * kPenaltyHour;

SystemAvailability system_with(std::vector<int64_t> outage_ms) {
  SystemAvailability s;
  s.tenant = "education";
  s.system = "portal";
  s.service_ms = kMonth;
  int64_t t = 0;
  for (int64_t d : outage_ms) {
    s.outages.push_back({{t, t + d}, "vm web-1 crashed"});
    s.down_ms += d;
    s.longest_outage_ms = std::max(s.longest_outage_ms, d);
    t += d + kPenaltyHour;
  }
  return s;
}

std::vector<std::pair<std::string, int>> lines_of(const SystemPenalties& p) {
  std::vector<std::pair<std::string, int>> out;
  for (const AppliedPenalty& a : p.applied) out.push_back({a.line->table, a.line->number});
  return out;
}

}  // namespace

TEST_CASE("the built-in table holds both of the tender's tables, every line numbered") {
  const auto& tables = builtin_penalty_tables();
  REQUIRE(tables.size() == 2);
  CHECK(tables[0].name == "严重违约行为表");
  CHECK(tables[0].lines.size() == 12);
  CHECK(tables[1].name == "一般违约行为表");
  REQUIRE(tables[1].lines.size() == 13);
  for (size_t i = 0; i < tables[1].lines.size(); ++i)
    CHECK(tables[1].lines[i].number == int(i + 1));
  const PenaltyLine& availability = tables[1].lines[0];
  CHECK(availability.coefficient_percent == 50);
  CHECK(availability.measure == PenaltyMeasure::kAvailabilityBelow);
  CHECK(availability.permyriad == 999'900);
  CHECK(tables[1].lines[4].text == "因所提供的云服务或安全服务出现故障，造成某系统宕机 2 小时以上");
  CHECK(tables[1].lines[4].minutes == 120);
  CHECK(tables[1].lines[5].coefficient_percent == 60);
  CHECK(tables[1].lines[3].measure == PenaltyMeasure::kNone);  // expansion: not measured
}

TEST_CASE("a table with an unknown measure or no threshold is refused, naming the line") {
  auto bad = parse_penalty_tables(
      "tables:\n  - id: general\n    name: t\n    lines:\n"
      "      - {number: 1, coefficient_percent: 50, measure: uptime, text: x}\n",
      "p.yaml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "p.yaml:5: unknown measure 'uptime'");
  auto no_threshold = parse_penalty_tables(
      "tables:\n  - id: general\n    name: t\n    lines:\n"
      "      - {number: 5, coefficient_percent: 30, measure: outage-at-least, text: x}\n",
      "p.yaml");
  REQUIRE_FALSE(no_threshold.ok());
  CHECK(no_threshold.status().message() ==
        "p.yaml:5: line 5: measure 'outage-at-least' needs its threshold (permyriad, minutes or "
        "count)");
}

TEST_CASE("no outage: no line applies") {
  auto p = apply_penalties(builtin_penalty_tables(), system_with({}), {100'000, 1});
  REQUIRE(p.ok());
  CHECK(p->applied.empty());
  CHECK(p->total_fen == 0);
}

TEST_CASE("4 min 19.2 s down in a 30-day month is exactly 99.99%: no fine, a ms more is") {
  auto at_line = apply_penalties(builtin_penalty_tables(), system_with({259'200}), {100'000, 1});
  REQUIRE(at_line.ok());
  CHECK(at_line->applied.empty());
  auto below = apply_penalties(builtin_penalty_tables(), system_with({259'201}), {100'000, 1});
  REQUIRE(below.ok());
  CHECK(lines_of(*below) == std::vector<std::pair<std::string, int>>{{"general", 1}});
  CHECK(below->applied[0].reason == "availability 99.9899% < 99.9900%");
  CHECK(below->applied[0].fine_fen == 50'000);  // 1000.00 CNY x 50%
}

TEST_CASE("two hours down once: lines 1 and 5, three short outages: line 6") {
  auto two_hours =
      apply_penalties(builtin_penalty_tables(), system_with({2 * kPenaltyHour}), {123'457, 1});
  REQUIRE(two_hours.ok());
  CHECK(lines_of(*two_hours) ==
        std::vector<std::pair<std::string, int>>{{"general", 1}, {"general", 5}});
  CHECK(two_hours->applied[1].reason == "an outage of 2 h 00 min >= 2 h 00 min");
  // 1234.57 x 30% = 370.371 -> 370.37; x 50% = 617.285 -> 617.29 (half away from zero)
  CHECK(two_hours->applied[0].fine_fen == 61'729);
  CHECK(two_hours->applied[1].fine_fen == 37'037);
  CHECK(two_hours->total_fen == 98'766);

  auto just_under =
      apply_penalties(builtin_penalty_tables(), system_with({2 * kPenaltyHour - 1}), {100, 1});
  CHECK(lines_of(*just_under) == std::vector<std::pair<std::string, int>>{{"general", 1}});

  auto three =
      apply_penalties(builtin_penalty_tables(),
                      system_with({kPenaltyMinute, kPenaltyMinute, kPenaltyMinute}), {100'000, 1});
  // 3 minutes of 30 days is 99.993%: above the availability line.
  CHECK(lines_of(*three) == std::vector<std::pair<std::string, int>>{{"general", 6}});
  CHECK(three->applied[0].reason == "3 outages >= 3");
}

TEST_CASE("eight hours down in total over two outages: line 6") {
  auto p = apply_penalties(builtin_penalty_tables(), system_with({7 * kPenaltyHour, kPenaltyHour}),
                           {100'000, 1});
  REQUIRE(p.ok());
  CHECK(lines_of(*p) ==
        std::vector<std::pair<std::string, int>>{{"general", 1}, {"general", 5}, {"general", 6}});
  CHECK(p->applied[2].reason == "down 8 h 00 min in total >= 8 h 00 min");
}

TEST_CASE("the fine is the fee over the service months times the coefficient, rounded once") {
  CHECK(*penalty_fine_fen(1'000'000, 12, 50) == 41'667);  // 10000.00 / 12 x 50% = 416.666...
  CHECK(*penalty_fine_fen(100, 3, 50) == 17);             // 0.1666... -> 0.17
  CHECK(*penalty_fine_fen(1, 1, 50) == 1);                // 0.005 -> 0.01: half away from zero
  CHECK(*penalty_fine_fen(0, 1, 600) == 0);
  CHECK_FALSE(penalty_fine_fen(100, 0, 50).ok());
  CHECK_FALSE(penalty_fine_fen(-1, 1, 50).ok());
  CHECK(penalty_fine_fen(INT64_MAX, 1, 600).status().code() == Code::kInvalidArgument);
}

TEST_CASE("durations read as people say them") {
  CHECK(duration_text(0) == "0 s");
  CHECK(duration_text(259'201) == "4 min 19 s");
  CHECK(duration_text(2 * kPenaltyHour + 5 * kPenaltyMinute) == "2 h 05 min");
}
