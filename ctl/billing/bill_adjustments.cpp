#include "ctl/billing/bill_adjustments.h"

#include <algorithm>
#include <tuple>

#include "common/money.h"

namespace xc {

Result<int64_t> parse_adjustment_fen(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return error(Code::kInvalidArgument, "--amount \"" + text + "\": " + why);
  };
  std::optional<Money> amount = Money::parse(text);
  if (!amount) return bad("expected a decimal amount of CNY, e.g. 120.50 or -35");
  if (amount->micros() % Money::kMicrosPerFen != 0) return bad("at most two decimals (fen)");
  if (amount->micros() == 0) return bad("an adjustment of zero changes nothing");
  return amount->micros() / Money::kMicrosPerFen;
}

std::string line_item_text(const BillLine& line) {
  if (line.adjustment_id == 0) return line.item;
  return line.item + " (adjustment #" + std::to_string(line.adjustment_id) + ": " +
         line.adjustment_reason + ")";
}

Status add_adjustments(Bill& bill, const std::vector<BillAdjustmentRecord>& adjustments,
                       const std::string& tenant) {
  for (const BillAdjustmentRecord& a : adjustments) {
    if (!in_tenant_subtree(a.tenant, tenant)) continue;
    if (__builtin_add_overflow(bill.total_fen, a.amount_fen, &bill.total_fen)) {
      return error(Code::kInvalidArgument, "bill " + bill.period.label() + ": adjustment #" +
                                               std::to_string(a.id) + " makes the total overflow");
    }
    BillLine line;
    if (bill.group_by != GroupBy::kItem) line.tenant = a.tenant;
    line.item = a.item;
    line.amount_fen = a.amount_fen;
    line.adjustment_id = a.id;
    line.adjustment_reason = a.reason;
    bill.lines.push_back(std::move(line));
  }
  // Metered lines come first within a key, then adjustments by id.
  std::stable_sort(bill.lines.begin(), bill.lines.end(), [](const BillLine& x, const BillLine& y) {
    return std::tie(x.tenant, x.system, x.vm, x.item, x.adjustment_id) <
           std::tie(y.tenant, y.system, y.vm, y.item, y.adjustment_id);
  });
  return {};
}

}  // namespace xc
