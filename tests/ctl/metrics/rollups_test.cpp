#include "ctl/metrics/rollups.h"

#include <doctest/doctest.h>

#include "ctl/metrics/collect.h"
#include "tests/ctl/metrics/metric_rows.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

constexpr int64_t kRollupHour = 3'600'000;
constexpr int64_t kT0 = 1'796'000'000'000 - 1'796'000'000'000 % kRollupHour;  // an hour's start

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<Store> store;
  int64_t host = 0, web = 0, db = 0;

  Fixture() {
    auto s = open_store(dir.path("state.db"), OpenMode::kCreate);
    REQUIRE(s.ok());
    store = std::move(*s);
    host = *store->metric_object_id("host", "", "x86-01");
    web = *store->metric_object_id("vm", "education", "web-1");
    db = *store->metric_object_id("vm", "education", "db-1");
  }
  std::vector<MetricRow> rows(bool rollups) {
    std::vector<MetricRow> out;
    REQUIRE(store
                ->scan_metric_rows(0, INT64_MAX, rollups,
                                   [&](const MetricRow& r) {
                                     out.push_back(r);
                                     return true;
                                   })
                .ok());
    return out;
  }
};

PackedTable unpacked(const std::string& bytes) {
  PackedTable t;
  REQUIRE(unpack_table(bytes, {}, t).ok());
  return t;
}

}  // namespace

TEST_CASE("metric object ids are made once and kept per kind, tenant and name") {
  Fixture f;
  CHECK(*f.store->metric_object_id("vm", "education", "web-1") == f.web);
  CHECK(*f.store->metric_object_id("vm", "health", "web-1") != f.web);
  auto all = f.store->list_metric_objects();
  REQUIRE(all.ok());
  CHECK(all->size() == 4);
  CHECK(all->front() == MetricObject{f.host, "host", "", "x86-01"});
}

TEST_CASE("a finished hour rolls up to each VM's average, maximum and sample count, once") {
  Fixture f;
  // Three rounds in the first hour, one in the second (still running).
  REQUIRE(f.store
              ->put_metric_rows({test::raw_row(kT0, f.host, {{f.web, 1000}, {f.db, 100}}),
                                 test::raw_row(kT0 + 60'000, f.host, {{f.web, 2000}}),
                                 test::raw_row(kT0 + 120'000, f.host, {{f.web, 3000}, {f.db, 301}}),
                                 test::raw_row(kT0 + kRollupHour + 5, f.host, {{f.web, 9000}})},
                                false)
              .ok());
  auto hours = roll_up_metrics(*f.store, kT0 + kRollupHour + 60'000);
  REQUIRE(hours.ok());
  CHECK(*hours == 1);
  auto rollups = f.rows(true);
  REQUIRE(rollups.size() == 1);
  CHECK(rollups[0].time_ms == kT0);
  PackedTable vms = unpacked(rollups[0].vm_values);
  CHECK(vms.ids == std::vector<int64_t>{f.web, f.db});
  CHECK(vms.columns[rollup_avg(kCpuMilli)] == std::vector<uint64_t>{2000, 201});  // 200.5 rounds up
  CHECK(vms.columns[rollup_max(kCpuMilli)] == std::vector<uint64_t>{3000, 301});
  CHECK(vms.columns[rollup_count(kVmColumns)] == std::vector<uint64_t>{3, 2});
  CHECK(vms.columns[rollup_max(kMemoryMiB)] == std::vector<uint64_t>{4096, 4096});
  PackedTable host = unpacked(rollups[0].host_values);
  CHECK(host.ids == std::vector<int64_t>{f.host});
  // The host's CPU is its VMs' sum per round: 1100, 2000, 3301.
  CHECK(host.columns[rollup_avg(kCpuMilli)] == std::vector<uint64_t>{2134});
  CHECK(host.columns[rollup_max(kCpuMilli)] == std::vector<uint64_t>{3301});
  CHECK(host.columns[rollup_avg(kPoolAllocationBytes)] == std::vector<uint64_t>{250});

  // Again in the same hour: nothing new to roll up.
  CHECK(*roll_up_metrics(*f.store, kT0 + kRollupHour + 120'000) == 0);
  // The next hour, when it ends.
  CHECK(*roll_up_metrics(*f.store, kT0 + 2 * kRollupHour) == 1);
  CHECK(f.rows(true).size() == 2);
}

TEST_CASE("rollups resume where they stopped after the controller was away for hours") {
  Fixture f;
  REQUIRE(f.store->put_metric_rows({test::raw_row(kT0 + 10, f.host, {{f.web, 500}})}, false).ok());
  CHECK(*roll_up_metrics(*f.store, kT0 + 20) == 0);  // hour not finished
  REQUIRE(f.store
              ->put_metric_rows({test::raw_row(kT0 + 3 * kRollupHour + 10, f.host, {{f.web, 700}})},
                                false)
              .ok());
  // Back after three hours: the two hours with rows are rolled up.
  CHECK(*roll_up_metrics(*f.store, kT0 + 4 * kRollupHour) == 2);
  auto rollups = f.rows(true);
  REQUIRE(rollups.size() == 2);
  CHECK(rollups[0].time_ms == kT0);
  CHECK(rollups[1].time_ms == kT0 + 3 * kRollupHour);
}

TEST_CASE("pruning drops raw rows after 48 hours and rollups after 400 days") {
  Fixture f;
  const int64_t now = kT0 + 500 * kMsPerDay;
  REQUIRE(f.store
              ->put_metric_rows({test::raw_row(now - kRawMetricsKeepMs - 1, f.host, {{f.web, 1}}),
                                 test::raw_row(now - kRawMetricsKeepMs, f.host, {{f.web, 2}})},
                                false)
              .ok());
  REQUIRE(f.store
              ->put_metric_rows(
                  {test::raw_row(now - kRollupsKeepMs - kRollupHour, f.host, {{f.web, 1}}),
                   test::raw_row(now - kRollupsKeepMs, f.host, {{f.web, 2}})},
                  true)
              .ok());
  auto pruned = f.store->prune_metric_rows(now - kRawMetricsKeepMs, now - kRollupsKeepMs);
  REQUIRE(pruned.ok());
  CHECK(pruned->raw_rows == 1);
  CHECK(pruned->rollup_rows == 1);
  CHECK(f.rows(false).front().time_ms == now - kRawMetricsKeepMs);
  CHECK(f.rows(true).front().time_ms == now - kRollupsKeepMs);
}
