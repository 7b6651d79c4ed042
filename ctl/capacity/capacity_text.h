// Text for capacity figures shared by `xcloudctl capacity` and the reports:
// a forecast's reach ("2027-02-14", "reached", "not on this trend"), a day
// number as a date, a resource's name with its unit. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "ctl/capacity/forecast.h"

namespace xc {

std::string day_text(int64_t day);  // "2027-02-14" from days since 1970-01-01
std::string reach_text(const ReachDay& reach);
std::string slope_text(const Forecast& f);  // "+1.25/day", "0/day"

}  // namespace xc
