#include "ctl/reconcile/quota.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>

#include "common/price_caps.h"
#include "tests/support/temp_dir.h"

using namespace xc;

namespace {

DesiredVm vm(const std::string& tenant, const std::string& name, int64_t cpus, int64_t memory_gib,
             std::vector<DomainDisk> disks = {}, std::map<std::string, int64_t> accelerators = {},
             Power power = Power::kRunning) {
  DesiredVm d;
  d.spec.tenant = tenant;
  d.spec.name = name;
  d.spec.cpus = cpus;
  d.spec.memory_mib = memory_gib * 1024;
  d.spec.disks = std::move(disks);
  d.spec.power = power;
  d.demand.tenant = tenant;
  d.demand.name = name;
  d.demand.cpus = cpus;
  d.demand.memory_mib = memory_gib * 1024;
  d.demand.accelerators = std::move(accelerators);
  return d;
}

DomainDisk disk(const std::string& name, int64_t size_gib, DiskTier tier = DiskTier::kNormal) {
  DomainDisk d;
  d.name = name;
  d.size_gib = size_gib;
  d.tier = tier;
  return d;
}

TenantQuota tenant(const std::string& path, Quota quota) {
  return {path, "", std::move(quota)};
}

// A stored record as apply writes one (the hash does not matter here).
void put_record(Store& store, const std::string& kind, const std::string& tenant,
                const std::string& name, const nlohmann::json& j) {
  ResourceRecord r;
  r.kind = kind;
  r.tenant = tenant;
  r.name = name;
  r.spec_json = j.dump();
  r.spec_hash = "00";
  REQUIRE(store.put_resource(r).ok());
}

int64_t used(const UsageMap& m, const std::string& tenant, const std::string& resource) {
  auto t = m.find(tenant);
  if (t == m.end()) return 0;
  auto r = t->second.used.find(resource);
  return r == t->second.used.end() ? 0 : r->second;
}

}  // namespace

TEST_CASE("quota: a VM's usage counts cpus, memory, every disk by tier, accelerators and itself") {
  DesiredState d;
  d.vms.push_back(vm("edu", "db", 8, 32, {disk("root", 100, DiskTier::kHigh), disk("data", 500)},
                     {{"gpu-16g", 2}}));
  UsageMap own = compute_usage(d);
  CHECK(used(own, "edu", "vcpu") == 8);
  CHECK(used(own, "edu", "memoryGiB") == 32);
  CHECK(used(own, "edu", "storageGiB.high") == 100);
  CHECK(used(own, "edu", "storageGiB.normal") == 500);
  CHECK(used(own, "edu", "accelerators.gpu-16g") == 2);
  CHECK(used(own, "edu", "vms") == 1);
  CHECK(used(own, "edu", "networks") == 0);
}

TEST_CASE("quota: stopped VMs hold their resources") {
  DesiredState d;
  d.vms.push_back(vm("edu", "a", 4, 8, {disk("root", 40)}, {}, Power::kStopped));
  d.vms.push_back(vm("edu", "b", 2, 4, {disk("root", 20)}, {}, Power::kRunning));
  UsageMap own = compute_usage(d);
  CHECK(used(own, "edu", "vcpu") == 6);
  CHECK(used(own, "edu", "memoryGiB") == 12);
  CHECK(used(own, "edu", "storageGiB.normal") == 60);
  CHECK(used(own, "edu", "vms") == 2);
}

