// What apply meters, in-process: instants never go back, and a resize that
// waits for a restart is billed at the size the VM runs.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include "ctl/store/store_migrations.h"
#include "tests/ctl/reconcile/apply_harness.h"

using namespace xc;
using xc::test::ApplyHarness;
using xc::test::base_cloud;
using xc::test::vm;

namespace {

std::vector<std::string> vcpu_intervals(Store& store) {
  auto all = store.list_meter_intervals(0, int64_t{1} << 62);
  REQUIRE(all.ok());
  std::vector<std::string> out;
  for (const auto& m : *all)
    if (m.item == "vcpu")
      out.push_back(std::to_string(m.quantity) + "@" + std::to_string(m.start_ms) + "-" +
                    (m.end_ms ? std::to_string(*m.end_ms) : "open"));
  return out;
}

}  // namespace

TEST_CASE(
    "a clock that steps back is clamped to the last meter instant, warned about and audited") {
  ApplyHarness h;
  h.now = 1'790'000'600'000;
  REQUIRE(h.apply(base_cloud() + vm("web-1", "p1", 2, 4)).executed.failed == 0);
  h.now -= 60'000;                                                 // an NTP step back by a minute
  auto resized = h.apply(base_cloud() + vm("web-1", "p1", 2, 2));  // memory shrinks live
  REQUIRE(resized.executed.failed == 0);
  REQUIRE(resized.warnings.size() == 1);
  CHECK(resized.warnings[0].starts_with("clock is 60000 ms behind the last meter instant"));
  auto store = h.open();
  auto got = vcpu_intervals(*store);
  CHECK(got == std::vector<std::string>{"2@1790000600000-1790000600000", "2@1790000600000-open"});
  bool audited = false;
  REQUIRE(store
              ->scan_audit_records({},
                                   [&](const AuditRecord& r) {
                                     audited |= r.kind == "Meter" && r.action == "clock-clamped" &&
                                                r.name == "web-1";
                                     return true;
                                   })
              .ok());
  CHECK(audited);
}

TEST_CASE("the store refuses an interval that ends before it starts") {
  ApplyHarness h;
  auto store = h.open();
  MeterInterval m;
  m.tenant = "education";
  m.vm = "web-1";
  m.item = "vcpu";
  m.quantity = 2;
  m.start_ms = 1000;
  REQUIRE(store->open_meter_interval(m).ok());
  Status s = store->close_meter_intervals("education", "web-1", 999);
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("meter interval ends before it starts") != std::string::npos);
}

TEST_CASE(
    "a resize that waits for a restart is billed at the running size until the restart applies "
    "it") {
  ApplyHarness h;
  REQUIRE(h.apply(base_cloud() + vm("web-1", "p1", 2, 4)).executed.failed == 0);
  h.now += 1000;
  // 2 -> 4 vCPUs: more than the running domain's maximum, so it waits for a reboot.
  auto pending = h.apply(base_cloud() + vm("web-1", "p1", 4, 4));
  REQUIRE(pending.executed.failed == 0);
  {
    auto store = h.open();
    CHECK(vcpu_intervals(*store) == std::vector<std::string>{"2@1790000000000-open"});
  }
  h.now += 1000;
  PlanOptions restart;
  restart.allow_restart = true;
  auto restarted = h.apply(base_cloud() + vm("web-1", "p1", 4, 4), restart);
  REQUIRE(restarted.executed.failed == 0);
  auto store = h.open();
  CHECK(vcpu_intervals(*store) ==
        std::vector<std::string>{"2@1790000000000-1790000002000", "4@1790000002000-open"});
}
