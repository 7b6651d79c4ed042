// Durations as operators type them: "120s", "2m", "90" (seconds), "1h", "2d". Pure.
#pragma once

#include <chrono>
#include <string>

#include "common/duration.h"
#include "common/status.h"

namespace xc {

// "1h", "2d" back from `now_ms`, or a time ("2026-12-01",
// "2026-12-01T08:00+08:00"); otherwise kInvalidArgument naming `option`.
Result<int64_t> parse_since(const std::string& option, const std::string& text, int64_t now_ms);

// A time taken, as printed to the operator: "2.1 s".
std::string seconds_text(std::chrono::milliseconds elapsed);

}  // namespace xc
