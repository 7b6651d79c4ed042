// What billing and the reports read besides the meter intervals: the price
// history from the stored PriceList objects, and "now".
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "ctl/billing/billing.h"
#include "ctl/store/store.h"

namespace xc {

// XCLOUD_NOW_MS (milliseconds since the epoch) when set, so tests and
// reproduced bills see a fixed instant; else the system clock.
Result<int64_t> clock_now_ms();

// The stored PriceList records, read from their exact decimal text.
Result<std::vector<PriceListInput>> stored_price_lists(Store& store);

// The same as a price history (billing.h: price_history).
Result<std::vector<PriceVersion>> stored_price_history(Store& store);

}  // namespace xc
