// Runs a helper program from an argument vector (no shell, so names and
// paths are never interpreted) with a deadline, in its own process group
// (killed whole at the deadline), stdin from /dev/null and its output kept up
// to a cap. The one process runner of the controller's helpers (qemu-img,
// virt-v2v, fence commands). Thread-safe (posix_spawn; each call its pipes).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace xc {

struct ProgramOptions {
  std::chrono::milliseconds timeout{std::chrono::minutes(60)};
  size_t max_stdout = 1 << 20;       // kept; the rest is read and dropped
  size_t max_stderr = 64 * 1024;     // kept; the rest is read and dropped
  bool stderr_to_stdout = false;     // one stream, in the order written
  std::vector<std::string> env_set;  // "NAME=value" added to (or replacing in) the environment
  // When set, called with every piece read as it arrives (before the caps),
  // so a caller can show a long command's output while it runs.
  std::function<void(bool from_stderr, std::string_view piece)> on_output;
};

struct ProgramRun {
  int exit_code = -1;  // -1: killed by a signal or at the deadline
  int signal = 0;
  bool timed_out = false;
  std::string out, err;
  int64_t elapsed_ms = 0;
};

// argv[0] is looked up in PATH. Fails only when the program cannot be
// started (kUnavailable, or kInvalidArgument for an empty argv); a program
// that fails or is killed is a ProgramRun saying so.
Result<ProgramRun> run_program_bounded(const std::vector<std::string>& argv,
                                       const ProgramOptions& options);

}  // namespace xc
