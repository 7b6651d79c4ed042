// The billing engine (billing.h): splits intervals at month boundaries and
// price changes and sums exact amounts per line before rounding once.
#include "ctl/billing/billing.h"

#include <algorithm>
#include <tuple>

#include "common/time.h"
#include "ctl/billing/snapshot_metering.h"

namespace xc {
namespace {

__extension__ typedef __int128 Int128;

// Amounts are kept as integers of micro-yuan / (kLcmDays × ms per day): a
// piece of `ms` in a month of `d` days costs price × quantity × ms ×
// (kLcmDays / d) of these units, exactly, for every month length.
constexpr int64_t kLcmDays = 377'580;  // lcm(28, 29, 30, 31)
constexpr Int128 kUnitsPerMicro = Int128{kLcmDays} * civil::kDayMs;

struct Month {
  int64_t start_ms;
  int64_t end_ms;
  int64_t weight;  // kLcmDays / days in the month
};

// Every calendar month that overlaps the period, whole.
std::vector<Month> months_of(const BillPeriod& period) {
  std::vector<Month> out;
  civil::Date first = civil::local_date(period.start_ms, period.offset_ms);
  civil::Date month{first.year, first.month, 1};
  for (;;) {
    int days = civil::days_in_month(month.year, month.month);
    int64_t start = civil::local_midnight_ms(month, period.offset_ms);
    if (start >= period.end_ms) break;
    out.push_back(Month{start, start + days * civil::kDayMs, kLcmDays / days});
    month = month.month == 12 ? civil::Date{month.year + 1, 1, 1}
                              : civil::Date{month.year, month.month + 1, 1};
  }
  return out;
}

using LineKey = std::tuple<std::string, std::string, std::string, std::string>;

LineKey key_of(const MeterInterval& iv, GroupBy group_by) {
  switch (group_by) {
    case GroupBy::kTenant:
      return {iv.tenant, "", "", iv.item};
    case GroupBy::kSystem:
      return {iv.tenant, iv.system, "", iv.item};
    case GroupBy::kVm:
      return {iv.tenant, "", iv.vm, iv.item};
    case GroupBy::kItem:
      return {"", "", "", iv.item};
  }
  return {};
}

struct Exact {
  Int128 amount = 0;    // in units of 1 / kUnitsPerMicro micro-yuan
  Int128 quantity = 0;  // quantity-months × kUnitsPerMicro
};

// n / d rounded half away from zero; d > 0.
Int128 round_div(Int128 n, Int128 d) {
  Int128 q = n / d;
  Int128 r = n % d;
  if (r < 0) r = -r;
  if (2 * r >= d) q += n < 0 ? -1 : 1;
  return q;
}

// Non-negative value / 10^6 as the shortest decimal ("3.5", "1", "0.000001").
std::string micro_decimal(Int128 value) {
  std::string digits;
  Int128 v = value < 0 ? -value : value;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  if (digits.size() < 7) digits.insert(0, 7 - digits.size(), '0');
  std::string out = digits.substr(0, digits.size() - 6);
  std::string frac = digits.substr(digits.size() - 6);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  if (!frac.empty()) out += "." + frac;
  return (value < 0 ? "-" : "") + out;
}

std::string who(const MeterInterval& iv) {
  return "vm \"" + iv.vm + "\" in tenant " + iv.tenant + ": item \"" + iv.item + "\"";
}

Status too_large(const MeterInterval& iv) {
  return error(Code::kInvalidArgument, who(iv) + ": amount too large to compute");
}

// Adds the billable part of `iv` within [from, to) to `acc`.
Status price_interval(const MeterInterval& iv, int64_t from, int64_t to,
                      const std::vector<Month>& months, const std::vector<PriceVersion>& history,
                      int64_t offset_ms, Exact& acc) {
  const PriceVersion* version = price_at(history, from);
  if (version == nullptr) {
    std::string first = history.empty()
                            ? "there are none"
                            : "the first takes effect at " +
                                  civil::format_local(history.front().effective_from_ms, offset_ms);
    return error(Code::kFailedPrecondition, who(iv) + ": no price list is in effect at " +
                                                civil::format_local(from, offset_ms) + " (" +
                                                first + ")");
  }
  size_t v = static_cast<size_t>(version - history.data());
  auto month = std::upper_bound(months.begin(), months.end(), from,
                                [](int64_t t, const Month& m) { return t < m.start_ms; }) -
               1;
  int64_t at = from;
  while (at < to) {
    while (at >= month->end_ms) ++month;
    while (v + 1 < history.size() && history[v + 1].effective_from_ms <= at) ++v;
    int64_t piece_end = std::min(to, month->end_ms);
    if (v + 1 < history.size()) piece_end = std::min(piece_end, history[v + 1].effective_from_ms);
    const PriceVersion& pv = history[v];
    if (iv.running || pv.charge_when_stopped) {
      auto price = pv.prices.find(priced_item(iv.item));
      if (price == pv.prices.end()) {
        return error(Code::kFailedPrecondition,
                     who(iv) + " has no price in price list \"" + pv.name + "\" (in effect from " +
                         civil::format_local(pv.effective_from_ms, offset_ms) + ")");
      }
      Int128 quantity_units = Int128{iv.quantity} * (piece_end - at) * month->weight;
      Int128 amount = 0;
      if (__builtin_mul_overflow(quantity_units, Int128{price->second.micros()}, &amount) ||
          __builtin_add_overflow(acc.amount, amount, &acc.amount) ||
          __builtin_add_overflow(acc.quantity, quantity_units, &acc.quantity)) {
        return too_large(iv);
      }
    }
    at = piece_end;
  }
  return Status::ok_status();
}

}  // namespace

Result<Bill> bill(const std::vector<MeterInterval>& intervals,
                  const std::vector<PriceVersion>& history, const BillPeriod& period,
                  GroupBy group_by, int64_t now_ms, const std::string& tenant) {
  const std::vector<Month> months = months_of(period);
  std::map<LineKey, Exact> exact;
  for (const MeterInterval& iv : intervals) {
    if (!in_tenant_subtree(iv.tenant, tenant)) continue;
    if (iv.quantity < 0) {
      return error(Code::kInvalidArgument,
                   who(iv) + ": negative quantity " + std::to_string(iv.quantity));
    }
    if (iv.end_ms && *iv.end_ms < iv.start_ms) {
      return error(Code::kInvalidArgument, who(iv) + ": interval ends at " +
                                               civil::format_local(*iv.end_ms, period.offset_ms) +
                                               ", before it starts at " +
                                               civil::format_local(iv.start_ms, period.offset_ms));
    }
    const int64_t from = std::max(iv.start_ms, period.start_ms);
    const int64_t to = std::min(iv.end_ms.value_or(now_ms), period.end_ms);
    if (from >= to || iv.quantity == 0) continue;
    Exact one;
    Status st = price_interval(iv, from, to, months, history, period.offset_ms, one);
    if (!st.ok()) return st;
    Exact& line = exact[key_of(iv, group_by)];
    if (__builtin_add_overflow(line.amount, one.amount, &line.amount) ||
        __builtin_add_overflow(line.quantity, one.quantity, &line.quantity)) {
      return too_large(iv);
    }
  }

  Bill out;
  out.period = period;
  out.group_by = group_by;
  out.lines.reserve(exact.size());
  const Int128 units_per_fen = kUnitsPerMicro * Money::kMicrosPerFen;
  for (const auto& [key, value] : exact) {
    if (value.quantity == 0) continue;  // only stopped time that is not charged
    BillLine line;
    std::tie(line.tenant, line.system, line.vm, line.item) = key;
    Int128 fen = round_div(value.amount, units_per_fen);
    Int128 quantity_micro = 0;
    if (fen > INT64_MAX || __builtin_mul_overflow(value.quantity, 1'000'000, &quantity_micro) ||
        __builtin_add_overflow(out.total_fen, static_cast<int64_t>(fen), &out.total_fen)) {
      return error(Code::kInvalidArgument, "item \"" + line.item + "\": amount too large");
    }
    line.amount_fen = static_cast<int64_t>(fen);
    line.quantity_months = micro_decimal(round_div(quantity_micro, kUnitsPerMicro));
    out.lines.push_back(std::move(line));
  }
  return out;
}

bool in_tenant_subtree(const std::string& tenant, const std::string& root) {
  return root.empty() || tenant == root ||
         (tenant.size() > root.size() && tenant.compare(0, root.size(), root) == 0 &&
          tenant[root.size()] == '/');
}

}  // namespace xc
