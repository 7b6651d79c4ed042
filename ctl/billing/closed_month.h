// Closed months: a month's bill frozen as the JSON of its lines in fen with an
// SM3 digest, read back only when the digest still matches, and the first
// month still open. Pure functions over value types; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/billing/billing.h"
#include "ctl/store/records.h"

namespace xc {

// A frozen bill keeps every grouping: each line is rounded on its own, so no
// grouping can be derived from another without changing a fen.
inline constexpr GroupBy kFrozenGroupings[] = {GroupBy::kTenant, GroupBy::kSystem, GroupBy::kVm,
                                               GroupBy::kItem};

// The month as stored by `bill close`: `bills` are the month's bills of all
// tenants, one per kFrozenGroupings entry (any order).
Result<ClosedMonthRecord> freeze_month(const std::vector<Bill>& bills, int64_t closed_at_ms);

// The frozen bill of `record` under `group_by`, only `tenant`'s subtree when
// non-empty. A digest that does not match is kFailedPrecondition: "closed
// month 2026-11: the frozen bill does not match its SM3 digest".
Result<Bill> thaw_month(const ClosedMonthRecord& record, const BillPeriod& period, GroupBy group_by,
                        const std::string& tenant);

// kFailedPrecondition unless `month` has ended at `now_ms`.
Status check_month_ended(const BillPeriod& month, int64_t now_ms);

// "2026-12" -> "2027-01".
std::string next_month_label(const std::string& month);

// Where late corrections go: the month after the last closed one, or, when
// none is closed, the month containing `now_ms` (UTC+8). `closed` is oldest
// first.
std::string first_open_month(const std::vector<ClosedMonthRecord>& closed, int64_t now_ms);

}  // namespace xc
