// Reads what availability needs from the store: the meter's running spans
// (what was declared running and when), the VMs' lifecycle events, the hosts'
// health and maintenance events, and when the controller was watching (the
// metric rows it stored). Use from the Store's thread.
#pragma once

#include <functional>
#include <optional>

#include "common/status.h"
#include "ctl/sla/availability.h"
#include "ctl/store/store.h"

namespace xc {

// Meter intervals and events this far before the period are read too: a crash
// before the month carries into it.
inline constexpr int64_t kSlaLookBackMs = 400LL * 86'400'000;

// A raw metric row shows the controller watched for this long after it (the
// collect interval is a minute; a missed round or two is not a gap).
inline constexpr int64_t kRawRowWitnessMs = 180'000;

// Whether an event leaves the VM running (true), not running (false), or says
// nothing about it (nullopt). Supplied by the controller, which owns the
// mapping (ctl/controller/vm_events.h: state_after).
using RunningAfter = std::function<std::optional<bool>(const EventRecord&)>;

Result<SlaInput> read_sla_input(Store& store, Span period, int64_t now_ms,
                                const RunningAfter& running_after);

// The host event types read_sla_input turns into spans.
inline constexpr const char* kHostUnreachableEvent = "host-unreachable";
inline constexpr const char* kHostReadyEvent = "host-ready";
inline constexpr const char* kHostMaintenanceEvent = "host-maintenance";
inline constexpr const char* kHostMaintenanceEndEvent = "host-maintenance-end";

}  // namespace xc
