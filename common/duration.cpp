#include "common/duration.h"

#include <charconv>

#include "common/printable.h"

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

}  // namespace xc
