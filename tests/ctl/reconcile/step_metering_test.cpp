// The recorder turns completed plan steps into store records and meter
// intervals: what is billed follows what the hosts hold.
#include <doctest/doctest.h>

#include "ctl/billing/billing.h"
#include "ctl/reconcile/reconcile.h"
#include "tests/support/temp_dir.h"
#include "tests/support/vm_records.h"

using namespace xc;
using nlohmann::json;
using xc::test::disk;
using xc::test::TempDir;
using xc::test::vm_record;

namespace {

PlanStep vm_step(StepAction action, const json& record, StepReason reason = StepReason::kNone) {
  PlanStep step;
  step.action = action;
  step.kind = Kind::kVirtualMachine;
  step.tenant = "education";
  step.name = "web-1";
  step.host = "x86-01";
  step.record = record;
  step.reason = reason;
  return step;
}

std::vector<std::string> describe(const std::vector<MeterInterval>& intervals) {
  std::vector<std::string> out;
  for (const auto& m : intervals)
    out.push_back(m.tenant + "/" + m.vm + " [" + m.system + "] " + m.item + "=" +
                  std::to_string(m.quantity) + "@" + std::to_string(m.start_ms) + "-" +
                  (m.end_ms ? std::to_string(*m.end_ms) : "open") + (m.running ? "" : "/stopped"));
  return out;
}

// A real store with one host, and a recorder whose clock the test sets.
struct Recording {
  TempDir dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<AuditLog> log;
  std::map<std::string, StoredVm> before;
  int64_t now = 0;
  std::unique_ptr<StoreRecorder> recorder;

  Recording() {
    auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
    REQUIRE_MESSAGE(opened.ok(), opened.status().message());
    store = std::move(*opened);
    HostRecord host;
    host.name = "x86-01";
    REQUIRE(store->upsert_host(host).ok());
    log = std::make_unique<AuditLog>(*store, [this] { return now; });
    recorder = std::make_unique<StoreRecorder>(
        *log, AuditIdentity{"ops", "", "", "test", "xcloudctl apply"}, "default", before,
        [this] { return now; });
  }
  void record(const PlanStep& step, int64_t at, const json& reply = json::object()) {
    now = at;
    Status s = recorder->completed(step, reply);
    REQUIRE_MESSAGE(s.ok(), s.message());
  }
  std::vector<std::string> intervals() {
    auto list = store->list_meter_intervals(0, int64_t{1} << 62);
    REQUIRE_MESSAGE(list.ok(), list.status().message());
    return describe(*list);
  }
};

}  // namespace

