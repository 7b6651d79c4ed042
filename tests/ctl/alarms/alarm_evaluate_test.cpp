#include "ctl/alarms/alarm_evaluate.h"

#include <doctest/doctest.h>

#include "ctl/alarms/alarm_actions.h"
#include "ctl/audit/audit_log.h"
#include "ctl/controller/heartbeat.h"
#include "tests/ctl/controller/loop_harness.h"
#include "tests/ctl/metrics/metric_rows.h"

using namespace xc;
using namespace xc::test;

namespace {

const AuditIdentity kEvaluator{"ops", "", "", "test-host", "xcloudctl alarms evaluate"};

AlarmEvaluation evaluate(LoopHarness& h, const CandidateOptions& o = {}) {
  auto done = evaluate_alarms(*h.store, h.now_ms, o, kEvaluator);
  REQUIRE_MESSAGE(done.ok(), done.status().message());
  return *done;
}

std::vector<AlarmRecord> alarms(Store& store, bool active_only = false) {
  auto all = store.list_alarms(active_only, 0);
  REQUIRE(all.ok());
  return *all;
}

void put_rule(Store& store, const std::string& name, const std::string& spec_json) {
  ResourceRecord r;
  r.kind = "AlarmRule";
  r.name = name;
  r.spec_json =
      R"({"manifest": {"apiVersion": "xcloud/v1", "kind": "AlarmRule", "metadata": {"name": ")" +
      name + R"("}, "spec": )" + spec_json + "}}";
  r.spec_hash = name;
  REQUIRE(store.put_resource(r).ok());
}

void put_event(Store& store, int64_t time, const std::string& type, int64_t seq) {
  EventRecord e;
  e.time_ms = e.received_ms = time;
  e.host = "x86-03";
  e.tenant = "education";
  e.vm = "web-1";
  e.domain = "xc-education.web-1";
  e.type = type;
  e.boot_id = "boot";
  e.agent_seq = seq;
  REQUIRE(store.insert_events({e}).ok());
}

class FakeAllocations final : public PoolAllocationSource {
 public:
  Result<std::map<std::string, PoolAllocation>> pool_allocations(Store&) override {
    ++calls;
    return pools;
  }
  std::map<std::string, PoolAllocation> pools;
  int calls = 0;
};

}  // namespace

TEST_CASE("alarms: an unreachable host fires once, is acknowledged, and clears when it is back") {
  LoopHarness h;
  REQUIRE(heartbeat_round(h.world).ok());
  CHECK(evaluate(h).fired.empty());

  h.cloud.fleet.set_down("x86-03", true);
  h.now_ms += 10'000;
  REQUIRE(heartbeat_round(h.world).ok());
  const int64_t down_at = h.now_ms;
  h.now_ms += 1'000;
  AlarmEvaluation first = evaluate(h);
  REQUIRE(first.fired.size() == 1);
  const AlarmRecord& a = first.fired[0];
  CHECK(a.rule == "host-unreachable");
  CHECK(a.object == "host/x86-03");
  CHECK(a.pool == "p2");
  CHECK(a.severity == "critical");
  CHECK(a.started_ms == down_at);
  CHECK(a.value == "host x86-03: connection refused");
  CHECK(alarm_line(a, "fired") ==
        "alarm " + std::to_string(a.id) +
            " host-unreachable host/x86-03 fired (critical): host x86-03: connection refused");

  // Dedup: still down, still one alarm.
  h.now_ms += 15'000;
  REQUIRE(heartbeat_round(h.world).ok());
  AlarmEvaluation second = evaluate(h);
  CHECK(second.fired.empty());
  CHECK(second.active == 1);
  CHECK(alarms(*h.store).size() == 1);

  auto acked =
      change_alarm(*h.store, a.id, {AlarmAction::kAcknowledge, "looking"}, h.now_ms, kEvaluator);
  REQUIRE(acked.ok());
  CHECK(acked->state == "acknowledged");

  h.cloud.fleet.set_down("x86-03", false);
  h.now_ms += 10'000;
  REQUIRE(heartbeat_round(h.world).ok());
  AlarmEvaluation back = evaluate(h);
  REQUIRE(back.cleared.size() == 1);
  CHECK(back.cleared[0].id == a.id);
  auto stored = h.store->get_alarm(a.id);
  CHECK(stored->state == "cleared");
  CHECK(stored->acked_by == "ops");
  CHECK(stored->cleared_ms == h.now_ms);

  auto notes = h.store->list_alarm_notes(a.id);
  REQUIRE(notes.ok());
  REQUIRE(notes->size() == 3);
  CHECK((*notes)[0].action == "fired");
  CHECK((*notes)[0].actor == "xcloudctl");
  CHECK((*notes)[1].action == "acknowledged");
  CHECK((*notes)[1].actor == "ops");
  CHECK((*notes)[1].text == "looking");
  CHECK((*notes)[2].action == "cleared");

  // Each change is on the audit chain.
  AuditLog log(*h.store);
  AuditFilter f;
  f.kind = "Alarm";
  f.object = std::to_string(a.id);
  auto records = log.list(f);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 3);
  CHECK((*records)[0].action == "fired");
  CHECK((*records)[1].action == "acknowledged");
  CHECK((*records)[2].action == "cleared");
  CHECK((*records)[2].message == "host-unreachable host/x86-03: host x86-03: connection refused");

  // Down again: a new alarm, not the cleared one.
  h.cloud.fleet.set_down("x86-03", true);
  h.now_ms += 10'000;
  REQUIRE(heartbeat_round(h.world).ok());
  AlarmEvaluation again = evaluate(h);
  REQUIRE(again.fired.size() == 1);
  CHECK(again.fired[0].id != a.id);
}

