#include "ctl/metrics/top.h"

#include <doctest/doctest.h>

#include "ctl/metrics/collect.h"
#include "ctl/metrics/rollups.h"
#include "tests/ctl/metrics/metric_rows.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

constexpr int64_t kTopHour = 3'600'000;
constexpr int64_t kNow = 1'796'000'000'000 - 1'796'000'000'000 % kTopHour + 30 * 60'000;

struct Fleet {
  test::TempDir dir;
  std::unique_ptr<Store> store;
  int64_t h1 = 0, h2 = 0, web = 0, db = 0, lab = 0;

  Fleet() {
    auto s = open_store(dir.path("state.db"), OpenMode::kCreate);
    REQUIRE(s.ok());
    store = std::move(*s);
    h1 = *store->metric_object_id("host", "", "x86-01");
    h2 = *store->metric_object_id("host", "", "x86-02");
    web = *store->metric_object_id("vm", "education", "web-1");
    db = *store->metric_object_id("vm", "education/schools", "db-1");
    lab = *store->metric_object_id("vm", "health", "lab-1");
  }
  Result<TopResult> top(TopBy by, int64_t window_ms, const std::string& tenant = "",
                        bool hosts = false, size_t limit = 10) {
    TopRequest r;
    r.hosts = hosts;
    r.by = by;
    r.tenant = tenant;
    r.window_ms = window_ms;
    r.limit = limit;
    r.now_ms = kNow;
    return top_metrics(*store, r);
  }
};

std::vector<std::string> names(const TopResult& r) {
  std::vector<std::string> out;
  for (const auto& e : r.entries) out.push_back(e.object.name);
  return out;
}

}  // namespace

TEST_CASE("top vms ranks by average CPU share over the window and shows the peak") {
  Fleet f;
  REQUIRE(f.store
              ->put_metric_rows(
                  {
                      // Before the window: lab-1 was busy then, and is not counted.
                      test::raw_row(kNow - 2 * kTopHour, f.h2, {{f.lab, 2000}}),
                      test::raw_row(kNow - 20 * 60'000, f.h1, {{f.web, 400}, {f.db, 1000}}),
                      test::raw_row(kNow - 20 * 60'000, f.h2, {{f.lab, 100}}),
                      test::raw_row(kNow - 10 * 60'000, f.h1, {{f.web, 1600}, {f.db, 600}}),
                  },
                  false)
              .ok());
  auto r = f.top(TopBy::kCpu, kTopHour);
  REQUIRE(r.ok());
  CHECK_FALSE(r->from_rollups);
  CHECK(names(*r) == std::vector<std::string>{"web-1", "db-1", "lab-1"});
  const TopEntry& web = r->entries[0];
  CHECK(web.object.tenant == "education");
  CHECK(web.host == "x86-01");
  CHECK(web.samples == 2);
  CHECK(web.avg[kCpuMilli] == 1000);
  CHECK(web.max[kCpuMilli] == 1600);
  CHECK(web.score == doctest::Approx(0.5));             // 1 core of 2
  CHECK(r->entries[2].score == doctest::Approx(0.05));  // 0.1 core of 2
}

TEST_CASE("top vms filters by tenant (with sub-tenants), limits rows and ranks by net") {
  Fleet f;
  REQUIRE(f.store
              ->put_metric_rows({test::raw_row(kNow - 60'000, f.h1, {{f.web, 100}, {f.db, 900}}),
                                 test::raw_row(kNow - 60'000, f.h2, {{f.lab, 500}})},
                                false)
              .ok());
  CHECK(names(*f.top(TopBy::kCpu, kTopHour, "education")) ==
        std::vector<std::string>{"db-1", "web-1"});
  CHECK(names(*f.top(TopBy::kCpu, kTopHour, "education/schools")) ==
        std::vector<std::string>{"db-1"});
  CHECK(names(*f.top(TopBy::kCpu, kTopHour, "educ")).empty());
  CHECK(names(*f.top(TopBy::kNet, kTopHour, "", false, 2)) ==
        std::vector<std::string>{"db-1", "lab-1"});
  auto iops = f.top(TopBy::kIops, kTopHour);
  REQUIRE(iops.ok());
  CHECK(iops->entries[0].score == doctest::Approx(0.9));
}

TEST_CASE("top hosts sums their VMs and ranks by share of the host's CPUs") {
  Fleet f;
  REQUIRE(f.store
              ->put_metric_rows({test::raw_row(kNow - 60'000, f.h1, {{f.web, 100}, {f.db, 900}}),
                                 test::raw_row(kNow - 60'000, f.h2, {{f.lab, 4000}})},
                                false)
              .ok());
  auto r = f.top(TopBy::kCpu, kTopHour, "", true);
  REQUIRE(r.ok());
  CHECK(names(*r) == std::vector<std::string>{"x86-02", "x86-01"});
  CHECK(r->entries[0].score == doctest::Approx(0.25));  // 4 of 16 cores
  auto memory = f.top(TopBy::kMemory, kTopHour, "", true);
  CHECK(memory->entries[0].score == doctest::Approx(0.5));
}

TEST_CASE("windows past 48 hours read the hourly rollups, weighted by their sample counts") {
  Fleet f;
  const int64_t day_ago = kNow - 24 * kTopHour - kNow % kTopHour;
  std::vector<MetricRow> rows = {test::raw_row(day_ago, f.h1, {{f.web, 1000}}),
                                 test::raw_row(day_ago + 60'000, f.h1, {{f.web, 1000}}),
                                 test::raw_row(day_ago + 120'000, f.h1, {{f.web, 1000}}),
                                 test::raw_row(day_ago + kTopHour, f.h1, {{f.web, 1800}})};
  REQUIRE(f.store->put_metric_rows(rows, false).ok());
  REQUIRE(roll_up_metrics(*f.store, kNow).ok());
  auto r = f.top(TopBy::kCpu, 7 * 24 * kTopHour);
  REQUIRE(r.ok());
  CHECK(r->from_rollups);
  REQUIRE(r->entries.size() == 1);
  CHECK(r->entries[0].samples == 4);
  CHECK(r->entries[0].avg[kCpuMilli] == doctest::Approx(1200));  // (3 x 1000 + 1800) / 4
  CHECK(r->entries[0].max[kCpuMilli] == 1800);
}

TEST_CASE("no samples in the window is an empty answer, not an error") {
  Fleet f;
  auto r = f.top(TopBy::kCpu, kTopHour);
  REQUIRE(r.ok());
  CHECK(r->entries.empty());
}