TEST_CASE("quota: usage rolls up across three levels") {
  DesiredState d;
  d.vms.push_back(vm("edu", "a", 1, 1));
  d.vms.push_back(vm("edu/schools", "b", 2, 2));
  d.vms.push_back(vm("edu/schools/primary", "c", 4, 4));
  d.vms.push_back(vm("edu/schools/primary", "d", 8, 8));
  d.vms.push_back(vm("health", "e", 16, 16));
  UsageMap own = compute_usage(d);
  CHECK(used(own, "edu", "vcpu") == 1);
  CHECK(used(own, "edu/schools/primary", "vcpu") == 12);
  UsageMap up = roll_up(own);
  CHECK(used(up, "edu/schools/primary", "vcpu") == 12);
  CHECK(used(up, "edu/schools", "vcpu") == 14);
  CHECK(used(up, "edu", "vcpu") == 15);
  CHECK(used(up, "edu", "vms") == 4);
  CHECK(used(up, "health", "vcpu") == 16);
  CHECK(up.size() == 4);
  CHECK(rolled_up_usage(d).at("edu").used == up.at("edu").used);

  // An ancestor with nothing of its own still gets its children's usage.
  UsageMap only_leaf = roll_up({{"a/b/c", {"a/b/c", {{"vms", 1}}}}});
  CHECK(used(only_leaf, "a", "vms") == 1);
  CHECK(used(only_leaf, "a/b", "vms") == 1);
  CHECK(parent_tenant("a/b/c") == "a/b");
  CHECK(parent_tenant("a").empty());
}

TEST_CASE(
    "quota: refusal messages name tenant, resource, current use, increase and limit exactly") {
  Quota schools;
  schools.vcpu = 400;
  schools.memory_gib = 1000;
  Quota edu;
  edu.vcpu = 1000;
  edu.accelerators = {{"gpu-16g", 2}};
  edu.vms = 3;
  std::vector<TenantQuota> tenants = {tenant("education/schools", schools),
                                      tenant("education", edu)};

  UsageMap before =
      roll_up({{"education/schools",
                {"education/schools", {{"vcpu", 392}, {"memoryGiB", 100}, {"vms", 2}}}},
               {"education", {"education", {{"accelerators.gpu-16g", 1}}}}});
  UsageMap after =
      roll_up({{"education/schools",
                {"education/schools", {{"vcpu", 408}, {"memoryGiB", 132}, {"vms", 4}}}},
               {"education", {"education", {{"accelerators.gpu-16g", 3}}}}});
  std::vector<std::string> v = quota_violations(tenants, after, before);
  std::vector<std::string> want = {
      "tenant education: quota exceeded for accelerators.gpu-16g: using 1, plan adds 2, limit 2",
      "tenant education: quota exceeded for vms: using 2, plan adds 2, limit 3",
      "tenant education/schools: quota exceeded for vcpu: using 392, plan adds 16, limit 400",
  };
  CHECK(v == want);
}

TEST_CASE("quota: a plan within limits passes, and reaching a limit exactly is allowed") {
  Quota q;
  q.vcpu = 16;
  q.memory_gib = 64;
  q.storage_normal_gib = 1000;
  q.storage_high_gib = 200;
  q.vms = 5;
  q.networks = 1;
  q.accelerators = {{"gpu-16g", 1}};
  DesiredState d;
  d.vms.push_back(vm("education/schools", "a", 8, 32,
                     {disk("root", 100, DiskTier::kHigh), disk("data", 1000)}, {{"gpu-16g", 1}}));
  d.vms.push_back(vm("education/schools", "b", 8, 32, {disk("root", 100, DiskTier::kHigh)}));
  UsageMap after = rolled_up_usage(d);
  CHECK(quota_violations({tenant("education/schools", q)}, after, UsageMap{}).empty());
  // A tenant without a quota never refuses; one more vCPU does.
  CHECK(quota_violations({tenant("education", Quota{})}, after, UsageMap{}).empty());
  d.vms.push_back(vm("education/schools", "c", 1, 0));
  auto v = quota_violations({tenant("education/schools", q)}, rolled_up_usage(d), after);
  CHECK(v ==
        std::vector<std::string>{
            "tenant education/schools: quota exceeded for vcpu: using 16, plan adds 1, limit 16"});
}

