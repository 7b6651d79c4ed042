// Data safety through the engine, in-process: nothing is destroyed unasked,
// a move is never delete + create, a failed store read is not "nothing".
#include <doctest/doctest.h>

#include "ctl/store/store_wrapper.h"
#include "tests/ctl/reconcile/apply_harness.h"

using namespace xc;
using xc::test::ApplyHarness;
using xc::test::base_cloud;
using xc::test::vm;
using xc::test::volume;

namespace {

std::vector<std::string> step_lines(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& s : plan.steps)
    if (s.kind == Kind::kVirtualMachine)
      out.push_back(describe_step(s) + (s.destructive() ? " !" : ""));
  return out;
}

}  // namespace

TEST_CASE(
    "a placement change is a move, never delete + create, and names what a recreate would lose") {
  ApplyHarness h;
  std::string before = base_cloud() + vm("db-1", "p1") + volume("db-1-data", "db-1", 500);
  auto first = h.apply(before);
  REQUIRE(first.planned.ok());
  REQUIRE(first.executed.failed == 0);
  std::string host = first.plan.steps.back().host;

  auto moved = h.diff(base_cloud() + vm("db-1", "p2") + volume("db-1-data", "db-1", 500, "p2"));
  REQUIRE(moved.planned.ok());
  CHECK(step_lines(moved.plan) ==
        std::vector<std::string>{"migrate VirtualMachine education/db-1 " +
                                 first.plan.steps[0].host + " -> x86-03"});
  REQUIRE(moved.plan.moves().size() == 1);
  const PlanStep& m = *moved.plan.moves().front();
  CHECK(m.from_pool == "p1");
  CHECK(m.to_pool == "p2");
  CHECK(m.disks == std::vector<StepDisk>{{"root", 40}, {"db-1-data", 500}});
  CHECK(m.destroyed_gib() == 540);
  CHECK_FALSE(m.destructive());  // a move destroys nothing
  CHECK_FALSE(moved.plan.destruction().any());
}

TEST_CASE("--allow-recreate plans the old copy's delete as destructive, with its GiB") {
  ApplyHarness h;
  auto first = h.apply(base_cloud() + vm("db-1", "p1") + volume("db-1-data", "db-1", 500));
  REQUIRE(first.executed.failed == 0);
  PlanOptions options;
  options.allow_recreate = true;
  auto plan =
      h.diff(base_cloud() + vm("db-1", "p2") + volume("db-1-data", "db-1", 500, "p2"), options);
  REQUIRE(plan.planned.ok());
  CHECK(plan.plan.moves().empty());
  Destruction d = plan.plan.destruction();
  CHECK(d.vms == 1);
  CHECK(d.disks == 2);
  CHECK(d.gib == 540);
}

TEST_CASE("prune marks the VM delete destructive and forgets the Volume deleted with it") {
  ApplyHarness h;
  auto first = h.apply(base_cloud() + vm("db-1") + volume("db-1-data", "db-1", 500) + vm("web-1"));
  REQUIRE(first.executed.failed == 0);
  {
    auto store = h.open();
    CHECK(store->get_resource({"Volume", "education", "db-1-data"}).ok());
  }
  PlanOptions prune;
  prune.prune = true;
  auto pruned = h.apply(base_cloud() + vm("web-1"), prune);
  REQUIRE(pruned.planned.ok());
  CHECK(pruned.executed.failed == 0);
  Destruction d = pruned.plan.destruction();
  CHECK(d.vms == 1);
  CHECK(d.gib == 540);
  auto store = h.open();
  CHECK(store->get_resource({"VirtualMachine", "education", "db-1"}).status().code() ==
        Code::kNotFound);
  CHECK(store->get_resource({"Volume", "education", "db-1-data"}).status().code() ==
        Code::kNotFound);
  CHECK(store->get_resource({"VirtualMachine", "education", "web-1"}).ok());
}

TEST_CASE("a disk removed from a VM is a destructive update") {
  ApplyHarness h;
  REQUIRE(h.apply(base_cloud() + vm("db-1") + volume("db-1-data", "db-1", 500)).executed.failed ==
          0);
  auto plan = h.diff(base_cloud() + vm("db-1"));
  REQUIRE(plan.planned.ok());
  REQUIRE(plan.plan.steps.size() >= 1);
  Destruction d = plan.plan.destruction();
  CHECK(d.vms == 0);
  CHECK(d.disks == 1);
  CHECK(d.gib == 500);
}

namespace {

// Fails every list of stored resources: the planner must not see "nothing".
class FailingResourceReads : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  Result<std::vector<ResourceRecord>> list_resources(
      const std::optional<std::string>& kind) override {
    if (kind && *kind == "VirtualMachine")
      return error(Code::kIo, "state database: disk I/O error");
    return StoreWrapper::list_resources(kind);
  }
};

}  // namespace

TEST_CASE(
    "a failed store read fails the plan instead of making other sets' VMs look like orphans") {
  ApplyHarness h;
  PlanOptions other;
  other.manifest_set = "other";
  REQUIRE(h.apply(base_cloud() + vm("web-1"), other).executed.failed == 0);
  h.wrap_store = [](std::unique_ptr<Store> s) -> std::unique_ptr<Store> {
    return std::make_unique<FailingResourceReads>(std::move(s));
  };
  PlanOptions prune;
  prune.prune = true;
  auto r = h.apply(base_cloud() + vm("db-1"), prune);
  CHECK_FALSE(r.planned.ok());
  CHECK(r.planned.message() == "state database: disk I/O error");
  CHECK(r.plan.steps.empty());
  CHECK(h.domains("x86-01").size() + h.domains("x86-02").size() == 1);  // web-1 untouched
}
