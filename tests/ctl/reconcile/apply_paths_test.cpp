// The planner's and executor's paths through real agents in-process: a
// duplicate, drift made behind xcloud's back, an unreachable host, a quota
// refusal, and an apply that fails in the middle and then converges.
#include <doctest/doctest.h>
#include <libvirt/libvirt.h>

#include "ctl/store/store_wrapper.h"
#include "tests/ctl/reconcile/apply_harness.h"

using namespace xc;
using xc::test::ApplyHarness;
using xc::test::base_cloud;
using xc::test::vm;

namespace {

const PlanStep* only_vm_step(const Plan& plan) {
  const PlanStep* found = nullptr;
  for (const auto& s : plan.steps) {
    if (s.kind != Kind::kVirtualMachine) continue;
    std::string what = "more than one VM step: " + describe_step(s);
    REQUIRE_MESSAGE(found == nullptr, what);
    found = &s;
  }
  return found;
}

std::string host_of(ApplyHarness& h, const std::string& vm_name) {
  auto store = h.open();
  auto p = store->get_placement({"VirtualMachine", "education", vm_name});
  REQUIRE_MESSAGE(p.ok(), p.status().message());
  return p->host;
}

void set_vcpus(ApplyHarness& h, const std::string& host, const std::string& domain, unsigned cpus,
               unsigned flags) {
  virDomainPtr d = virDomainLookupByName(h.fleet.libvirt(host), domain.c_str());
  REQUIRE(d != nullptr);
  int rc = virDomainSetVcpusFlags(d, cpus, flags);
  virDomainFree(d);
  REQUIRE_MESSAGE(rc == 0, virGetLastErrorMessage());
}

}  // namespace

TEST_CASE("a converged cloud plans nothing") {
  ApplyHarness h;
  std::string cloud = base_cloud() + vm("web-1") + vm("web-2");
  REQUIRE(h.apply(cloud).executed.failed == 0);
  auto again = h.diff(cloud);
  REQUIRE(again.planned.ok());
  CHECK(again.plan.steps.empty());
  CHECK(again.plan.unchanged.size() == 2);
}

TEST_CASE("a second copy of a VM on another host is a destructive duplicate delete") {
  ApplyHarness h;
  std::string cloud = base_cloud() + vm("web-1");
  auto first = h.apply(cloud);
  REQUIRE(first.executed.failed == 0);
  std::string home = host_of(h, "web-1");
  std::string other = home == "x86-01" ? "x86-02" : "x86-01";
  const PlanStep* created = only_vm_step(first.plan);
  REQUIRE(created != nullptr);
  auto copied = h.fleet.call(other, "domain.ensure", {{"spec", created->params}});
  REQUIRE_MESSAGE(copied.contains("result"), copied.dump());

  auto plan = h.diff(cloud);
  REQUIRE(plan.planned.ok());
  const PlanStep* dup = only_vm_step(plan.plan);
  REQUIRE(dup != nullptr);
  CHECK(describe_step(*dup) == "delete VirtualMachine education/web-1 on " + other);
  CHECK(dup->reason_text() == "duplicate (also on " + home + ")");
  CHECK(dup->destructive());
  CHECK_FALSE(dup->ends_vm());  // the VM lives on: its record and meter stay
  auto removed = h.apply(cloud);
  CHECK(removed.executed.failed == 0);
  CHECK(h.domains(other).empty());
  CHECK(h.open()->list_open_meter_intervals("education", "web-1")->size() == 3);
}

TEST_CASE("a definition changed outside xcloud is repaired as definition drift") {
  ApplyHarness h;
  std::string cloud = base_cloud() + vm("web-1", "p1", 2);
  REQUIRE(h.apply(cloud).executed.failed == 0);
  std::string home = host_of(h, "web-1");
  set_vcpus(h, home, "xc-education.web-1", 4,
            unsigned{VIR_DOMAIN_AFFECT_CONFIG} | unsigned{VIR_DOMAIN_VCPU_MAXIMUM});
  auto plan = h.diff(cloud);
  REQUIRE(plan.planned.ok());
  const PlanStep* step = only_vm_step(plan.plan);
  REQUIRE(step != nullptr);
  CHECK(step->action == StepAction::kUpdate);
  CHECK(step->reason == StepReason::kDefinitionDrift);
  CHECK(h.apply(cloud).executed.failed == 0);
  CHECK(h.diff(cloud).plan.steps.empty());
}

