// When a pool's allocation reaches 80% and 100% of its capacity: the
// least-squares line through daily allocation samples (the last 90 days),
// solved in exact integer arithmetic and rounded up to a whole day. Pure;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace xc {

inline constexpr int64_t kForecastDays = 90;

struct AllocationSample {
  int64_t day = 0;  // days since 1970-01-01 (local)
  int64_t allocated = 0;
};

enum class Reach {
  kReached,  // the latest sample is at or above the line already
  kOnDay,    // the trend reaches it on `day`
  kNever,    // the trend is flat or falling
  kNoData,   // fewer than two samples, or no capacity
};

struct ReachDay {
  Reach reach = Reach::kNoData;
  int64_t day = 0;  // kOnDay: days since 1970-01-01; never before `today`
};

struct Forecast {
  // Growth per day as the exact fraction slope_num / slope_den (den > 0).
  int64_t slope_num = 0, slope_den = 1;
  ReachDay at_80, at_100;
};

// `samples` in day order; `total` the capacity now; `today` the day the
// forecast is made (a date already past on the trend line becomes today).
Forecast forecast_allocation(const std::vector<AllocationSample>& samples, int64_t total,
                             int64_t today);

}  // namespace xc
