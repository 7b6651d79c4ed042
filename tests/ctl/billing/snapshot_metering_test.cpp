#include "ctl/billing/snapshot_metering.h"

#include <doctest/doctest.h>

#include "common/time.h"
#include "ctl/billing/billing.h"
#include "ctl/billing/metering.h"
#include "tests/support/temp_dir.h"
#include "tests/support/vm_records.h"

using namespace xc;
using nlohmann::json;

namespace {

DomainSpec spec_of(const std::vector<std::pair<std::string, int64_t>>& disks) {
  DomainSpec spec;
  spec.tenant = "education";
  spec.name = "web-1";
  for (const auto& [name, gib] : disks) {
    DomainDisk d;
    d.name = name;
    d.size_gib = gib;
    d.tier = name == "root" ? DiskTier::kNormal : DiskTier::kHigh;
    spec.disks.push_back(d);
  }
  return spec;
}

// One snapshot as snapshot.list reports it, with an overlay per file name.
json listed(const std::string& name, const std::vector<std::string>& overlays) {
  json disks = json::array();
  for (const auto& o : overlays) disks.push_back({{"target", "vdX"}, {"overlay", "/d/" + o}});
  return {{"name", name}, {"disks", disks}};
}

std::vector<std::string> open_items(Store& store, const std::string& vm) {
  auto open = store.list_open_meter_intervals("education", vm);
  REQUIRE_MESSAGE(open.ok(), open.status().message());
  std::vector<std::string> out;
  for (const auto& m : *open)
    out.push_back(m.item + "=" + std::to_string(m.quantity) + "@" + std::to_string(m.start_ms));
  return out;
}

}  // namespace

TEST_CASE("snapshot storage: each overlay counts its disk's size in the disk's tier") {
  DomainSpec spec = spec_of({{"root", 40}, {"root2", 100}});  // root2 is high
  CHECK(new_snapshot_storage(spec) == SnapshotStorage{40, 100});
  json snapshots = json::array(
      {listed("s1",
              {"xc-education.web-1.root.snap-s1.qcow2", "xc-education.web-1.root2.snap-s1.qcow2"}),
       // root2's overlay is not root's although "root" is a prefix of it.
       listed("s2", {"xc-education.web-1.root.snap-s2.qcow2", "xc-other.x.root.snap-s2.qcow2"})});
  std::vector<std::string> unmatched;
  CHECK(listed_snapshot_storage(spec, snapshots, &unmatched) == SnapshotStorage{80, 100});
  CHECK(unmatched == std::vector<std::string>{"/d/xc-other.x.root.snap-s2.qcow2"});
  CHECK(listed_snapshot_storage(spec, json::array()) == SnapshotStorage{});
  CHECK(listed_snapshot_storage(spec, json("not a list")) == SnapshotStorage{});
}

TEST_CASE("snapshot items are priced as their tier's storage") {
  CHECK(is_snapshot_item("snapshots-storage-high"));
  CHECK_FALSE(is_snapshot_item("storage-high"));
  CHECK(priced_item("snapshots-storage-high") == "storage-high");
  CHECK(priced_item("snapshots-storage-normal") == "storage-normal");
  CHECK(priced_item("vcpu") == "vcpu");
}