TEST_CASE("quota: a child's usage is refused by its parent's limit") {
  Quota parent;
  parent.vcpu = 10;
  DesiredState d;
  d.vms.push_back(vm("edu/schools/primary", "a", 8, 1));
  d.vms.push_back(vm("edu", "b", 4, 1));
  auto v = quota_violations({tenant("edu", parent), tenant("edu/schools/primary", Quota{})},
                            rolled_up_usage(d), UsageMap{});
  CHECK(v == std::vector<std::string>{
                 "tenant edu: quota exceeded for vcpu: using 0, plan adds 12, limit 10"});
}

TEST_CASE("quota: a plan that shrinks an over-quota tenant is not refused") {
  Quota q;
  q.vcpu = 4;
  UsageMap before = {{"t", {"t", {{"vcpu", 10}}}}};
  UsageMap after = {{"t", {"t", {{"vcpu", 6}}}}};
  CHECK(quota_violations({tenant("t", q)}, after, before).empty());
}

TEST_CASE("quota: limits in resource order and quotas read from stored manifests") {
  nlohmann::json manifest = nlohmann::json::parse(R"({"kind":"Tenant","metadata":{"name":"edu"},
    "spec":{"displayName":"教育局","quota":{"vcpu":64,"memoryGiB":256,"storageGiB":{"normal":4000,"high":1000},
    "vms":20,"networks":4,"accelerators":{"npu-24g":1,"gpu-16g":2}}}})");
  Quota q = quota_from_manifest(manifest);
  auto limits = quota_limits(q);
  std::vector<std::pair<std::string, int64_t>> want = {{"vcpu", 64},
                                                       {"memoryGiB", 256},
                                                       {"storageGiB.normal", 4000},
                                                       {"storageGiB.high", 1000},
                                                       {"accelerators.gpu-16g", 2},
                                                       {"accelerators.npu-24g", 1},
                                                       {"vms", 20},
                                                       {"networks", 4}};
  CHECK(limits == want);
  CHECK(quota_limits(quota_from_manifest(nlohmann::json::object())).empty());
}

TEST_CASE("quota: the example cloud's usage counts attached volumes and networks, rolled up") {
  ManifestSet set =
      load_manifest_set({std::string(XC_SOURCE_DIR) + "/examples/cloud"}, builtin_price_caps());
  REQUIRE(set.ok());
  auto desired = build_desired_state(set);
  REQUIRE(desired.ok());
  UsageMap own = compute_usage(*desired);
  // education/schools: a 60 GiB root disk and its attached 200 GiB volume.
  CHECK(used(own, "education/schools", "storageGiB.normal") == 260);
  CHECK(used(own, "education/schools", "vcpu") == 2);
  CHECK(used(own, "education", "storageGiB.normal") == 500);
  CHECK(used(own, "education", "storageGiB.high") == 260);
  CHECK(used(own, "education", "networks") == 1);
  UsageMap up = roll_up(own);
  CHECK(used(up, "education", "vcpu") == 18);
  CHECK(used(up, "education", "memoryGiB") == 52);
  CHECK(used(up, "education", "storageGiB.normal") == 760);
  CHECK(used(up, "education", "vms") == 4);
  CHECK(used(up, "health", "storageGiB.high") == 680);
  // The examples fit their quotas.
  CHECK(quota_violations(set, up, UsageMap{}).empty());
  CHECK(manifest_quota_errors(set, *desired).empty());
  auto tenants = manifest_tenants(set);
  REQUIRE(tenants.size() == 3);
  CHECK(tenants[0].tenant == "education");
  CHECK(tenants[0].display_name == "教育局");
}

TEST_CASE("quota: an unattached volume counts in its tenant's storage") {
  Object volume;
  volume.kind = Kind::kVolume;
  volume.meta.tenant = "edu";
  volume.meta.name = "spare";
  VolumeSpec spec;
  spec.size_gib = 300;
  spec.tier = DiskTier::kHigh;
  volume.spec = spec;
  DesiredState d;
  d.records.push_back({&volume, nlohmann::json::object(), ""});
  CHECK(used(compute_usage(d), "edu", "storageGiB.high") == 300);
}