TEST_CASE("a VM resized outside xcloud is resized back as resize drift") {
  ApplyHarness h;
  std::string cloud = base_cloud() + vm("web-1", "p1", 2);
  REQUIRE(h.apply(cloud).executed.failed == 0);
  set_vcpus(h, host_of(h, "web-1"), "xc-education.web-1", 1, VIR_DOMAIN_AFFECT_LIVE);
  auto plan = h.diff(cloud);
  REQUIRE(plan.planned.ok());
  const PlanStep* step = only_vm_step(plan.plan);
  REQUIRE(step != nullptr);
  CHECK(step->action == StepAction::kUpdate);
  CHECK(step->reason_text() == "drift: resized outside xcloud (1 vCPU, 4096 MiB)");
  CHECK_FALSE(step->destructive());
}

TEST_CASE("an unreachable host is reported, and its VMs are neither moved nor touched") {
  ApplyHarness h;
  std::string cloud = base_cloud() + vm("web-1") + vm("web-2");
  REQUIRE(h.apply(cloud).executed.failed == 0);
  std::string home = host_of(h, "web-1");
  h.fleet.set_down(home, true);
  auto plan = h.diff(cloud);
  REQUIRE(plan.planned.ok());
  for (const auto& s : plan.plan.steps) CHECK_MESSAGE(s.host != home, describe_step(s));
  CHECK(plan.plan.moves().empty());
  CHECK_FALSE(plan.plan.destruction().any());
  bool named = false;
  for (const auto& e : plan.plan.errors)
    named |=
        e == "VirtualMachine education/web-1: its host " + home + " is unreachable; not checked";
  CHECK(named);
}

TEST_CASE("a plan past a tenant's quota is refused whole, before any host is touched") {
  ApplyHarness h;
  auto plan = h.apply(base_cloud() + vm("big-1", "p1", 40) + vm("big-2", "p1", 40));
  REQUIRE(plan.planned.ok());
  REQUIRE(plan.quota_refused);
  CHECK(plan.executed.done == 0);
  CHECK(h.domains("x86-01").empty());
  CHECK(h.domains("x86-02").empty());
}

namespace {

// Fails recording the second VM, as a crash between its host call and its
// store write would leave it: on the host, not in the store.
class FailingSecondVmRecord : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  Result<ResourceRecord> put_resource(const ResourceRecord& r) override {
    if (r.kind == "VirtualMachine" && ++vm_puts_ == 2)
      return error(Code::kIo, "state database: disk I/O error");
    return StoreWrapper::put_resource(r);
  }

 private:
  int vm_puts_ = 0;
};

}  // namespace

TEST_CASE(
    "an apply that fails in the middle leaves the store consistent, and the next apply converges") {
  ApplyHarness h;
  std::string cloud = base_cloud() + vm("web-1") + vm("web-2") + vm("web-3");
  h.wrap_store = [](std::unique_ptr<Store> s) -> std::unique_ptr<Store> {
    return std::make_unique<FailingSecondVmRecord>(std::move(s));
  };
  auto broken = h.apply(cloud);
  REQUIRE(broken.planned.ok());
  CHECK(broken.executed.failed == 1);
  CHECK(broken.executed.done == 2);
  {
    // The failed step's transaction rolled back whole: no record, no meter.
    auto store = h.open();
    CHECK(store->list_resources(std::string("VirtualMachine"))->size() == 2);
    CHECK(store->list_meter_intervals(0, int64_t{1} << 62)->size() == 2 * 3);
  }
  h.wrap_store = [](std::unique_ptr<Store> s) { return s; };
  auto healed = h.apply(cloud);
  REQUIRE(healed.planned.ok());
  CHECK(healed.executed.failed == 0);
  const PlanStep* step = only_vm_step(healed.plan);
  REQUIRE(step != nullptr);
  CHECK(step->action == StepAction::kRecord);  // on its host already: recorded, not created again
  CHECK(h.diff(cloud).plan.steps.empty());
  CHECK(h.open()->list_resources(std::string("VirtualMachine"))->size() == 3);
}
