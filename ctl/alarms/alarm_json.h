// An alarm as JSON, for `alarms list/show -o json` and webhook bodies. Pure;
// thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "ctl/store/alarm_records.h"

namespace xc {

nlohmann::json alarm_json(const AlarmRecord& alarm);

}  // namespace xc
