#include "ctl/capacity/forecast.h"

#include <doctest/doctest.h>

using namespace xc;

namespace {

std::vector<AllocationSample> line(int64_t first_day, int64_t days, int64_t start,
                                   int64_t per_day) {
  std::vector<AllocationSample> out;
  for (int64_t d = 0; d < days; ++d) out.push_back({first_day + d, start + per_day * d});
  return out;
}

}  // namespace

TEST_CASE("a straight line reaches 80% and 100% on the days it says") {
  Forecast f = forecast_allocation(line(20000, 10, 100, 10), 1000, 20009);
  CHECK(f.slope_num == 10);
  CHECK(f.slope_den == 1);
  REQUIRE(f.at_80.reach == Reach::kOnDay);
  CHECK(f.at_80.day == 20070);  // 100 + 10 x = 800
  REQUIRE(f.at_100.reach == Reach::kOnDay);
  CHECK(f.at_100.day == 20090);
}

TEST_CASE("a fractional crossing is rounded up to the whole day") {
  Forecast f = forecast_allocation(line(0, 5, 100, 3), 1000, 4);
  CHECK(f.at_80.day == 234);  // (800 - 100) / 3 = 233.3
  CHECK(f.at_100.day == 300);
}

TEST_CASE("least squares through scattered points, exactly") {
  // Slope 180/20 = 9, intercept -1: 80 at x = 9, 100 at x = 11.2 -> 12.
  Forecast f = forecast_allocation({{0, 0}, {1, 10}, {2, 10}, {3, 30}}, 100, 3);
  CHECK(f.slope_num == 9);
  CHECK(f.slope_den == 1);
  CHECK(f.at_80.day == 9);
  CHECK(f.at_100.day == 12);
}

TEST_CASE("flat or falling allocation never reaches the line, reached is said so") {
  CHECK(forecast_allocation(line(0, 90, 500, 0), 1000, 89).at_80.reach == Reach::kNever);
  CHECK(forecast_allocation(line(0, 90, 700, -1), 1000, 89).at_100.reach == Reach::kNever);
  Forecast full = forecast_allocation(line(0, 3, 800, 0), 1000, 2);
  CHECK(full.at_80.reach == Reach::kReached);
  CHECK(full.at_100.reach == Reach::kNever);
  CHECK(forecast_allocation({{0, 1}}, 1000, 0).at_80.reach == Reach::kNoData);
  CHECK(forecast_allocation(line(0, 3, 1, 1), 0, 2).at_80.reach == Reach::kNoData);
}

TEST_CASE("a crossing the trend line put in the past is today") {
  // The trend says 80% was reached on day 2, but the latest sample is below it.
  Forecast f = forecast_allocation({{0, 0}, {1, 100}, {2, 1000}, {3, 700}}, 1000, 3);
  REQUIRE(f.at_80.reach == Reach::kOnDay);
  CHECK(f.at_80.day == 3);
}
