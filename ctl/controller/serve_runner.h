// `xcloudctl serve`'s scheduler: each loop runs on a thread of its own with
// its own store connection and host clients, a round every interval, until
// the stop signal. A round that fails is logged (once per distinct error, and
// once when it works again) and the loop goes on. run_loops() is called from
// one thread; the log must be thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "ctl/controller/loop.h"

namespace xc {

// What a loop's thread owns.
struct LoopResources {
  std::unique_ptr<Store> store;
  std::unique_ptr<HostClients> hosts;
};
using LoopResourceFactory = std::function<Result<LoopResources>(const Loop& loop)>;

// Opens every loop's resources first (the first failure is returned and no
// loop runs), then runs the loops until `stop`, and returns when every loop
// has finished its round in progress.
Status run_loops(const std::vector<Loop>& loops, const LoopResourceFactory& make,
                 const Clock& clock, LoopLog& log, const StopSignal& stop);

}  // namespace xc
