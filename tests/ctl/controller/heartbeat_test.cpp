#include "ctl/controller/heartbeat.h"

#include <doctest/doctest.h>

#include "ctl/store/inventory.h"
#include "tests/ctl/controller/loop_harness.h"

using namespace xc;
using namespace xc::test;

namespace {

std::string states(Store& store) {
  auto inv = load_inventory(store);
  REQUIRE(inv.ok());
  std::string out;
  for (const auto& h : inv->hosts) out += h.record.name + "=" + h.state + " ";
  for (const auto& v : inv->vms) out += v.name + "=" + v.state + " ";
  return out;
}

}  // namespace

TEST_CASE("heartbeat: a host that stops answering is unreachable since then, and ready again") {
  LoopHarness h;
  auto first = heartbeat_round(h.world);
  REQUIRE_MESSAGE(first.ok(), first.status().message());
  REQUIRE(first->size() == 3);
  CHECK((*first)[0].reachable);
  CHECK((*first)[0].change == HealthChange::kNone);  // apply reached every host
  CHECK(states(*h.store) == "x86-01=ready x86-02=ready x86-03=ready web-1=running ");
  CHECK(h.log.text() == "");

  h.cloud.fleet.set_down("x86-03", true);
  h.now_ms += 10'000;
  auto lost = heartbeat_round(h.world);
  REQUIRE(lost.ok());
  CHECK((*lost)[2].host == "x86-03");
  CHECK((*lost)[2].change == HealthChange::kUnreachable);
  CHECK((*lost)[2].unreachable_since_ms == h.now_ms);
  CHECK(states(*h.store) == "x86-01=ready x86-02=ready x86-03=unreachable web-1=unknown ");
  CHECK(h.log.text() == "host x86-03 unreachable: host x86-03: connection refused\n");
  auto inv = load_inventory(*h.store);
  CHECK(inv->hosts[2].last_error == "host x86-03: connection refused");
  CHECK(inv->hosts[2].unreachable_since_ms == h.now_ms);

  // Still down: no new event, the first failure stays the "since".
  const int64_t since = h.now_ms;
  h.now_ms += 10'000;
  REQUIRE(heartbeat_round(h.world).ok());
  CHECK(load_inventory(*h.store)->hosts[2].unreachable_since_ms == since);
  CHECK(h.log.lines.size() == 1);

  h.cloud.fleet.set_down("x86-03", false);
  h.now_ms += 22'000;
  auto back = heartbeat_round(h.world);
  REQUIRE(back.ok());
  CHECK((*back)[2].change == HealthChange::kReady);
  CHECK(states(*h.store) == "x86-01=ready x86-02=ready x86-03=ready web-1=running ");
  CHECK(h.log.lines.back() == "host x86-03 ready: unreachable for 32 s");
  // The last error is kept after the host is back.
  CHECK(load_inventory(*h.store)->hosts[2].last_error == "host x86-03: connection refused");

  auto events = h.store->list_events({});
  REQUIRE(events.ok());
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].type == "host-unreachable");
  CHECK((*events)[0].host == "x86-03");
  CHECK((*events)[0].time_ms == since);
  CHECK((*events)[1].type == "host-ready");
  CHECK((*events)[1].detail == "unreachable for 32 s");
}

TEST_CASE("heartbeat: events past the retention are pruned") {
  LoopHarness h;
  EventRecord old;
  old.time_ms = h.now_ms - kEventRetentionMs - 1;
  old.host = "x86-01";
  old.type = "started";
  EventRecord recent = old;
  recent.time_ms = h.now_ms - kEventRetentionMs + 1000;
  REQUIRE(h.store->insert_events({old, recent}).ok());
  REQUIRE(heartbeat_round(h.world).ok());
  auto events = h.store->list_events({});
  REQUIRE(events->size() == 1);
  CHECK(events->front().time_ms == recent.time_ms);
}