TEST_CASE(
    "alarms: a crashed VM fires vm-crashed until a later event, an event rule waits its for") {
  LoopHarness h;
  put_rule(*h.store, "vm-stopped-long",
           R"({"event": "stopped", "for": "5m", "severity": "warning"})");
  put_event(*h.store, h.now_ms - 1000, "crashed", 1);
  AlarmEvaluation crashed = evaluate(h);
  REQUIRE(crashed.fired.size() == 1);
  CHECK(crashed.fired[0].rule == "vm-crashed");
  CHECK(crashed.fired[0].object == "vm/education/web-1");
  CHECK(crashed.fired[0].tenant == "education");
  CHECK(crashed.fired[0].host == "x86-03");
  CHECK(crashed.fired[0].value == "crashed");
  CHECK(crashed.fired[0].severity == "major");

  put_event(*h.store, h.now_ms, "stopped", 2);
  h.now_ms += 60'000;
  AlarmEvaluation stopped = evaluate(h);
  CHECK(stopped.cleared.size() == 1);  // crashed is no longer the latest
  CHECK(stopped.fired.empty());        // stopped for 1 minute of 5
  h.now_ms += 4 * 60'000;
  AlarmEvaluation long_stopped = evaluate(h);
  REQUIRE(long_stopped.fired.size() == 1);
  CHECK(long_stopped.fired[0].rule == "vm-stopped-long");
  CHECK(long_stopped.fired[0].severity == "warning");
}

TEST_CASE("alarms: a backup's events neither clear vm-crashed nor are cleared by a reboot") {
  LoopHarness h;
  put_event(*h.store, h.now_ms - 2000, "crashed", 1);
  put_event(*h.store, h.now_ms - 1000, "backup-done", 2);
  AlarmEvaluation first = evaluate(h);
  REQUIRE(first.fired.size() == 1);
  CHECK(first.fired[0].rule == "vm-crashed");
  put_event(*h.store, h.now_ms, "backup-failed", 3);
  put_event(*h.store, h.now_ms + 500, "started", 4);
  h.now_ms += 1000;
  AlarmEvaluation second = evaluate(h);
  REQUIRE(second.fired.size() == 1);
  CHECK(second.fired[0].rule == "backup-failed");  // still the backups' latest
  REQUIRE(second.cleared.size() == 1);             // the start clears vm-crashed
  CHECK(second.cleared[0].rule == "vm-crashed");
}

