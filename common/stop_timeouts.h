// How long a graceful stop may wait for a guest, shared by the agent (which
// waits) and xcloudctl (which asks). Constants only; thread-safe.
#pragma once

#include <chrono>

namespace xc {

// The longest a graceful stop may wait. The clients' request deadline
// (ctl/hosts: 300 s for TLS and SSH) exceeds it by a margin, so a wait is
// never cut by the transport.
inline constexpr std::chrono::seconds kMaxStopTimeout{240};
// `power: stopped` in a manifest and `vm stop` without --timeout.
inline constexpr std::chrono::seconds kDefaultStopTimeout{120};

}  // namespace xc
