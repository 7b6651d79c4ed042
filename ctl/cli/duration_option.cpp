#include "ctl/cli/duration_option.h"

#include <iomanip>
#include <sstream>

#include "common/printable.h"
#include "common/time.h"

namespace xc {

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