TEST_CASE("alarms: a metric rule fires when every sample of its window holds, within its scope") {
  LoopHarness h;
  put_rule(*h.store, "vm-cpu-high",
           R"({"metric": "vm.cpu", "condition": "> 50", "for": "2m", "severity": "minor",
               "scope": {"pool": "p2", "labels": {"system": "portal"}}, "labels": {"team": "apps"}})");
  put_rule(
      *h.store, "vm-cpu-high-p1",
      R"({"metric": "vm.cpu", "condition": "> 50", "severity": "minor", "scope": {"pool": "p1"}})");
  auto host = h.store->metric_object_id("host", "", "x86-03");
  auto vm = h.store->metric_object_id("vm", "education", "web-1");
  REQUIRE(host.ok());
  REQUIRE(vm.ok());
  // 2 vCPUs: 1200 milli-cores is 60%, 800 is 40%.
  const int64_t t0 = h.now_ms;
  REQUIRE(h.store
              ->put_metric_rows(
                  {raw_row(t0 - 180'000, *host, {{*vm, 1200}}),
                   raw_row(t0 - 120'000, *host, {{*vm, 800}}),
                   raw_row(t0 - 60'000, *host, {{*vm, 1200}}), raw_row(t0, *host, {{*vm, 1200}})},
                  false)
              .ok());
  // 40% two minutes ago is inside the window: not yet. The test rows' pool
  // is full (nothing available): the built-in pool-used-90 fires for x86-03.
  AlarmEvaluation not_yet = evaluate(h);
  REQUIRE(not_yet.fired.size() == 1);
  CHECK(not_yet.fired[0].rule == "pool-used-90");
  CHECK(not_yet.fired[0].object == "host/x86-03");
  CHECK(not_yet.fired[0].value == "100.0");

  h.now_ms += 30'000;
  REQUIRE(h.store->put_metric_rows({raw_row(h.now_ms, *host, {{*vm, 1300}})}, false).ok());
  AlarmEvaluation fired = evaluate(h);
  REQUIRE(fired.fired.size() == 1);
  CHECK(fired.fired[0].rule == "vm-cpu-high");
  CHECK(fired.fired[0].object == "vm/education/web-1");
  CHECK(fired.fired[0].value == "65.0");
  CHECK(fired.fired[0].labels_json == R"({"team":"apps"})");
  CHECK(fired.fired[0].started_ms == t0 - 60'000);  // the window's first sample

  // Stale samples fire nothing: after 5 minutes without a sample, both clear.
  h.now_ms += 6 * 60'000;
  CHECK(evaluate(h).cleared.size() == 2);
}

TEST_CASE(
    "alarms: pool allocation >= 80% comes from the allocation source, with the 7-day deadline") {
  LoopHarness h;
  FakeAllocations source;
  source.pools["p1"] = {0.79, "vcpu"};
  source.pools["p2"] = {0.85, "memory"};
  CandidateOptions o;
  o.allocations = &source;
  AlarmEvaluation first = evaluate(h, o);
  CHECK(source.calls == 1);
  REQUIRE(first.fired.size() == 1);
  CHECK(first.fired[0].rule == "pool-allocation-80");
  CHECK(first.fired[0].object == "pool/p2");
  CHECK(first.fired[0].pool == "p2");
  CHECK(first.fired[0].value == "85.0% memory");
  CHECK(first.fired[0].summary ==
        "pool p2 is 85.0% allocated (memory): expansion is due within 7 days, by " +
            format_time_ms(h.now_ms + 7 * kMsPerDay));
  // Without a source the rule is quiet (and so clears).
  CHECK(evaluate(h).cleared.size() == 1);
}

TEST_CASE("alarms: the audit chain is verified at most once per interval, a failed check fires") {
  LoopHarness h;
  CHECK(evaluate(h).fired.empty());
  auto meta = h.store->get_meta(kAuditCheckMetaKey);
  REQUIRE(meta.ok());
  REQUIRE(meta->has_value());
  CHECK(nlohmann::json::parse(**meta)["ok"] == true);
  CHECK(nlohmann::json::parse(**meta)["checkedMs"] == h.now_ms);
  // A failed verify recorded within the interval is what the rule reports.
  nlohmann::json failed = {{"checkedMs", h.now_ms},
                           {"ok", false},
                           {"why", "digest mismatch"},
                           {"firstBadSeq", 4},
                           {"failingSinceMs", h.now_ms}};
  REQUIRE(h.store->put_meta(kAuditCheckMetaKey, failed.dump()).ok());
  h.now_ms += 1000;
  AlarmEvaluation bad = evaluate(h);
  REQUIRE(bad.fired.size() == 1);
  CHECK(bad.fired[0].rule == "audit-chain");
  CHECK(bad.fired[0].value == "record 4: digest mismatch");
  // After the interval the chain is verified again: intact, so it clears.
  h.now_ms += 3'600'000;
  CHECK(evaluate(h).cleared.size() == 1);
}
