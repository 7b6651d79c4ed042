#include <doctest/doctest.h>

#include "common/domain_spec.h"
#include "ctl/billing/snapshot_metering.h"
#include "ctl/reconcile/quota.h"
#include "tests/support/temp_dir.h"

using namespace xc;
using nlohmann::json;

TEST_CASE(
    "quota: snapshots count in their tier's storage and a new one over the limit is refused") {
  test::TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  Store& store = **opened;
  auto put = [&](const std::string& kind, const std::string& tenant, const std::string& name,
                 const json& j) {
    ResourceRecord r;
    r.kind = kind;
    r.tenant = tenant;
    r.name = name;
    r.spec_json = j.dump();
    r.spec_hash = "00";
    REQUIRE(store.put_resource(r).ok());
  };
  auto quota = [&](int64_t normal) {
    put("Tenant", "", "education",
        {{"manifest", {{"spec", {{"quota", {{"storageGiB", {{"normal", normal}}}}}}}}}});
  };
  quota(100);
  put("Tenant", "", "education/schools", {{"manifest", {{"spec", json::object()}}}});
  DomainSpec spec;
  spec.tenant = "education/schools";
  spec.name = "web-1";
  spec.spec_hash = "ab";
  spec.generation = 1;
  spec.cpus = 2;
  spec.memory_mib = 4096;
  DomainDisk root;
  root.name = "root";
  root.size_gib = 40;
  root.iops = tier_iops(root.tier).max;
  spec.disks = {root};
  put("VirtualMachine", "education/schools", "web-1",
      {{"manifest", json::object()}, {"domain", to_json(spec)}});
  REQUIRE(meter_snapshots(store, "education/schools", "", "web-1", {40, 0}, 1000).ok());

  auto allocations = stored_allocations(store);
  REQUIRE(allocations.ok());
  UsageMap up = roll_up(own_usage(*allocations));
  CHECK(up["education"].used["storageGiB.normal"] == 80);
  CHECK(up["education"].used[kSnapshotsResource] == 40);
  CHECK(up["education/schools"].used["vms"] == 1);

  auto refused = check_snapshot_quota(store, "education/schools", "web-1", {40, 0});
  REQUIRE(refused.ok());
  CHECK(*refused == std::vector<std::string>{"tenant education: quota exceeded for "
                                             "storageGiB.normal: using 80, plan adds 40, "
                                             "limit 100"});
  quota(120);  // reaching the limit exactly is allowed
  refused = check_snapshot_quota(store, "education/schools", "web-1", {40, 0});
  REQUIRE(refused.ok());
  CHECK(refused->empty());
  // A high-tier snapshot is not limited by the normal tier's quota.
  quota(80);
  refused = check_snapshot_quota(store, "education/schools", "web-1", {0, 500});
  REQUIRE(refused.ok());
  CHECK(refused->empty());
}
