// One HA round: the stale copies on hosts that came back are removed first
// (never two copies), then the decision (ha_decision.h) is carried out:
// fence commands run, VMs restarted on their new host (domain.ensure with
// the stored spec; disks on shared storage are reused, not copied), placement
// recorded, every step audited and stored as an event. The meter is not
// touched: a restart keeps the VM's allocation. Used by `serve` and by `host
// evacuate`; one round at a time per store.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ctl/audit/audit_record.h"
#include "ctl/controller/loop.h"
#include "ctl/ha/ha_decision.h"

namespace xc {

// Event types the round stores (a built-in alarm rule fires on kHaFenceFailed).
inline constexpr const char* kHaFencedEvent = "ha-fenced";
inline constexpr const char* kHaFenceFailedEvent = "ha-fence-failed";
inline constexpr const char* kHaRestartedEvent = "ha-restarted";
inline constexpr const char* kHaCannotEvent = "ha-cannot-restart";
inline constexpr const char* kHaStaleRemovedEvent = "ha-stale-copy-removed";

struct HaRoundOptions {
  HaOptions decide;
  std::chrono::milliseconds fence_timeout{30'000};
  bool dry_run = false;  // decide and report; run nothing, change nothing
  AuditIdentity who;
  // The controller's image store: a new host lacking the VM's image is sent
  // it before the restart (ImageSupplier), audited as a push. "" for none.
  std::string image_store;
};

// What a round remembers between rounds (a loop's own): reasons already
// reported, and when each host's fence command last ran (it is retried no
// sooner than `after_ms` later).
struct HaMemory {
  std::map<std::string, std::string> reported;  // object -> last reason logged
  std::map<std::string, int64_t> fence_tried_ms;
};

struct HaStep {
  HaAction action;
  Status status;       // the step's outcome (a kCannot step is ok: it was reported)
  std::string detail;  // "exit 0 in 12 ms", "stale copy undefined", ...
};

// One round. `memory` may be null (one-shot commands).
Result<std::vector<HaStep>> ha_round(LoopWorld& world, const HaRoundOptions& options,
                                     HaMemory* memory);

}  // namespace xc
