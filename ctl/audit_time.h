// UTC timestamps for the audit trail: milliseconds since the Unix epoch, read
// from and written as RFC 3339 text. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace xc {

inline constexpr int64_t kMsPerDay = 86'400'000;

// "2026-01-02T03:04:05.006Z".
std::string format_time_ms(int64_t ms);

// Accepts "2026-01-02" (midnight UTC), "2026-01-02T03:04", "...:05",
// "...:05.006", each with an optional "Z" or "+08:00"/"-05:00" offset (UTC
// when absent); a space may stand for the "T". Anything else is
// kInvalidArgument naming the text and the accepted forms.
Result<int64_t> parse_time_ms(const std::string& text);

// Milliseconds since the epoch from the system clock.
int64_t system_now_ms();

}  // namespace xc
