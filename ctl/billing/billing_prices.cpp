// Price history, bill periods and grouping names for billing.h.
#include <algorithm>

#include "common/time.h"
#include "ctl/billing/billing.h"

namespace xc {
namespace {

Status list_error(const std::string& name, const std::string& message) {
  return error(Code::kInvalidArgument, "price list \"" + name + "\": " + message);
}

}  // namespace

Result<std::vector<PriceVersion>> price_history(const std::vector<PriceListInput>& lists) {
  std::vector<PriceVersion> out;
  out.reserve(lists.size());
  for (const PriceListInput& list : lists) {
    const PriceListSpec& spec = list.spec;
    if (spec.currency != "CNY") {
      return list_error(list.name, "currency \"" + spec.currency + "\": only CNY is supported");
    }
    Result<int64_t> offset = civil::parse_time_zone(spec.time_zone);
    if (!offset.ok()) return list_error(list.name, offset.status().message());
    Result<int64_t> from = civil::parse_instant(spec.effective_from, *offset);
    if (!from.ok()) return list_error(list.name, "effectiveFrom " + from.status().message());
    for (const auto& [item, price] : spec.prices) {
      if (price.micros() < 0) {
        return list_error(
            list.name, "item \"" + item + "\": price " + price.to_exact_string() + " is negative");
      }
    }
    out.push_back(PriceVersion{list.name, *from, spec.prices, spec.charge_when_stopped, *offset});
  }
  std::stable_sort(out.begin(), out.end(), [](const PriceVersion& a, const PriceVersion& b) {
    return a.effective_from_ms < b.effective_from_ms;
  });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].effective_from_ms == out[i - 1].effective_from_ms) {
      return error(Code::kInvalidArgument,
                   "price lists \"" + out[i - 1].name + "\" and \"" + out[i].name +
                       "\" both take effect at " +
                       civil::format_local(out[i].effective_from_ms, out[i].offset_ms));
    }
  }
  return out;
}

const PriceVersion* price_at(const std::vector<PriceVersion>& history, int64_t instant_ms) {
  auto after =
      std::upper_bound(history.begin(), history.end(), instant_ms,
                       [](int64_t t, const PriceVersion& v) { return t < v.effective_from_ms; });
  return after == history.begin() ? nullptr : &*(after - 1);
}

std::string BillPeriod::label() const {
  std::string out = std::to_string(year);
  if (week != 0) return out + (week < 10 ? "-W0" : "-W") + std::to_string(week);
  if (month != 0) out += (month < 10 ? "-0" : "-") + std::to_string(month);
  return out;
}

namespace {

// Days since the epoch of the Monday starting ISO week 1 of `iso_year`: the
// week holding 4 January. 1970-01-01 was a Thursday, so (days + 3) mod 7 is
// the weekday with Monday = 0.
int64_t iso_week_one_monday(int64_t iso_year) {
  int64_t jan4 = civil::days_from_civil({iso_year, 1, 4});
  return jan4 - (((jan4 + 3) % 7) + 7) % 7;
}

BillPeriod week_period(int64_t iso_year, int week, int64_t offset_ms) {
  BillPeriod p;
  p.year = iso_year;
  p.week = week;
  p.offset_ms = offset_ms;
  int64_t monday = iso_week_one_monday(iso_year) + int64_t{week - 1} * 7;
  p.start_ms = civil::local_midnight_ms(civil::civil_from_days(monday), offset_ms);
  p.end_ms = p.start_ms + 7 * civil::kDayMs;
  return p;
}

int iso_weeks_in(int64_t iso_year) {
  return static_cast<int>((iso_week_one_monday(iso_year + 1) - iso_week_one_monday(iso_year)) / 7);
}

}  // namespace

BillPeriod week_containing(int64_t instant_ms, int64_t offset_ms) {
  int64_t day = civil::days_from_civil(civil::local_date(instant_ms, offset_ms));
  int64_t year = civil::civil_from_days(day).year;
  // The ISO year is the calendar year, or its neighbour in the first and
  // last days of January and December.
  if (day < iso_week_one_monday(year))
    --year;
  else if (day >= iso_week_one_monday(year + 1))
    ++year;
  int week = static_cast<int>((day - iso_week_one_monday(year)) / 7) + 1;
  return week_period(year, week, offset_ms);
}

BillPeriod month_containing(int64_t instant_ms, int64_t offset_ms) {
  civil::Date d = civil::local_date(instant_ms, offset_ms);
  BillPeriod p;
  p.year = d.year;
  p.month = d.month;
  p.offset_ms = offset_ms;
  p.start_ms = civil::local_midnight_ms({d.year, d.month, 1}, offset_ms);
  p.end_ms = p.start_ms + civil::days_in_month(d.year, d.month) * civil::kDayMs;
  return p;
}

Result<BillPeriod> parse_week_period(const std::string& text, const std::string& time_zone) {
  Result<int64_t> offset = civil::parse_time_zone(time_zone);
  if (!offset.ok()) return offset.status();
  auto bad = [&](const std::string& why) {
    return error(Code::kInvalidArgument, "week \"" + text + "\": " + why);
  };
  bool shape = text.size() == 8 && text[4] == '-' && text[5] == 'W';
  for (size_t i : {0, 1, 2, 3, 6, 7}) shape = shape && text[i] >= '0' && text[i] <= '9';
  if (!shape) return bad("expected YYYY-Www, e.g. 2026-W48");
  int64_t year = std::stoi(text.substr(0, 4));
  int week = std::stoi(text.substr(6, 2));
  if (year < 1970) return bad("years before 1970 are not billed");
  if (week < 1 || week > iso_weeks_in(year)) {
    return bad(std::to_string(year) + " has weeks 01 to " + std::to_string(iso_weeks_in(year)));
  }
  return week_period(year, week, *offset);
}

Result<BillPeriod> parse_bill_period(const std::string& text, const std::string& time_zone) {
  Result<int64_t> offset = civil::parse_time_zone(time_zone);
  if (!offset.ok()) return offset.status();
  auto digits = [&](size_t from, size_t count, int& out) {
    out = 0;
    for (size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  BillPeriod period;
  period.offset_ms = *offset;
  int year = 0;
  bool ok = (text.size() == 4 || text.size() == 7) && digits(0, 4, year) && year >= 1970;
  if (ok && text.size() == 7) {
    ok = text[4] == '-' && digits(5, 2, period.month) && period.month >= 1 && period.month <= 12;
  }
  if (!ok)
    return error(Code::kInvalidArgument, "period \"" + text + "\": expected YYYY-MM or YYYY");
  period.year = year;
  civil::Date first{year, period.month == 0 ? 1 : period.month, 1};
  civil::Date next{year + 1, 1, 1};
  if (period.month != 0 && period.month < 12) next = civil::Date{year, period.month + 1, 1};
  period.start_ms = civil::local_midnight_ms(first, *offset);
  period.end_ms = civil::local_midnight_ms(next, *offset);
  return period;
}

const char* group_by_name(GroupBy group_by) {
  switch (group_by) {
    case GroupBy::kTenant:
      return "tenant";
    case GroupBy::kSystem:
      return "system";
    case GroupBy::kVm:
      return "vm";
    case GroupBy::kItem:
      return "item";
  }
  return "tenant";
}

std::optional<GroupBy> group_by_from_name(const std::string& name) {
  for (GroupBy g : {GroupBy::kTenant, GroupBy::kSystem, GroupBy::kVm, GroupBy::kItem}) {
    if (name == group_by_name(g)) return g;
  }
  return std::nullopt;
}

}  // namespace xc
