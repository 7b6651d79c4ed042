// The events round: each watched host's agent is long-polled (events.wait)
// on a thread of its own, from the sequence number stored for that host, and
// what comes back is stored as it arrives (once: a batch read twice after a
// reconnect is stored once), the host's cursor moved, the VMs' states in the
// inventory updated and each event logged. A new agent run (another boot
// id) is noticed, noted as an "agent-restarted" event and read from its
// start; events the agent dropped before they were read are noted as
// "events-lost". The store is used under one lock by the host threads.
#pragma once

#include <chrono>
#include <cstdint>

#include "ctl/controller/loop.h"

namespace xc {

struct EventPullOptions {
  // How long each call may wait for an event (0: answer at once).
  std::chrono::milliseconds wait{0};
  // How long the round keeps polling, at least `wait` (0: one call per host,
  // and more only while full batches come back). Hosts applied meanwhile
  // join the next round.
  std::chrono::milliseconds duration{0};
  // After a failed call, before the next one to that host.
  std::chrono::milliseconds retry{5000};
};

struct EventPullSummary {
  int64_t stored = 0;  // events stored (host notes included)
  int64_t hosts = 0;   // hosts polled
  int64_t failed = 0;  // hosts whose last call failed
};

Result<EventPullSummary> events_round(LoopWorld& world, const EventPullOptions& options);

}  // namespace xc
