// Runs a helper program (qemu-img, virt-v2v) from an argument vector, with
// no shell, a deadline and a cap on what it may print, for the image import.
// Thread-safe (posix_spawn; each call has its own pipes).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

struct ProgramLimits {
  std::chrono::milliseconds timeout{std::chrono::minutes(60)};
  size_t max_output = 1 << 20;      // stdout kept; more is read and dropped
  std::vector<int> ok_exits = {0};  // exit statuses that count as success
};

// argv[0] is looked up in PATH; stdin is /dev/null. Returns its stdout when
// it exits with one of `ok_exits`. Otherwise kIo "<program>: <last line of stderr>", or kIo
// "<program>: timed out after ..." (after killing it) past the timeout,
// kUnavailable when it cannot be started.
Result<std::string> run_bounded(const std::vector<std::string>& argv, const ProgramLimits& limits);

}  // namespace xc
