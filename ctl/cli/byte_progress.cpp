#include "ctl/cli/byte_progress.h"

#include <chrono>
#include <memory>

#include "common/printable.h"

namespace xc {

std::function<void(int64_t, int64_t)> byte_progress(CliContext& ctx, const std::string& label) {
  using Clock = std::chrono::steady_clock;
  auto last = std::make_shared<Clock::time_point>();
  return [&ctx, last, label = printable(label)](int64_t done, int64_t total) {
    const auto now = Clock::now();
    if (now - *last < std::chrono::seconds(1) && done < total) return;
    *last = now;
    ctx.err << label << ": " << (done >> 20) << " of " << (total >> 20) << " MiB\n";
  };
}

}  // namespace xc
