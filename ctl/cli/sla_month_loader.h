// A month's service level read from the state: availability from the meter
// and the events, each business system's cloud fee from its bills (frozen
// when the month is closed), assessed against the tender's penalty tables.
// What `xcloudctl sla` and the monthly report show. Use from the Store's thread.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "ctl/billing/billing.h"
#include "ctl/sla/sla_month.h"
#include "ctl/store/store.h"

namespace xc {

// `service_months`: the fee is the system's bills of this many months ending
// with `month`, divided by it (1: the month's own bill).
Result<SlaMonth> load_sla_month(Store& store, const BillPeriod& month, int64_t now_ms,
                                int64_t service_months = 1);

}  // namespace xc