TEST_CASE(
    "quota: the store's VMs (stopped ones and attached volumes too), volumes, networks and "
    "tenants") {
  char pattern[] = "/tmp/xc-quota-XXXXXX";
  const char* made = mkdtemp(pattern);
  REQUIRE(made != nullptr);
  std::string dir = made;
  {
    auto store = open_store(dir + "/state.db", OpenMode::kCreate);
    REQUIRE(store.ok());
    auto put = [&](const std::string& kind, const std::string& tenant, const std::string& name,
                   const nlohmann::json& j) { put_record(**store, kind, tenant, name, j); };
    put("Tenant", "", "edu",
        {{"manifest", {{"spec", {{"displayName", "教育局"}, {"quota", {{"vcpu", 8}}}}}}}});
    put("Tenant", "", "edu/schools", {{"manifest", {{"spec", {{"displayName", "中小学科"}}}}}});
    DomainSpec spec;
    spec.tenant = "edu/schools";
    spec.name = "app";
    spec.spec_hash = "ab";
    spec.generation = 1;
    spec.cpus = 2;
    spec.memory_mib = 4096;
    spec.power = Power::kStopped;
    spec.disks = {disk("root", 60), disk("data", 200), disk("fast", 50, DiskTier::kHigh)};
    for (auto& d : spec.disks) d.iops = tier_iops(d.tier).max;
    nlohmann::json manifest = {{"spec", {{"accelerators", {{{"type", "gpu-16g"}, {"count", 1}}}}}}};
    put("VirtualMachine", "edu/schools", "app",
        {{"manifest", manifest}, {"domain", to_json(spec)}});
    put("VirtualMachine", "edu", "broken", {{"manifest", nlohmann::json::object()}});
    put("Volume", "edu", "spare", {{"manifest", {{"spec", {{"sizeGiB", 30}, {"tier", "high"}}}}}});
    put("Volume", "edu/schools", "data",
        {{"manifest", {{"spec", {{"sizeGiB", 200}, {"attachTo", "app"}}}}}});
    put("Network", "edu", "app", {{"manifest", nlohmann::json::object()}});

    std::vector<std::string> warnings;
    auto allocations = stored_allocations(**store, &warnings);
    REQUIRE(allocations.ok());
    CHECK(warnings.size() == 1);  // "broken" has no domain spec
    UsageMap up = roll_up(own_usage(*allocations));
    CHECK(used(up, "edu/schools", "vcpu") == 2);
    CHECK(used(up, "edu/schools", "memoryGiB") == 4);
    CHECK(used(up, "edu/schools", "storageGiB.normal") ==
          260);  // the attached volume once, via the VM
    CHECK(used(up, "edu/schools", "accelerators.gpu-16g") == 1);
    CHECK(used(up, "edu", "storageGiB.high") == 80);
    CHECK(used(up, "edu", "vms") == 1);
    CHECK(used(up, "edu", "networks") == 1);

    auto tenants = stored_tenants(**store);
    REQUIRE(tenants.ok());
    REQUIRE(tenants->size() == 2);
    CHECK((*tenants)[0].tenant == "edu");
    CHECK((*tenants)[0].display_name == "教育局");
    CHECK((*tenants)[0].quota.vcpu == 8);
    CHECK((*tenants)[1].display_name == "中小学科");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("quota: check_plan_quotas compares the store with the plan, less what it prunes") {
  char pattern[] = "/tmp/xc-quota-XXXXXX";
  const char* made = mkdtemp(pattern);
  REQUIRE(made != nullptr);
  std::string dir = made;
  {
    auto store = open_store(dir + "/state.db", OpenMode::kCreate);
    REQUIRE(store.ok());
    auto put = [&](const std::string& kind, const std::string& tenant, const std::string& name,
                   const nlohmann::json& j) { put_record(**store, kind, tenant, name, j); };
    put("Tenant", "", "education", {{"manifest", {{"spec", {{"displayName", "教育局"}}}}}});
    put("Tenant", "", "education/schools",
        {{"manifest", {{"spec", {{"quota", {{"vcpu", 400}}}}}}}});
    auto stored_vm = [&](const std::string& name, int64_t cpus) {
      DomainSpec spec;
      spec.tenant = "education/schools";
      spec.name = name;
      spec.spec_hash = "ab";
      spec.cpus = cpus;
      spec.memory_mib = 1024;
      put("VirtualMachine", spec.tenant, name, {{"domain", to_json(spec)}});
    };
    stored_vm("a", 200);
    stored_vm("b", 192);
    stored_vm("old", 8);

    DesiredState d;
    d.vms.push_back(vm("education/schools", "a", 200, 1));
    d.vms.push_back(vm("education/schools", "b", 192, 1));
    d.vms.push_back(vm("education/schools", "c", 16, 1));
    ManifestSet none;
    Plan plan;
    auto kept = check_plan_quotas(**store, none, d, plan);
    REQUIRE(kept.ok());
    CHECK(*kept == std::vector<std::string>{"tenant education/schools: quota exceeded for vcpu: "
                                            "using 400, plan adds 16, limit 400"});

    PlanStep prune;
    prune.action = StepAction::kDelete;
    prune.kind = Kind::kVirtualMachine;
    prune.tenant = "education/schools";
    prune.name = "old";
    prune.reason = StepReason::kPruned;
    plan.steps.push_back(prune);
    auto pruned = check_plan_quotas(**store, none, d, plan);
    REQUIRE(pruned.ok());
    CHECK(*pruned == std::vector<std::string>{"tenant education/schools: quota exceeded for vcpu: "
                                              "using 400, plan adds 8, limit 400"});

    // Without the new VM the plan fits.
    d.vms.pop_back();
    auto fits = check_plan_quotas(**store, none, d, plan);
    REQUIRE(fits.ok());
    CHECK(fits->empty());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("quota: validate's check of the set's own totals reports each limit at its position") {
  ManifestSet set =
      load_manifest_set({std::string(XC_SOURCE_DIR) + "/examples/cloud"}, builtin_price_caps());
  REQUIRE(set.ok());
  // Lower education's vCPU limit under what its VMs (18, rolled up) ask for.
  for (auto& o : set.objects)
    if (o.kind == Kind::kTenant && o.meta.name == "education")
      std::get<TenantSpec>(o.spec).quota.vcpu = 16;
  auto desired = build_desired_state(set);
  REQUIRE(desired.ok());
  std::vector<Diagnostic> errors = manifest_quota_errors(set, *desired);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message ==
        "tenant education: the manifests total vcpu 18, above its quota of 16");
  CHECK(errors[0].file.find("tenants.yaml") != std::string::npos);
  CHECK(errors[0].pos.line > 0);
}

TEST_CASE(
    "quota: snapshots count in their tier's storage and a new one over the limit is refused") {
  test::TempDir dir;
  auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
  REQUIRE(opened.ok());
  Store& store = **opened;
  auto put = [&](const std::string& kind, const std::string& tenant, const std::string& name,
                 const nlohmann::json& j) { put_record(store, kind, tenant, name, j); };
  auto quota = [&](int64_t normal) {
    put("Tenant", "", "education",
        {{"manifest", {{"spec", {{"quota", {{"storageGiB", {{"normal", normal}}}}}}}}}});
  };
  quota(100);
  put("Tenant", "", "education/schools", {{"manifest", {{"spec", nlohmann::json::object()}}}});
  DomainSpec spec;
  spec.tenant = "education/schools";
  spec.name = "web-1";
  spec.spec_hash = "ab";
  spec.cpus = 2;
  spec.memory_mib = 1024;
  spec.disks = {disk("root", 40)};
  spec.disks[0].iops = tier_iops(DiskTier::kNormal).max;
  put("VirtualMachine", "education/schools", "web-1",
      {{"manifest", nlohmann::json::object()}, {"domain", to_json(spec)}});
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
