// Late corrections to bills: an amount of CNY for one tenant and item, billed
// as its own line in the first open month (closed_month.h). Pure functions
// over value types; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/billing/billing.h"
#include "ctl/store/records.h"

namespace xc {

// "12.5" or "-3" CNY as fen: an exact decimal (common/money.h) with at most
// two decimals, not zero; negative is a credit. Errors name the text.
Result<int64_t> parse_adjustment_fen(const std::string& text);

// How bills and reports name a line's item: "memory", or for an adjustment
// "memory (adjustment #3: late resize)".
std::string line_item_text(const BillLine& line);

// Adds each adjustment of `tenant`'s subtree (all when empty) to `bill` as
// its own line, keyed as the bill's grouping keys a tenant (system and vm
// empty; no tenant when grouped by item), after the metered line of the same
// key; the total includes them. Errors when an amount overflows.
Status add_adjustments(Bill& bill, const std::vector<BillAdjustmentRecord>& adjustments,
                       const std::string& tenant);

}  // namespace xc
