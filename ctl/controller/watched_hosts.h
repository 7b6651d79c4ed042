// The hosts the controller watches: every host in the state's inventory, with
// the Host manifest's connection settings when it is stored. Not thread-safe
// (one Store).
#pragma once

#include <vector>

#include "common/model.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/store/store.h"

namespace xc {

struct WatchedHost {
  HostRecord record;
  Object object;  // Kind::kHost
  bool maintenance = false;
};

// By name. Each is also added to `clients` (so a host applied since the last
// round is reached too).
Result<std::vector<WatchedHost>> watched_hosts(Store& store, HostClients& clients);

}  // namespace xc
