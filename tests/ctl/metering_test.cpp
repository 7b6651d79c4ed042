#include "ctl/metering.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

#include "ctl/store.h"

using namespace xc;
using nlohmann::json;

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/xc-metering-XXXXXX";
    const char* made = mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string path(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A stored VM record as the planner writes it: {"manifest", "domain"}.
json vm_record(int64_t cpus, int64_t memory_mib, const json& disks, const json& accelerators,
               const std::string& power = "running", const std::string& system = "edu-portal") {
  json labels = json::object();
  if (!system.empty()) labels["system"] = system;
  return {{"manifest",
           {{"apiVersion", "xcloud/v1"},
            {"kind", "VirtualMachine"},
            {"metadata", {{"name", "web-1"}, {"tenant", "education"}, {"labels", labels}}},
            {"spec", {{"cpus", cpus}}}}},
          {"domain",
           {{"tenant", "education"},
            {"name", "web-1"},
            {"cpus", cpus},
            {"memory_mib", memory_mib},
            {"disks", disks},
            {"nics", json::array()},
            {"accelerators", accelerators},
            {"power", power}}}};
}

json disk(const std::string& name, int64_t gib, const std::string& tier) {
  return {{"name", name}, {"size_gib", gib}, {"tier", tier},
          {"iops", 3000}, {"image", ""},     {"bus", "virtio"}};
}

// "item=quantity@start-end[/stopped]" per interval, for exact comparisons.
std::vector<std::string> describe(const std::vector<MeterInterval>& intervals) {
  std::vector<std::string> out;
  for (const auto& m : intervals) {
    out.push_back(m.tenant + "/" + m.vm + " [" + m.system + "] " + m.item + "=" +
                  std::to_string(m.quantity) + "@" + std::to_string(m.start_ms) + "-" +
                  (m.end_ms ? std::to_string(*m.end_ms) : "open") + (m.running ? "" : "/stopped"));
  }
  return out;
}

PlanStep vm_step(StepAction action, const json& record, const std::string& reason = "") {
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

std::unique_ptr<Store> fresh_store(const TempDir& dir) {
  auto store = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE_MESSAGE(store.ok(), store.status().message());
  return std::move(*store);
}

std::vector<std::string> all_intervals(Store& store) {
  auto list = store.list_meter_intervals(0, int64_t{1} << 62);
  REQUIRE_MESSAGE(list.ok(), list.status().message());
  return describe(*list);
}

}  // namespace

TEST_CASE("intervals_for: one open interval per billable item of the record") {
  json record = vm_record(4, 8192,
                          json::array({disk("root", 40, "normal"), disk("data", 100, "high"),
                                       disk("logs", 20, "normal")}),
                          json::array({{{"type", "gpu-16g"}, {"pci_address", "0000:3b:00.0"}},
                                       {{"type", "gpu-16g"}, {"pci_address", "0000:3c:00.0"}},
                                       {{"type", "npu-24g"}, {"pci_address", "0000:5e:00.0"}}}));
  CHECK(describe(intervals_for("education", "web-1", record, 1000)) ==
        std::vector<std::string>{"education/web-1 [edu-portal] vcpu=4@1000-open",
                                 "education/web-1 [edu-portal] memory=8@1000-open",
                                 "education/web-1 [edu-portal] storage-normal=60@1000-open",
                                 "education/web-1 [edu-portal] storage-high=100@1000-open",
                                 "education/web-1 [edu-portal] gpu-16g=2@1000-open",
                                 "education/web-1 [edu-portal] npu-24g=1@1000-open"});
}

TEST_CASE("intervals_for: a stopped VM, no system label, items of zero left out") {
  json record =
      vm_record(2, 4096, json::array({disk("root", 20, "normal")}), json::array(), "stopped", "");
  CHECK(describe(intervals_for("health", "db-1", record, 5)) ==
        std::vector<std::string>{"health/db-1 [] vcpu=2@5-open/stopped",
                                 "health/db-1 [] memory=4@5-open/stopped",
                                 "health/db-1 [] storage-normal=20@5-open/stopped"});
  // Memory is billed in whole GB of the MiB allocated.
  json small = vm_record(1, 1536, json::array(), json::array());
  CHECK(describe(intervals_for("t", "v", small, 0)) ==
        std::vector<std::string>{"t/v [edu-portal] vcpu=1@0-open",
                                 "t/v [edu-portal] memory=1@0-open"});
  CHECK(intervals_for("t", "v", json::object(), 0).empty());
}

TEST_CASE("store: meter intervals open, close per VM, and list by overlap") {
  TempDir dir;
  auto store = fresh_store(dir);
  auto open = [&](const std::string& vm, const std::string& item, int64_t start,
                  std::optional<int64_t> end = std::nullopt) {
    MeterInterval m;
    m.tenant = "education";
    m.system = "portal";
    m.vm = vm;
    m.item = item;
    m.quantity = 2;
    m.start_ms = start;
    m.end_ms = end;
    m.running = item != "memory";
    REQUIRE(store->open_meter_interval(m).ok());
  };
  open("a", "vcpu", 100, 200);
  open("a", "memory", 200);
  open("a", "vcpu", 200);
  open("b", "vcpu", 300);

  // [from, to): an interval ending at `from` or starting at `to` is outside.
  CHECK(describe(*store->list_meter_intervals(200, 300)) ==
        std::vector<std::string>{"education/a [portal] memory=2@200-open/stopped",
                                 "education/a [portal] vcpu=2@200-open"});
  CHECK(describe(*store->list_meter_intervals(0, 101)) ==
        std::vector<std::string>{"education/a [portal] vcpu=2@100-200"});
  CHECK(store->list_meter_intervals(0, 100)->empty());
  CHECK(describe(*store->list_open_meter_intervals("education", "a")) ==
        std::vector<std::string>{"education/a [portal] memory=2@200-open/stopped",
                                 "education/a [portal] vcpu=2@200-open"});

  REQUIRE(store->close_meter_intervals("education", "a", 250).ok());
  CHECK(store->list_open_meter_intervals("education", "a")->empty());
  CHECK(store->list_open_meter_intervals("education", "b")->size() == 1);
  CHECK(all_intervals(*store) ==
        std::vector<std::string>{
            "education/a [portal] vcpu=2@100-200", "education/a [portal] memory=2@200-250/stopped",
            "education/a [portal] vcpu=2@200-250", "education/b [portal] vcpu=2@300-open"});
  // Closed intervals stay closed at their first end.
  REQUIRE(store->close_meter_intervals("education", "a", 999).ok());
  CHECK(describe(*store->list_meter_intervals(250, 1000)) ==
        std::vector<std::string>{"education/b [portal] vcpu=2@300-open"});
}

TEST_CASE("record_metering: create, no-op, resize, stop, move, delete through a real store") {
  TempDir dir;
  auto store = fresh_store(dir);
  auto record = [&](const PlanStep& step, int64_t now) {
    Status s = store->transact([&] { return record_metering(*store, step, now); });
    REQUIRE_MESSAGE(s.ok(), s.message());
  };
  json disks = json::array({disk("root", 40, "normal")});
  json v1 = vm_record(2, 4096, disks, json::array());
  record(vm_step(StepAction::kCreate, v1), 1000);
  CHECK(all_intervals(*store) ==
        std::vector<std::string>{"education/web-1 [edu-portal] memory=4@1000-open",
                                 "education/web-1 [edu-portal] storage-normal=40@1000-open",
                                 "education/web-1 [edu-portal] vcpu=2@1000-open"});

  // Nothing billable changed (a re-apply, a record step, a move to another
  // host): no interval is closed or opened.
  record(vm_step(StepAction::kUpdate, v1), 1500);
  record(vm_step(StepAction::kRecord, v1), 1600);
  PlanStep moved = vm_step(StepAction::kDelete, json(), "moved to x86-02");
  record(moved, 1700);
  record(vm_step(StepAction::kCreate, v1), 1700);
  CHECK(all_intervals(*store).size() == 3);
  CHECK(store->list_open_meter_intervals("education", "web-1")->size() == 3);

  // Resize to 4 vCPU: every open interval closes and new ones open at the new size.
  json v2 = vm_record(4, 4096, disks, json::array());
  record(vm_step(StepAction::kUpdate, v2), 2000);
  // Stopped from the manifest, then started again.
  json v3 = vm_record(4, 4096, disks, json::array(), "stopped");
  record(vm_step(StepAction::kUpdate, v3), 3000);
  record(vm_step(StepAction::kStart, v2), 4000);
  // A delete that is not a prune leaves the intervals open; pruning closes them.
  record(vm_step(StepAction::kDelete, json(), "duplicate (also on x86-01)"), 4500);
  CHECK(store->list_open_meter_intervals("education", "web-1")->size() == 3);
  record(vm_step(StepAction::kDelete, json(), "pruned: no longer declared"), 5000);
  CHECK(store->list_open_meter_intervals("education", "web-1")->empty());

  CHECK(all_intervals(*store) ==
        std::vector<std::string>{
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
  CHECK(all_intervals(*store).size() == 15);
}

TEST_CASE("record_metering: metered intervals bill as the engine says") {
  TempDir dir;
  auto store = fresh_store(dir);
  // 2027-03 in Asia/Shanghai: 31 days. A 2-vCPU VM from the 1st, resized to
  // 4 vCPU at the start of the 16th, billed at 10 yuan per vCPU-month:
  // 2 × 15/31 × 10 + 4 × 16/31 × 10 = 300/31 + 640/31 = 940/31 = 30.3225… → 30.32.
  auto period = parse_bill_period("2027-03");
  REQUIRE(period.ok());
  const int64_t day = 86'400'000;
  json v1 = vm_record(2, 0, json::array(), json::array());
  json v2 = vm_record(4, 0, json::array(), json::array());
  auto record = [&](const PlanStep& step, int64_t now) {
    Status s = store->transact([&] { return record_metering(*store, step, now); });
    REQUIRE_MESSAGE(s.ok(), s.message());
  };
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
