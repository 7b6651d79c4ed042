#include <doctest/doctest.h>

#include "common/price_caps.h"
#include "ctl/reconcile/adoption_checks.h"
#include "ctl/reconcile/planner.h"
#include "tests/support/observed_hosts.h"
#include "tests/support/temp_dir.h"

using namespace xc;
using nlohmann::json;

namespace {

constexpr const char* kUuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";

// The example cloud plus a VM written by `xcloudctl adopt` for x86-01's legacy-erp.
struct AdoptingCloud {
  test::TempDir dir;
  ManifestSet set;
  DesiredState desired;
  std::vector<ObservedHost> hosts;

  AdoptingCloud() {
    std::string vm = dir.file("legacy-erp.yaml", R"(apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: legacy-erp, tenant: education}
spec:
  adoptedFrom: {host: x86-01, uuid: 6695eb01-f6a4-8304-79aa-97f2502e193f}
  cpus: 2
  memoryGiB: 2
  disks: [{name: vda, sizeGiB: 20, tier: normal, path: /srv/legacy/erp.qcow2}]
  placement: {zone: gov-extranet, pool: erlonglu}
)");
    set = load_manifest_set({std::string(XC_SOURCE_DIR) + "/examples/cloud", vm},
                            builtin_price_caps());
    REQUIRE(set.ok());
    auto built = build_desired_state(set);
    REQUIRE(built.ok());
    desired = std::move(*built);
    hosts = test::roomy_hosts(desired);
    hosts[0].unmanaged = {{{"domain", "legacy-erp"},
                           {"uuid", kUuid},
                           {"state", "running"},
                           {"cpus", 2},
                           {"memoryMiB", 2048}}};
    REQUIRE(hosts[0].name == "x86-01");
  }

  // The domain after a successful adopt: xcloud's, as legacy-erp with its
  // desired hash, no longer unmanaged.
  const DesiredVm& mark_adopted() {
    const DesiredVm* vm = nullptr;
    for (const auto& v : desired.vms)
      if (v.spec.name == "legacy-erp") vm = &v;
    REQUIRE(vm != nullptr);
    hosts[0].unmanaged = json::array();
    hosts[0].domains.push_back({"legacy-erp", kUuid, "education", "legacy-erp", vm->hash, "running",
                                1, 2, 2048, false, false});
    return *vm;
  }

  const PlanStep* step_for(const Plan& plan, const std::string& name) const {
    for (const auto& s : plan.steps)
      if (s.name == name) return &s;
    return nullptr;
  }
};

}  // namespace

TEST_CASE("adoption: without --adopt the VM is refused at its manifest's position") {
  AdoptingCloud cloud;
  auto refused = adoption_refusals(cloud.set, cloud.desired, cloud.hosts, false);
  REQUIRE(refused.size() == 1);
  CHECK(format_diagnostic(refused[0]) ==
        cloud.dir.path("legacy-erp.yaml") +
            ":5:16: error: VirtualMachine education/legacy-erp: domain 'legacy-erp' on host x86-01 "
            "exists and is not managed by xcloud; 'apply --adopt' takes it over (no restart) "
            "instead of creating a second VM");
  CHECK(adoption_refusals(cloud.set, cloud.desired, cloud.hosts, true).empty());
  cloud.hosts[0].unmanaged[0]["uuid"] = "00000000-0000-0000-0000-000000000000";
  refused = adoption_refusals(cloud.set, cloud.desired, cloud.hosts, true);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].message.find("has UUID 00000000-0000-0000-0000-000000000000, not " +
                                std::string(kUuid)) != std::string::npos);
  cloud.hosts[0].unmanaged = json::array();
  refused = adoption_refusals(cloud.set, cloud.desired, cloud.hosts, true);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].message.find("is not there") != std::string::npos);
}

TEST_CASE("adoption: --adopt plans an adopt step on the domain's host, never a create") {
  AdoptingCloud cloud;
  PlanOptions options;
  options.adopt = true;
  Plan plan = make_plan(cloud.desired, cloud.hosts, {}, options);
  const PlanStep* step = cloud.step_for(plan, "legacy-erp");
  REQUIRE(step != nullptr);
  CHECK(step->action == StepAction::kAdopt);
  CHECK(describe_step(*step) == "adopt VirtualMachine education/legacy-erp on x86-01");
  CHECK(step->params["uuid"] == kUuid);
  CHECK(step->params["spec"]["adopted"] == true);
  CHECK(step->params["spec"]["disks"][0]["path"] == "/srv/legacy/erp.qcow2");
  CHECK_FALSE(step->params["spec"].contains("guest"));
  CHECK_FALSE(step->destructive());
  CHECK(step->record["domain"]["name"] == "legacy-erp");

  // Adopted: the domain is xcloud's as this VM with the desired hash, so nothing is left to do.
  const DesiredVm* vm = &cloud.mark_adopted();
  std::map<std::string, StoredVm> stored = {
      {"education/legacy-erp",
       {"education", "legacy-erp", "x86-01", vm->hash, "default", 1, step->record}}};
  Plan again = make_plan(cloud.desired, cloud.hosts, stored, options);
  CHECK(cloud.step_for(again, "legacy-erp") == nullptr);
  CHECK(adoption_refusals(cloud.set, cloud.desired, cloud.hosts, false).empty());
}

TEST_CASE("adoption: a drain neither moves nor recreates an adopted VM, and says why") {
  AdoptingCloud cloud;
  const DesiredVm* vm = &cloud.mark_adopted();
  std::map<std::string, StoredVm> stored = {
      {"education/legacy-erp", {"education", "legacy-erp", "x86-01", vm->hash, "default", 1, {}}}};
  for (bool recreate : {false, true}) {
    PlanOptions options;
    options.drain_hosts = {"x86-01"};
    options.allow_recreate = recreate;
    Plan plan = make_plan(cloud.desired, cloud.hosts, stored, options);
    CHECK(cloud.step_for(plan, "legacy-erp") == nullptr);
    REQUIRE(plan.errors.size() == 1);
    CHECK(plan.errors[0].rfind("VirtualMachine education/legacy-erp: adopted, its disks stay on "
                               "x86-01; not moved to ",
                               0) == 0);
  }
}