TEST_CASE("recorder meters create, no-op, resize, stop, duplicate and prune through a real store") {
  Recording r;
  auto& store = r.store;
  auto record = [&](const PlanStep& step, int64_t now) { r.record(step, now); };
  json disks = json::array({disk("root", 40, "normal")});
  json v1 = vm_record(2, 4096, disks, json::array());
  record(vm_step(StepAction::kCreate, v1), 1000);
  CHECK(r.intervals() ==
        std::vector<std::string>{"education/web-1 [edu-portal] memory=4@1000-open",
                                 "education/web-1 [edu-portal] storage-normal=40@1000-open",
                                 "education/web-1 [edu-portal] vcpu=2@1000-open"});

  // Nothing billable changed (a re-apply, a record step, a move to another
  // host): no interval is closed or opened.
  record(vm_step(StepAction::kUpdate, v1), 1500);
  record(vm_step(StepAction::kRecord, v1), 1600);
  record(vm_step(StepAction::kDelete, json(), StepReason::kDuplicate), 1700);
  record(vm_step(StepAction::kCreate, v1), 1700);
  CHECK(r.intervals().size() == 3);
  CHECK(store->list_open_meter_intervals("education", "web-1")->size() == 3);

  // Resize to 4 vCPU: every open interval closes and new ones open at the new size.
  json v2 = vm_record(4, 4096, disks, json::array());
  record(vm_step(StepAction::kUpdate, v2), 2000);
  // Stopped from the manifest, then started again.
  json v3 = vm_record(4, 4096, disks, json::array(), "stopped");
  record(vm_step(StepAction::kUpdate, v3), 3000);
  record(vm_step(StepAction::kStart, v2), 4000);
  // A delete that is not a prune leaves the intervals open; pruning closes them.
  record(vm_step(StepAction::kDelete, json(), StepReason::kDuplicate), 4500);
  CHECK(store->list_open_meter_intervals("education", "web-1")->size() == 3);
  record(vm_step(StepAction::kDelete, json(), StepReason::kPruned), 5000);
  CHECK(store->list_open_meter_intervals("education", "web-1")->empty());

  CHECK(r.intervals() == std::vector<std::string>{
                             "education/web-1 [edu-portal] memory=4@1000-2000",
                             "education/web-1 [edu-portal] storage-normal=40@1000-2000",
                             "education/web-1 [edu-portal] vcpu=2@1000-2000",
                             "education/web-1 [edu-portal] memory=4@2000-3000",
                             "education/web-1 [edu-portal] storage-normal=40@2000-3000",
                             "education/web-1 [edu-portal] vcpu=4@2000-3000",
                             "education/web-1 [edu-portal] memory=4@3000-4000/stopped",
                             "education/web-1 [edu-portal] storage-normal=40@3000-4000/stopped",
                             "education/web-1 [edu-portal] vcpu=4@3000-4000/stopped",
                             "education/web-1 [edu-portal] memory=4@4000-5000",
                             "education/web-1 [edu-portal] storage-normal=40@4000-5000",
                             "education/web-1 [edu-portal] vcpu=4@4000-5000",
                         });

  // Re-created with the same name: new intervals, the old ones untouched.
  record(vm_step(StepAction::kCreate, v1), 6000);
  CHECK(describe(*store->list_meter_intervals(5000, 7000)) ==
        std::vector<std::string>{"education/web-1 [edu-portal] memory=4@6000-open",
                                 "education/web-1 [edu-portal] storage-normal=40@6000-open",
                                 "education/web-1 [edu-portal] vcpu=2@6000-open"});

  // Other kinds are not metered.
  PlanStep network = vm_step(StepAction::kCreateNetwork, json());
  network.kind = Kind::kNetwork;
  record(network, 7000);
  CHECK(r.intervals().size() == 15);
}

TEST_CASE("recorded intervals bill as the engine says") {
  Recording r;
  auto& store = r.store;
  // 2027-03 in Asia/Shanghai: 31 days. A 2-vCPU VM from the 1st, resized to
  // 4 vCPU at the start of the 16th, billed at 10 yuan per vCPU-month:
  // 2 × 15/31 × 10 + 4 × 16/31 × 10 = 300/31 + 640/31 = 940/31 = 30.3225… → 30.32.
  auto period = parse_bill_period("2027-03");
  REQUIRE(period.ok());
  const int64_t day = 86'400'000;
  json v1 = vm_record(2, 0, json::array(), json::array());
  json v2 = vm_record(4, 0, json::array(), json::array());
  auto record = [&](const PlanStep& step, int64_t now) { r.record(step, now); };
  record(vm_step(StepAction::kCreate, v1), period->start_ms);
  record(vm_step(StepAction::kUpdate, v2), period->start_ms + 15 * day);
  PriceListInput list;
  list.name = "p";
  list.spec.effective_from = "2027-01-01";
  list.spec.prices["vcpu"] = *Money::parse("10");
  auto history = price_history({list});
  REQUIRE(history.ok());
  auto intervals = store->list_meter_intervals(period->start_ms, period->end_ms);
  REQUIRE(intervals.ok());
  auto b = bill(*intervals, *history, *period, GroupBy::kItem, period->end_ms + day);
  REQUIRE_MESSAGE(b.ok(), b.status().message());
  REQUIRE(b->lines.size() == 1);
  CHECK(b->lines[0].amount_fen == 3032);
  CHECK(b->total_fen == 3032);
}
