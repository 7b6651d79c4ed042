// collect_metrics() against simulated hosts in-process: real agents on
// libvirt's test:/// driver (whose counters grow with the wall clock: each
// running domain uses one core), a real SQLite store and a controlled clock.
#include "ctl/metrics/collect.h"

#include <doctest/doctest.h>

#include <thread>

#include "ctl/metrics/top.h"
#include "tests/support/in_process_agent.h"
#include "tests/support/temp_dir.h"

using namespace xc;
using nlohmann::json;

namespace {

constexpr int64_t kHour = 3'600'000;

json vm_spec(const std::string& tenant, const std::string& name, int cpus) {
  return {
      {"tenant", tenant},    {"name", name},
      {"spec_hash", "ab12"}, {"generation", 1},
      {"arch", "x86_64"},    {"cpus", cpus},
      {"memory_mib", 1024},  {"disks", {{{"name", "root"}, {"size_gib", 1}, {"tier", "normal"}}}}};
}

Object host(const std::string& name) {
  Object o;
  o.kind = Kind::kHost;
  o.meta.name = name;
  HostSpec spec;
  spec.pool = "p1";
  spec.address = "127.0.0.1:1";
  o.spec = spec;
  return o;
}

struct Cloud {
  test::TempDir dir;
  testing::InProcessFleet fleet;
  std::unique_ptr<HostClients> clients;
  std::unique_ptr<Store> store;
  int64_t now = 1'796'000'000'000 - 1'796'000'000'000 % kHour;
  Clock clock = [this] { return now; };

  Cloud() {
    for (const char* h : {"x86-01", "x86-02"}) fleet.add(h);
    connect();
    auto s = open_store(dir.path("state.db"), OpenMode::kCreate);
    REQUIRE(s.ok());
    store = std::move(*s);
    ensure("x86-01", vm_spec("education", "web-1", 2));
    ensure("x86-01", vm_spec("education", "web-2", 4));
    ensure("x86-02", vm_spec("health", "lab-1", 1));
  }
  void connect() {
    clients = std::make_unique<HostClients>(fleet.connector(), 2);
    for (const char* h : {"x86-01", "x86-02", "x86-03"}) clients->add_host(host(h));
  }
  void ensure(const std::string& h, const json& spec) {
    json r = fleet.call(h, "domain.ensure", spec);
    REQUIRE_MESSAGE(r.contains("result"), r.dump());
  }
  MetricsRound round(const std::vector<std::string>& hosts = {"x86-01", "x86-02"}) {
    auto r = collect_metrics(*store, *clients, hosts, clock);
    REQUIRE_MESSAGE(r.ok(), r.status().message());
    return *r;
  }
  std::vector<MetricRow> rows() {
    std::vector<MetricRow> out;
    REQUIRE(store
                ->scan_metric_rows(0, INT64_MAX, false,
                                   [&](const MetricRow& r) {
                                     out.push_back(r);
                                     return true;
                                   })
                .ok());
    return out;
  }
};

}  // namespace

TEST_CASE("the first round keeps counters only, the second stores rates for every running VM") {
  Cloud c;
  MetricsRound first = c.round();
  REQUIRE(first.hosts.size() == 2);
  CHECK(first.hosts[0].status.ok());
  CHECK(first.hosts[0].vms == 2);
  CHECK(first.hosts[0].rated == 0);
  CHECK(c.rows().empty());

  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c.now += 60'000;
  MetricsRound second = c.round();
  CHECK(second.hosts[0].rated == 2);
  CHECK(second.hosts[1].rated == 1);
  CHECK(c.rows().size() == 2);

  TopRequest req;
  req.now_ms = c.now;
  auto top = top_metrics(*c.store, req);
  REQUIRE(top.ok());
  REQUIRE(top->entries.size() == 3);
  // The test driver's CPU time is the wall clock: one core each, so the
  // 1-vCPU VM ranks first (100%), then 2 vCPUs (50%), then 4 (25%).
  CHECK(top->entries[0].object.name == "lab-1");
  CHECK(top->entries[0].host == "x86-02");
  CHECK(top->entries[1].object.name == "web-1");
  CHECK(top->entries[2].object.name == "web-2");
  for (const auto& e : top->entries) {
    CHECK(e.avg[kCpuMilli] >= 900);
    CHECK(e.avg[kCpuMilli] <= 1100);
    CHECK(e.avg[kMemoryMiB] == 1024);
    CHECK(e.avg[kReadIopsMilli] > 0);  // the driver's block counters grow with time too
    CHECK(e.avg[kNetRxKiBps] == 0);    // and these VMs have no NICs
  }
  req.hosts = true;
  auto hosts = top_metrics(*c.store, req);
  REQUIRE(hosts.ok());
  REQUIRE(hosts->entries.size() == 2);
  CHECK(hosts->entries[0].object.name == "x86-01");  // 2 cores of 16 beat 1 of 16
  CHECK(hosts->entries[0].latest[kHostCpus] == 16);
  CHECK(hosts->entries[0].latest[kVcpus] == 6);
  CHECK(hosts->entries[0].latest[kPoolCapacityBytes] > 0);
}

TEST_CASE("an unreachable host is reported and skipped, the others are stored") {
  Cloud c;
  c.round();
  c.fleet.set_down("x86-02", true);
  // A new process (as `xcloudctl collect` is each time) connects afresh.
  c.connect();
  c.now += 60'000;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  MetricsRound r = c.round({"x86-01", "x86-02", "x86-03"});
  CHECK(r.hosts[0].status.ok());
  CHECK(r.hosts[1].status.code() == Code::kUnavailable);
  CHECK(r.hosts[1].status.message() == "host x86-02: connection refused");
  CHECK(r.hosts[2].status.message() == "host x86-03: no such simulated host");
  auto rows = c.rows();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].host_id == *c.store->metric_object_id("host", "", "x86-01"));
}

TEST_CASE("a VM restarted between rounds gives no rate that round, then rates again") {
  Cloud c;
  c.round();
  REQUIRE(c.fleet
              .call("x86-01", "domain.power",
                    {{"name", "xc-education.web-1"}, {"action", "shutdown"}, {"timeout_s", 1}})
              .contains("result"));
  REQUIRE(
      c.fleet.call("x86-01", "domain.power", {{"name", "xc-education.web-1"}, {"action", "start"}})
          .contains("result"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.now += 60'000;
  MetricsRound after_restart = c.round();
  CHECK(after_restart.hosts[0].vms == 2);
  CHECK(after_restart.hosts[0].rated == 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.now += 60'000;
  CHECK(c.round().hosts[0].rated == 2);
}

TEST_CASE("each round rolls up finished hours and prunes raw rows older than 48 hours") {
  Cloud c;
  c.round();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  c.now += 60'000;
  c.round();
  const int64_t first_row = c.now;
  // The controller comes back 49 hours later: the hour of the first rows is
  // rolled up, and the raw rows are pruned.
  c.now += 49 * kHour;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  MetricsRound late = c.round();
  CHECK(late.pruned.raw_rows == 2);
  std::vector<MetricRow> rollups;
  REQUIRE(c.store
              ->scan_metric_rows(0, INT64_MAX, true,
                                 [&](const MetricRow& r) {
                                   rollups.push_back(r);
                                   return true;
                                 })
              .ok());
  REQUIRE(rollups.size() == 2);
  CHECK(rollups[0].time_ms == first_row - first_row % kHour);
}
