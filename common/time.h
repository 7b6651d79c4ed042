// Time for the whole project: the injectable clock, calendar arithmetic
// (civil dates, fixed UTC offsets, the instants where local days and months
// begin) and the RFC 3339 text of the audit trail. Instants are int64 ms since
// the Unix epoch (UTC). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace xc::civil {

inline constexpr int64_t kDayMs = 86'400'000;

struct Date {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

bool is_leap_year(int64_t year);
int days_in_month(int64_t year, int month);

// Days since 1970-01-01 of a proleptic Gregorian date, and back (after Howard
// Hinnant's public-domain algorithms, written out here).
int64_t days_from_civil(const Date& date);
Date civil_from_days(int64_t days);

// The fixed offset east of UTC, in ms, of "Asia/Shanghai" (+08:00, no DST
// since 1991), "UTC", or "+HH:MM"/"-HH:MM". Any other text is
// kInvalidArgument: zones with daylight saving are not supported.
Result<int64_t> parse_time_zone(const std::string& zone);

// The instant at which `date` begins in a zone `offset_ms` east of UTC.
int64_t local_midnight_ms(const Date& date, int64_t offset_ms);
// The local date containing `instant_ms`.
Date local_date(int64_t instant_ms, int64_t offset_ms);

// "YYYY-MM-DD" (local midnight in the zone) or "YYYY-MM-DDTHH:MM[:SS]" with
// "Z" or "±HH:MM" (an exact instant; the zone is then ignored).
Result<int64_t> parse_instant(const std::string& text, int64_t offset_ms);

// Reads exactly `width` decimal digits at `pos` into `out` and moves `pos`
// past them; false (pos unchanged) when they are not all digits.
bool read_digits(const std::string& text, size_t& pos, size_t width, int& out);

// "2027-03-15T00:00:00+08:00": the instant as local time in the zone.
std::string format_local(int64_t instant_ms, int64_t offset_ms);

}  // namespace xc::civil

namespace xc {

// Now, in ms since the epoch (UTC). Everything that stamps a time takes one,
// so tests pass a fixed or stepping clock and never read the wall clock.
using Clock = std::function<int64_t()>;

inline constexpr int64_t kMsPerDay = 86'400'000;

// The bureau's zone: bills, reports and capacity days are reckoned in it.
inline constexpr const char* kBillZone = "Asia/Shanghai";
inline constexpr int64_t kShanghaiOffsetMs = 8 * 3'600'000;

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