TEST_CASE("meter_snapshots: intervals follow the snapshots, an apply leaves them alone") {
  test::TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  Store& store = **opened;
  REQUIRE(meter_snapshots(store, "education", "portal", "web-1", {40, 100}, 1000).ok());
  CHECK(open_items(store, "web-1") == std::vector<std::string>{"snapshots-storage-high=100@1000",
                                                               "snapshots-storage-normal=40@1000"});
  // The same storage again writes nothing.
  REQUIRE(meter_snapshots(store, "education", "portal", "web-1", {40, 100}, 2000).ok());
  CHECK(*store.last_meter_instant_ms() == 1000);

  // The VM's own allocation is metered beside them; a change of it carries
  // the snapshot storage on (split at the instant: billed the same).
  json record =
      test::vm_record(2, 4096, json::array({test::disk("root", 40, "normal")}), json::array());
  REQUIRE(meter_allocation(store, "education", "web-1", record, 2500).ok());
  record["domain"]["cpus"] = 4;
  REQUIRE(meter_allocation(store, "education", "web-1", record, 2600).ok());
  CHECK(open_items(store, "web-1") ==
        std::vector<std::string>{"memory=4@2600", "snapshots-storage-high=100@2600",
                                 "snapshots-storage-normal=40@2600", "storage-normal=40@2600",
                                 "vcpu=4@2600"});
  // An apply that changes nothing billable writes nothing.
  REQUIRE(meter_allocation(store, "education", "web-1", record, 2700).ok());
  CHECK(*store.last_meter_instant_ms() == 2600);

  // A snapshot deleted: the high tier's interval ends, the VM's own go on.
  REQUIRE(meter_snapshots(store, "education", "portal", "web-1", {40, 0}, 3000).ok());
  CHECK(open_items(store, "web-1") ==
        std::vector<std::string>{"memory=4@3000", "snapshots-storage-normal=40@3000",
                                 "storage-normal=40@3000", "vcpu=4@3000"});
  auto listed_open = open_snapshot_intervals(store);
  REQUIRE(listed_open.ok());
  CHECK(metered_snapshot_storage(*listed_open) == SnapshotStorage{40, 0});

  // None left: nothing of snapshots stays open; what was held is billable.
  REQUIRE(meter_snapshots(store, "education", "portal", "web-1", {}, 4000).ok());
  CHECK(open_snapshot_intervals(store)->empty());
  // GiB-milliseconds per item over the split intervals: exactly what was held.
  std::map<std::string, int64_t> held;
  auto all = store.list_meter_intervals(0, 10000);
  REQUIRE(all.ok());
  for (const auto& m : *all) held[m.item] += (m.end_ms.value_or(5000) - m.start_ms) * m.quantity;
  CHECK(held == std::map<std::string, int64_t>{{"memory", 4 * 100 + 4 * 2400},
                                               {"snapshots-storage-high", 100 * 2000},
                                               {"snapshots-storage-normal", 40 * 3000},
                                               {"storage-normal", 40 * 2500},
                                               {"vcpu", 2 * 100 + 4 * 2400}});
}

TEST_CASE("bill: snapshot storage is billed at its tier's price, exactly, on a line of its own") {
  const int64_t shanghai = 8 * 3'600'000;
  PriceListInput list;
  list.name = "prices-2027";
  list.spec.effective_from = "2027-01-01";
  list.spec.time_zone = "Asia/Shanghai";
  list.spec.prices["storage-normal"] = Money::parse("0.3").value();
  list.spec.prices["storage-high"] = Money::parse("0.7").value();
  auto history = price_history({list});
  REQUIRE(history.ok());
  auto at = [&](const std::string& text) { return civil::parse_instant(text, shanghai).value(); };
  auto iv = [&](const std::string& item, int64_t gib, const std::string& from,
                const std::string& to) {
    MeterInterval m;
    m.tenant = "education";
    m.vm = "web-1";
    m.item = item;
    m.quantity = gib;
    m.start_ms = at(from);
    m.end_ms = at(to);
    return m;
  };
  // April has 30 days: 10 days of 100 GiB high at 0.7 = 70 × 1/3 = 23.333… yuan
  // = 2333 fen (rounded once); the disk's own 100 GiB for the month = 7000 fen;
  // 15 days of 40 GiB normal at 0.3 = 6 yuan = 600 fen.
  std::vector<MeterInterval> intervals = {
      iv("storage-high", 100, "2027-04-01", "2027-05-01"),
      iv("snapshots-storage-high", 100, "2027-04-11", "2027-04-21"),
      iv("snapshots-storage-normal", 40, "2027-04-01", "2027-04-16")};
  auto b = bill(intervals, *history, parse_bill_period("2027-04").value(), GroupBy::kItem,
                at("2027-06-01"));
  REQUIRE_MESSAGE(b.ok(), b.status().message());
  std::map<std::string, int64_t> fen;
  for (const auto& line : b->lines) fen[line.item] = line.amount_fen;
  CHECK(fen == std::map<std::string, int64_t>{{"snapshots-storage-high", 2333},
                                              {"snapshots-storage-normal", 600},
                                              {"storage-high", 7000}});
  CHECK(b->total_fen == 2333 + 600 + 7000);
}
