#include "ctl/billing/metering.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

#include "ctl/store/store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/vm_records.h"

using namespace xc;
using nlohmann::json;
using xc::test::disk;
using xc::test::vm_record;

namespace {

using xc::test::TempDir;

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
