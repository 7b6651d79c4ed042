// The heartbeat round: every watched host's agent is asked host.heartbeat at
// once (TLS and SSH alike); each host's stored state follows (ready, or
// unreachable since the first failed contact, with the last error), and a
// change of state is logged and stored as an event ("host-unreachable",
// "host-ready"). Events older than the retention are pruned here too.
// Runs on the loop's thread (the calls on short-lived threads of their own).
#pragma once

#include <string>
#include <vector>

#include "ctl/controller/loop.h"
#include "ctl/store/host_health.h"

namespace xc {

// Events are kept this long (a year of SLA figures and some).
inline constexpr int64_t kEventRetentionMs = 400 * kMsPerDay;

struct HostHeartbeat {
  std::string host;
  bool reachable = false;
  bool maintenance = false;
  std::string error;
  int64_t unreachable_since_ms = 0;
  HealthChange change = HealthChange::kNone;
};

// One round; the hosts by name.
Result<std::vector<HostHeartbeat>> heartbeat_round(LoopWorld& world);

}  // namespace xc
