// Exact billing: meter intervals priced pro rata by milliseconds of the
// calendar month they fall in, under a history of price lists, rounded to the
// fen once per bill line. Pure functions over value types; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/model.h"
#include "common/money.h"
#include "common/status.h"
#include "ctl/store/records.h"

namespace xc {

struct PriceListInput {
  std::string name;
  PriceListSpec spec;
};

// One price list placed on the time line. A version replaces the whole price
// table of the one before: an item it does not list has no price while it is
// in effect, and billing such an item is an error.
struct PriceVersion {
  std::string name;
  int64_t effective_from_ms = 0;
  std::map<std::string, Money> prices;  // per item per month
  bool charge_when_stopped = true;
  int64_t offset_ms = 0;  // the list's time zone, for messages
};

// The lists sorted by when they take effect. Errors (each naming the list):
// currency other than CNY, an unsupported time zone, a bad effectiveFrom, a
// negative price, two lists taking effect at the same instant.
Result<std::vector<PriceVersion>> price_history(const std::vector<PriceListInput>& lists);

// The version in effect at `instant_ms`, or nullptr before the first one.
const PriceVersion* price_at(const std::vector<PriceVersion>& history, int64_t instant_ms);

// A calendar month, a whole year (month == 0, week == 0) or an ISO 8601 week
// (week != 0; `year` is then the ISO week-numbering year), in a fixed-offset
// zone. A week may span two months: each part is priced in its own month.
struct BillPeriod {
  int64_t year = 0;
  int month = 0;
  int week = 0;
  int64_t offset_ms = 0;
  int64_t start_ms = 0;  // first instant of the period (local midnight)
  int64_t end_ms = 0;    // first instant after it

  std::string label() const;  // "2028-02", "2028" or "2028-W07"
};

// "YYYY-MM" or "YYYY", months as lived in `time_zone` (see civil_time.h).
Result<BillPeriod> parse_bill_period(const std::string& text,
                                     const std::string& time_zone = "Asia/Shanghai");

// "YYYY-Www": the ISO 8601 week, Monday 00:00 to the next Monday 00:00 in
// `time_zone`. Week 1 is the week with the year's first Thursday.
Result<BillPeriod> parse_week_period(const std::string& text,
                                     const std::string& time_zone = "Asia/Shanghai");

// The ISO week containing `instant_ms`, and the month containing it.
BillPeriod week_containing(int64_t instant_ms, int64_t offset_ms);
BillPeriod month_containing(int64_t instant_ms, int64_t offset_ms);

enum class GroupBy { kTenant, kSystem, kVm, kItem };
const char* group_by_name(GroupBy group_by);
std::optional<GroupBy> group_by_from_name(const std::string& name);

// One line per (group, item). Which of tenant/system/vm are set depends on
// the grouping: tenant -> tenant; system -> tenant, system; vm -> tenant, vm;
// item -> none.
struct BillLine {
  std::string tenant;
  std::string system;
  std::string vm;
  std::string item;
  // Billable quantity × months (stopped time that is not charged excluded),
  // e.g. "3.5" vCPU-months; rounded half away from zero to at most 6
  // decimals, for reading only: the amount never derives from it.
  std::string quantity_months;
  int64_t amount_fen = 0;  // exact amount rounded once, half away from zero
  // Set on a late correction (bill_adjustments.h): its own line, after the
  // metered line of the same key; quantity_months is then "".
  int64_t adjustment_id = 0;
  std::string adjustment_reason;
};

// True when `tenant` is `root` or below it; an empty root holds every tenant.
bool in_tenant_subtree(const std::string& tenant, const std::string& root);

struct Bill {
  BillPeriod period;
  GroupBy group_by = GroupBy::kTenant;
  std::vector<BillLine> lines;  // sorted by tenant, system, vm, item
  int64_t total_fen = 0;        // the sum of the lines' amount_fen
};

// Bills the part of each interval inside `period`. An open interval runs to
// `now_ms` (never past the period's end). `tenant` keeps only that VDC and
// its descendants; empty keeps all. Errors name the VM, tenant and item:
// no price list in effect, an item the list in effect does not price, a
// negative quantity, an end before the start, an amount beyond 128 bits.
Result<Bill> bill(const std::vector<MeterInterval>& intervals,
                  const std::vector<PriceVersion>& history, const BillPeriod& period,
                  GroupBy group_by, int64_t now_ms, const std::string& tenant = "");

// The sum of a bill's lines per group (the line's key without the item; for
// GroupBy::kItem, per item), in line order.
struct GroupTotal {
  std::string tenant;
  std::string system;
  std::string vm;
  std::string item;
  int64_t amount_fen = 0;
};
std::vector<GroupTotal> group_totals(const Bill& bill);

// Each tenant path with its own lines' total and the total over its VDC
// subtree; ancestors without lines of their own are included ("education"
// for a line of "education/schools"). Sorted parent before children.
// Lines without a tenant (a bill grouped by item) are an error.
struct TenantTotal {
  std::string tenant;
  int64_t own_fen = 0;
  int64_t total_fen = 0;
};
Result<std::vector<TenantTotal>> rollup_by_tenant(const std::vector<BillLine>& lines);

}  // namespace xc
