// The bill of one calendar month as it stands: the frozen bill when the month
// is closed, else priced from the meter intervals plus the month's
// adjustments. What `bill --month`, `bill close` and the monthly report show.
// Use from the Store's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "ctl/billing/billing.h"
#include "ctl/store/store.h"

namespace xc {

struct MonthBill {
  Bill bill;
  std::optional<ClosedMonthRecord> closed;  // set when the bill is the frozen one
};

// `month` must be a calendar month (BillPeriod::month != 0).
Result<MonthBill> month_bill(Store& store, const BillPeriod& month, GroupBy group_by,
                             int64_t now_ms, const std::string& tenant = "");

// The month's bill priced now, ignoring any freeze: what `bill close` stores.
Result<Bill> live_month_bill(Store& store, const BillPeriod& month, GroupBy group_by,
                             int64_t now_ms, const std::string& tenant = "");

}  // namespace xc
