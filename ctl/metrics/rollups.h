// Hourly rollups of the raw metric rows: for every finished hour not yet
// rolled up, each host's and each VM's average and maximum per column and the
// sample count, one row per host and hour. Where it got to is kept in the
// meta table, so each hour is rolled up once. Not thread-safe (one store).
#pragma once

#include <cstdint>

#include "common/status.h"
#include "ctl/store/store.h"

namespace xc {

// The meta key holding the first instant not rolled up yet (an hour's start):
// every hour before it that had raw rows has its rollup rows.
inline constexpr const char* kRolledUpThroughKey = "metrics.rolled_up_through_ms";

// Rolls up the hours before the one holding `now_ms` that have raw rows and
// were not rolled up yet; returns how many.
Result<int64_t> roll_up_metrics(Store& store, int64_t now_ms);

}  // namespace xc
