// Capacity text (capacity_text.h).
#include "ctl/capacity/capacity_text.h"

#include <cstdio>

#include "common/time.h"

namespace xc {

std::string day_text(int64_t day) {
  civil::Date d = civil::civil_from_days(day);
  char text[32];
  std::snprintf(text, sizeof text, "%04lld-%02d-%02d", static_cast<long long>(d.year), d.month,
                d.day);
  return text;
}

std::string reach_text(const ReachDay& r) {
  switch (r.reach) {
    case Reach::kReached:
      return "reached";
    case Reach::kOnDay:
      return day_text(r.day);
    case Reach::kNever:
      return "not on this trend";
    case Reach::kNoData:
      break;
  }
  return "too little history";
}

std::string slope_text(const Forecast& f) {
  // Two decimals, rounded half away from zero, from the exact fraction.
  int64_t num = f.slope_num, den = f.slope_den;
  bool negative = num < 0;
  int64_t magnitude = negative ? -num : num;
  int64_t hundredths = (magnitude * 200 / den + 1) / 2;
  std::string frac = std::to_string(hundredths % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return std::string(negative ? "-" : "+") + std::to_string(hundredths / 100) + "." + frac + "/day";
}

}  // namespace xc
