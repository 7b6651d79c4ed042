// Running a host's fence command (e.g. an IPMI power-off): an argv run
// without a shell, its exit status the proof that the host is off, bounded
// in time (the process group is killed at the deadline) and in output (the
// first 4 KiB of stdout and stderr together are kept). Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

inline constexpr size_t kFenceOutputLimit = 4096;

struct FenceRun {
  bool fenced = false;  // exited 0 within the time
  int exit_code = -1;   // -1: killed or did not start
  bool timed_out = false;
  std::string output;  // stdout and stderr, at most kFenceOutputLimit bytes
  int64_t elapsed_ms = 0;
  std::string summary() const;  // "exit 0 in 120 ms", "timed out after 30 s", ...
};

// Runs `argv` (argv[0] looked up in PATH) with XCLOUD_FENCE_HOST=host in its
// environment. Fails only when it cannot be started (an empty argv, no such
// program); a command that fails is a FenceRun with fenced false.
Result<FenceRun> run_fence_command(const std::vector<std::string>& argv, const std::string& host,
                                   std::chrono::milliseconds timeout);

}  // namespace xc
