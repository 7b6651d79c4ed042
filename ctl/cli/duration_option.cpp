#include "ctl/cli/duration_option.h"

#include <charconv>
#include <iomanip>
#include <sstream>

#include "common/printable.h"
#include "common/time.h"

namespace xc {

Result<std::chrono::seconds> parse_duration(const std::string& option, const std::string& text,
                                            std::chrono::seconds max) {
  auto bad = [&] {
    return error(Code::kInvalidArgument, option + ": '" + printable(text) +
                                             "': expected a duration such as 120s, 2m or 90");
  };
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr == text.data() || value < 0) return bad();
  std::string unit(ptr, end);
  int64_t scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60;
  } else if (unit == "h") {
    scale = 3600;
  } else if (unit == "d") {
    scale = 86400;
  } else {
    return bad();
  }
  if (value > max.count() / scale)
    return error(Code::kInvalidArgument, option + ": '" + printable(text) + "' is longer than " +
                                             std::to_string(max.count()) + " s");
  return std::chrono::seconds(value * scale);
}

Result<int64_t> parse_since(const std::string& option, const std::string& text, int64_t now) {
  auto ago = parse_duration(option, text, std::chrono::hours(24 * 400));
  if (ago.ok()) return now - ago->count() * 1000;
  auto at = parse_time_ms(text);
  if (at.ok()) return *at;
  return error(Code::kInvalidArgument, option + ": '" + printable(text) +
                                           "': expected a duration back from now (90m, 1h, 2d) "
                                           "or a time (2026-12-01, 2026-12-01T08:00+08:00)");
}

std::string seconds_text(std::chrono::milliseconds elapsed) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << static_cast<double>(elapsed.count()) / 1000.0
      << " s";
  return out.str();
}

}  // namespace xc
