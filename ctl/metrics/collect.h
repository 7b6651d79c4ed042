// One metrics round, the controller's collection loop body (`xcloudctl
// collect`; `xcloudctl serve` runs it every 60 s): calls every host's bulk
// metrics.sample in parallel, turns counters into rates against the host's
// previous reading, stores one packed row per host, rolls finished hours up
// and prunes (raw after 48 hours, rollups after 400 days). A host that fails
// is reported and skipped; the others are stored. Not thread-safe: one round
// at a time per store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/store/store.h"

namespace xc {

inline constexpr int64_t kRawMetricsKeepMs = 48 * 3'600'000LL;
inline constexpr int64_t kRollupsKeepMs = 400 * kMsPerDay;
inline constexpr int64_t kRollupMs = 3'600'000;

struct CollectedHost {
  std::string host;
  Status status;      // why nothing was stored for it
  int64_t vms = 0;    // xcloud's running VMs in its reading
  int64_t rated = 0;  // of which had a previous reading to rate against
};

struct MetricsRound {
  int64_t time_ms = 0;
  std::vector<CollectedHost> hosts;  // in the order given
  int64_t rolled_up_hours = 0;
  MetricPrune pruned;
  int64_t call_ms = 0;   // calling the agents
  int64_t store_ms = 0;  // everything after
};

// `hosts` are names HostClients knows. Fails only when the store fails; an
// unreachable host is one CollectedHost with a non-ok status.
Result<MetricsRound> collect_metrics(Store& store, HostClients& clients,
                                     const std::vector<std::string>& hosts, const Clock& clock);

}  // namespace xc
