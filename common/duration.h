// Durations as operators type them: "120s", "2m", "90" (seconds), "1h", "2d",
// for command options and playbook fields alike. Pure; thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace xc {

// Whole seconds from 0 to `max`; otherwise kInvalidArgument naming `option`:
// "--timeout: '2x': expected a duration such as 120s, 2m or 90".
Result<std::chrono::seconds> parse_duration(const std::string& option, const std::string& text,
                                            std::chrono::seconds max);

}  // namespace xc
