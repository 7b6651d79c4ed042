#include "ctl/controller/serve_runner.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "tests/ctl/controller/loop_harness.h"

using namespace xc;
using namespace xc::test;

TEST_CASE("serve runs each loop on a schedule until stopped, and logs a failing round once") {
  TempDir dir;
  REQUIRE(open_store(dir.path("state.db"), OpenMode::kCreate).ok());
  std::atomic<int> ticks{0}, failures{0};
  Loop tick;
  tick.name = "tick";
  tick.interval = std::chrono::milliseconds(10);
  tick.round = [&](LoopWorld&) {
    ++ticks;
    return Status{};
  };
  Loop broken;
  broken.name = "broken";
  broken.interval = std::chrono::milliseconds(10);
  broken.round = [&](LoopWorld&) -> Status {
    return ++failures < 5 ? error(Code::kUnavailable, "no database") : Status{};
  };
  auto make = [&](const Loop&) -> Result<LoopResources> {
    auto store = open_store(dir.path("state.db"), OpenMode::kExisting);
    if (!store.ok()) return store.status();
    LoopResources r;
    r.store = std::move(*store);
    r.hosts = std::make_unique<HostClients>(HostClients::Connector{}, 1);
    return r;
  };
  RecordingLog log;
  StopSignal stop;
  Clock clock = [] { return int64_t{0}; };
  std::thread serve([&] { CHECK(run_loops({tick, broken}, make, clock, log, stop).ok()); });
  for (int i = 0; i < 500 && (ticks < 5 || failures < 6); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop.stop();
  serve.join();
  CHECK(ticks >= 5);
  CHECK(log.text() == "broken: round failed: no database\nbroken: rounds succeed again\n");
  int after = ticks;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(ticks == after);  // stopped means stopped
}

TEST_CASE("serve refuses to start when a loop's resources cannot be opened") {
  Loop tick;
  tick.name = "tick";
  tick.round = [](LoopWorld&) { return Status{}; };
  RecordingLog log;
  StopSignal stop;
  Clock clock = [] { return int64_t{0}; };
  Status s = run_loops(
      {tick}, [](const Loop&) -> Result<LoopResources> { return error(Code::kIo, "no state"); },
      clock, log, stop);
  CHECK(s.message() == "tick: no state");
}
