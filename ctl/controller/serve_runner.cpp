#include "ctl/controller/serve_runner.h"

#include <thread>

namespace xc {
namespace {

void run_one(const Loop& loop, LoopResources& r, const Clock& clock, LoopLog& log,
             const StopSignal& stop) {
  LoopWorld world{*r.store, *r.hosts, clock, log, stop};
  std::string last_error;
  while (!stop.stopped()) {
    auto start = std::chrono::steady_clock::now();
    Status s;
    try {
      s = loop.round(world);
    } catch (const std::exception& e) {
      s = error(Code::kInternal, std::string("unexpected error: ") + e.what());
    }
    if (!s.ok() && s.message() != last_error)
      log.event(loop.name + ": round failed: " + s.message());
    if (s.ok() && !last_error.empty()) log.event(loop.name + ": rounds succeed again");
    last_error = s.ok() ? "" : s.message();
    auto next = start + loop.interval;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        next - std::chrono::steady_clock::now());
    if (left.count() > 0 && stop.wait_for(left)) break;
  }
}

}  // namespace

Status run_loops(const std::vector<Loop>& loops, const LoopResourceFactory& make,
                 const Clock& clock, LoopLog& log, const StopSignal& stop) {
  std::vector<LoopResources> resources;
  for (const Loop& loop : loops) {
    auto r = make(loop);
    if (!r.ok()) return error(r.status().code(), loop.name + ": " + r.status().message());
    resources.push_back(std::move(*r));
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < loops.size(); ++i)
    threads.emplace_back(run_one, std::cref(loops[i]), std::ref(resources[i]), std::cref(clock),
                         std::ref(log), std::cref(stop));
  for (auto& t : threads) t.join();
  return {};
}

}  // namespace xc
