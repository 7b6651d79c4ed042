// The checks on PriceList manifests that need the state database: a list may
// not price a closed month (nor change one that did), and it must price every
// item in use while it is in effect. Run by validate (when the state database
// exists), diff and apply before any host is touched. Use from the Store's
// thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/manifest_validator.h"
#include "common/status.h"
#include "ctl/billing/billing.h"
#include "ctl/store/store.h"

namespace xc {

// The first closed month in which the version named `name` of `history` is
// in effect for some instant, or nullopt.
std::optional<std::string> closed_month_priced_by(const std::vector<PriceVersion>& history,
                                                  const std::string& name,
                                                  const std::vector<ClosedMonthRecord>& closed);

// One diagnostic per PriceList of `set` that is new or changed against the
// store and would price a closed month or lacks an item in use (from meter
// intervals open or overlapping the time it would be in effect). Unchanged
// lists are not checked again: re-applying a manifest set stays possible.
Result<std::vector<Diagnostic>> check_price_lists(Store& store, const ManifestSet& set);

// Why the stored PriceList `name` may not be deleted, or "" when it may: it
// priced a closed month.
Result<std::string> price_list_delete_blocker(Store& store, const std::string& name);

}  // namespace xc
