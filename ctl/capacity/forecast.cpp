// forecast_allocation (forecast.h). With n samples (x = day, y = allocated),
// the slope is b = P / Q with P = n Sxy - Sx Sy and Q = n Sxx - Sx^2, and the
// line reaches the threshold T = total x k / 100 at
//   x = (Q (n T - Sy) + P Sx) / (n P),
// all products in 128 bits, so no rounding happens before the last step.
#include "ctl/capacity/forecast.h"

#include <algorithm>

namespace xc {
namespace {

__extension__ typedef __int128 Int128;

Int128 ceil_div(Int128 num, Int128 den) {  // den > 0
  return num >= 0 ? (num + den - 1) / den : -((-num) / den);
}

ReachDay reach(const std::vector<AllocationSample>& s, int64_t total, int64_t percent,
               int64_t today, Int128 p, Int128 q, Int128 sx, Int128 sy) {
  const Int128 n = static_cast<Int128>(s.size());
  if (s.size() < 2 || total <= 0) return {Reach::kNoData, 0};
  // Reached: allocated x 100 >= total x percent, exactly.
  if (static_cast<Int128>(s.back().allocated) * 100 >= static_cast<Int128>(total) * percent)
    return {Reach::kReached, 0};
  if (p <= 0 || q <= 0) return {Reach::kNever, 0};
  // T = total x percent / 100: scale the numerator and denominator by 100.
  Int128 num = q * (n * total * percent - 100 * sy) + 100 * p * sx;
  Int128 den = 100 * n * p;
  Int128 day = ceil_div(num, den);
  return {Reach::kOnDay, static_cast<int64_t>(std::max<Int128>(day, today))};
}

}  // namespace

Forecast forecast_allocation(const std::vector<AllocationSample>& samples, int64_t total,
                             int64_t today) {
  Forecast f;
  Int128 n = static_cast<Int128>(samples.size()), sx = 0, sy = 0, sxx = 0, sxy = 0;
  // Days relative to the first sample keep the sums small.
  const int64_t origin = samples.empty() ? 0 : samples.front().day;
  for (const AllocationSample& s : samples) {
    Int128 x = s.day - origin, y = s.allocated;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  Int128 p = n * sxy - sx * sy, q = n * sxx - sx * sx;
  if (q > 0) {
    Int128 a = p < 0 ? -p : p, b = q;
    while (b != 0) {  // reduce the fraction for display
      Int128 r = a % b;
      a = b;
      b = r;
    }
    if (a == 0) a = 1;
    f.slope_num = static_cast<int64_t>(p / a);
    f.slope_den = static_cast<int64_t>(q / a);
  }
  f.at_80 = reach(samples, total, 80, today - origin, p, q, sx, sy);
  f.at_100 = reach(samples, total, 100, today - origin, p, q, sx, sy);
  for (ReachDay* r : {&f.at_80, &f.at_100})
    if (r->reach == Reach::kOnDay) r->day += origin;
  return f;
}

}  // namespace xc
