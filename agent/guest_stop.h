// How a guest is stopped: ask it (ACPI), wait for it to power itself off, and
// power it off only when asked to after the wait. The world (libvirt, time)
// comes in through GuestStopOps so the waiting logic is tested with fakes.
// Pure apart from what the ops do; one call per thread.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/stop_timeouts.h"

namespace xc {

struct GuestStopOps {
  std::function<bool()> is_off;        // the domain is shut off
  std::function<bool()> ask_shutdown;  // ACPI power button; false when refused
  std::function<bool()> power_off;     // virDomainDestroy; false on failure
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<std::chrono::steady_clock::time_point()> now;
};

enum class StopOutcome {
  kAlreadyOff,    // nothing to do
  kGuest,         // the guest shut itself down within the timeout
  kPoweredOff,    // powered off after the timeout (or at once, when forced)
  kStillRunning,  // the guest ignored the request and no power-off was asked
  kFailed,        // the power-off itself failed
};

struct StopResult {
  StopOutcome outcome = StopOutcome::kAlreadyOff;
  std::chrono::milliseconds waited{0};
  bool shutdown_refused = false;  // the hypervisor refused the ACPI request
};

// `timeout` 0 with `power_off_after`: powers off at once (--force).
StopResult stop_guest(const GuestStopOps& ops, std::chrono::milliseconds timeout,
                      bool power_off_after);

// "guest", "powered-off", ... as the agent reports it.
const char* stop_outcome_name(StopOutcome outcome);

}  // namespace xc
