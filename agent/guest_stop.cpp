#include "agent/guest_stop.h"

namespace xc {

StopResult stop_guest(const GuestStopOps& ops, std::chrono::milliseconds timeout,
                      bool power_off_after) {
  using std::chrono::milliseconds;
  StopResult r;
  if (ops.is_off()) return r;
  const auto start = ops.now();
  if (timeout.count() > 0) {
    r.shutdown_refused = !ops.ask_shutdown();
    // A refused request (no ACPI) cannot succeed: do not wait for it.
    const auto deadline = start + timeout;
    while (!r.shutdown_refused && ops.now() < deadline) {
      if (ops.is_off()) {
        r.outcome = StopOutcome::kGuest;
        r.waited = std::chrono::duration_cast<milliseconds>(ops.now() - start);
        return r;
      }
      ops.sleep(milliseconds(200));
    }
    if (ops.is_off()) {
      r.outcome = StopOutcome::kGuest;
      r.waited = std::chrono::duration_cast<milliseconds>(ops.now() - start);
      return r;
    }
  }
  r.waited = std::chrono::duration_cast<milliseconds>(ops.now() - start);
  if (!power_off_after) {
    r.outcome = StopOutcome::kStillRunning;
    return r;
  }
  // The guest may have gone down between the last look and now.
  r.outcome = ops.power_off() || ops.is_off() ? StopOutcome::kPoweredOff : StopOutcome::kFailed;
  return r;
}

const char* stop_outcome_name(StopOutcome outcome) {
  switch (outcome) {
    case StopOutcome::kAlreadyOff:
      return "already-off";
    case StopOutcome::kGuest:
      return "guest";
    case StopOutcome::kPoweredOff:
      return "powered-off";
    case StopOutcome::kStillRunning:
      return "still-running";
    case StopOutcome::kFailed:
      return "failed";
  }
  return "failed";
}

}  // namespace xc
