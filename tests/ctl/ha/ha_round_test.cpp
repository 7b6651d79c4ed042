#include "ctl/ha/ha_round.h"

#include <doctest/doctest.h>

#include "ctl/controller/heartbeat.h"
#include "tests/ctl/controller/loop_harness.h"

using namespace xc;
using namespace xc::test;

namespace {

// p1 (x86-01, x86-02) on shared storage, both hosts fenced by `fence`;
// web-1 (ha: restart) and batch-1 (no ha) in p1.
std::string ha_cloud(const std::string& fence) {
  std::string yaml = base_cloud();
  auto replace = [&yaml](const std::string& from, const std::string& to) {
    auto at = yaml.find(from);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, from.size(), to);
  };
  replace("metadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread}",
          "metadata: {name: p1}\nspec: {zone: gov, cpuOvercommit: 1.0, policy: spread, "
          "sharedStorage: /srv/disks}");
  for (const char* h : {"x86-01", "x86-02"})
    replace(std::string("metadata: {name: ") + h + "}\nspec: {pool: p1,",
            std::string("metadata: {name: ") + h + "}\nspec: {fence: [" + fence + "], pool: p1,");
  return yaml + vm("web-1") + "  ha: restart\n" + vm("batch-1", "p1", 1, 1);
}

struct HaHarness {
  LoopHarness loop;
  Store* store = loop.store.get();
  ApplyHarness& cloud = loop.cloud;
  HostClients& clients = loop.clients;
  int64_t& now_ms = loop.now_ms;
  RecordingLog& log = loop.log;
  LoopWorld* world = &loop.world;
  HaRoundOptions options;
  HaMemory memory;

  explicit HaHarness(const std::string& fence) : loop(ha_cloud(fence)) {
    options.decide.after_ms = 60'000;
    options.who = AuditIdentity{"ha-test", "", "", "", "serve"};
    REQUIRE(heartbeat_round(*world).ok());
  }
  std::string host_of(const std::string& vm) {
    auto p = store->get_placement({"VirtualMachine", "education", vm});
    REQUIRE(p.ok());
    return p->host;
  }
  bool runs(const std::string& host, const std::string& vm) {
    auto listed = clients.call(host, "domains.list", nlohmann::json::object());
    REQUIRE(listed.ok());
    nlohmann::json managed = listed->value("managed", nlohmann::json::array());
    for (const auto& d : managed)
      if (d.value("domain", "") == "xc-education." + vm) return d.value("state", "") == "running";
    return false;
  }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> out;
    REQUIRE(store
                ->scan_audit_records({},
                                     [&](const AuditRecord& r) {
                                       if (r.action == "fence" || r.action.rfind("ha-", 0) == 0)
                                         out.push_back(r.action + " " + r.name + " " + r.result);
                                       return true;
                                     })
                .ok());
    return out;
  }
  // The VM's host goes down and stays down for `for_ms`; one HA round.
  std::vector<HaStep> fail_for(const std::string& host, int64_t for_ms) {
    cloud.fleet.set_down(host, true);
    REQUIRE(heartbeat_round(*world).ok());
    now_ms += for_ms;
    REQUIRE(heartbeat_round(*world).ok());
    auto steps = ha_round(*world, options, &memory);
    REQUIRE_MESSAGE(steps.ok(), steps.status().message());
    return *steps;
  }
};

}  // namespace

TEST_CASE("ha round: a fenced host's ha VM restarts on the other host, its VM without ha stays") {
  HaHarness h("\"true\"");
  const std::string from = h.host_of("web-1");
  const std::string other = from == "x86-01" ? "x86-02" : "x86-01";
  const std::string batch_host = h.host_of("batch-1");
  CHECK(h.fail_for(from, 59'000).empty());  // not yet
  CHECK(h.host_of("web-1") == from);
  h.now_ms += 1'000;
  auto steps = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(steps.ok());
  REQUIRE(steps->size() == 2);
  CHECK((*steps)[0].action.kind == HaActionKind::kFence);
  CHECK((*steps)[0].status.ok());
  CHECK((*steps)[1].action ==
        HaAction{HaActionKind::kRestart, from, "education", "web-1", other, ""});
  CHECK((*steps)[1].status.ok());
  CHECK(h.host_of("web-1") == other);
  CHECK(h.host_of("batch-1") == batch_host);
  CHECK(h.runs(other, "web-1"));
  CHECK(h.audit_actions() ==
        std::vector<std::string>{"fence " + from + " ok", "ha-restart web-1 ok"});

  // The host comes back still holding its copy: stopped and undefined.
  h.cloud.fleet.set_down(from, false);
  CHECK(h.runs(from, "web-1"));
  REQUIRE(heartbeat_round(*h.world).ok());
  auto back = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 1);
  CHECK(back->at(0).action.kind == HaActionKind::kRemoveStale);
  CHECK_FALSE(h.runs(from, "web-1"));
  CHECK(h.runs(other, "web-1"));
  CHECK(h.audit_actions().back() == "ha-remove-stale-copy web-1 ok");
  // Once only.
  auto again = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(again.ok());
  CHECK(again->empty());
}

TEST_CASE("ha round: a failing fence command restarts nothing, and says why") {
  HaHarness h("\"false\"");
  const std::string from = h.host_of("web-1");
  auto steps = h.fail_for(from, 60'000);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0].action.kind == HaActionKind::kFence);
  CHECK_FALSE(steps[0].status.ok());
  CHECK(h.host_of("web-1") == from);
  CHECK(h.audit_actions() == std::vector<std::string>{"fence " + from + " error"});
  CHECK(h.log.text().find("ha: host " + from +
                          " NOT fenced, nothing restarts: fence command exit 1") !=
        std::string::npos);
  EventFilter filter;
  auto events = h.store->list_events(filter);
  REQUIRE(events.ok());
  CHECK(events->back().type == kHaFenceFailedEvent);
  CHECK(events->back().host == from);
  // Not tried again before --ha-after has passed once more.
  h.now_ms += 1'000;
  auto next = ha_round(*h.world, h.options, &h.memory);
  REQUIRE(next.ok());
  CHECK(next->empty());
}
