#include "ctl/billing/month_bill.h"

#include "ctl/billing/bill_adjustments.h"
#include "ctl/billing/billing_inputs.h"
#include "ctl/billing/closed_month.h"

namespace xc {

Result<Bill> live_month_bill(Store& store, const BillPeriod& month, GroupBy group_by,
                             int64_t now_ms, const std::string& tenant) {
  auto history = stored_price_history(store);
  if (!history.ok()) return history.status();
  auto intervals = store.list_meter_intervals(month.start_ms, month.end_ms);
  if (!intervals.ok()) return intervals.status();
  auto b = bill(*intervals, *history, month, group_by, now_ms, tenant);
  if (!b.ok()) return b.status();
  auto adjustments = store.list_bill_adjustments(month.label());
  if (!adjustments.ok()) return adjustments.status();
  if (Status s = add_adjustments(*b, *adjustments, tenant); !s.ok()) return s;
  return b;
}

Result<MonthBill> month_bill(Store& store, const BillPeriod& month, GroupBy group_by,
                             int64_t now_ms, const std::string& tenant) {
  auto closed = store.get_closed_month(month.label());
  if (!closed.ok()) return closed.status();
  MonthBill out;
  if (closed->has_value()) {
    auto frozen = thaw_month(**closed, month, group_by, tenant);
    if (!frozen.ok()) return frozen.status();
    out.bill = std::move(*frozen);
    out.closed = std::move(*closed);
    return out;
  }
  auto live = live_month_bill(store, month, group_by, now_ms, tenant);
  if (!live.ok()) return live.status();
  out.bill = std::move(*live);
  return out;
}

}  // namespace xc
