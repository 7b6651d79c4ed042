// A controller loop's world for tests: a cloud applied to simulated hosts
// (tests/ctl/reconcile/apply_harness.h), a store, HostClients on the
// in-process fleet, a clock the test moves and a log that keeps its lines.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "ctl/controller/loop.h"
#include "tests/ctl/reconcile/apply_harness.h"

namespace xc::test {

class RecordingLog final : public LoopLog {
 public:
  void event(const std::string& line) override {
    std::lock_guard<std::mutex> lock(mutex_);
    lines.push_back(line);
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
  }
  std::vector<std::string> lines;

 private:
  std::mutex mutex_;
};

struct LoopHarness {
  // `yaml`: the cloud to apply; empty: web-1 on x86-03 (pool p2) in base_cloud().
  // `storage`: host -> shared storageDir (see ApplyHarness).
  explicit LoopHarness(std::string yaml = "",
                       const std::map<std::string, std::string>& storage = {})
      : yaml_(std::move(yaml)), cloud(storage) {}

  std::string yaml_;
  ApplyHarness cloud;
  std::unique_ptr<Store> store;
  HostClients clients{cloud.fleet.connector(), 1};
  int64_t now_ms = 1'800'000'000'000;
  Clock clock = [this] { return now_ms; };
  RecordingLog log;
  StopSignal stop;
  LoopWorld world{*(store = open_after_apply()), clients, clock, log, stop};

  std::unique_ptr<Store> open_after_apply() {
    // web-1 on x86-01 (pool p2 has x86-03 only: keep it simple, pin by pool).
    const std::string yaml = yaml_.empty() ? base_cloud() + vm("web-1", "p2") : yaml_;
    ApplyResult r = cloud.apply(yaml);
    REQUIRE_MESSAGE(r.planned.ok(), r.planned.message());
    // What the hosts run now, as the CLI saves it after an apply.
    REQUIRE(cloud.diff(yaml).planned.ok());
    return cloud.open();
  }
};

}  // namespace xc::test
