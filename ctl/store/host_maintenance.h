// Maintenance set by an operator (`xcloudctl host maintenance NAME on|off`,
// `host drain`), kept in the store beside what the Host manifest says: a host
// is in maintenance when either says so. Not thread-safe (one Store).
#pragma once

#include <string>

#include "ctl/store/store.h"

namespace xc {

// Whether an operator put the host in maintenance (false when never set).
Result<bool> operator_maintenance(Store& store, const std::string& host);
Status set_operator_maintenance(Store& store, const std::string& host, bool on);

}  // namespace xc
