// The plan as the operator reads it: marks, moves, what a step destroys.
#include "ctl/cli/plan_printer.h"

#include <doctest/doctest.h>

#include <sstream>

using namespace xc;

namespace {

PlanStep vm_step(StepAction action, const std::string& name, const std::string& host) {
  PlanStep s;
  s.action = action;
  s.kind = Kind::kVirtualMachine;
  s.tenant = "education";
  s.name = name;
  s.host = host;
  return s;
}

}  // namespace

TEST_CASE(
    "plan printer: a migrate with its mode, a prune and a removed disk, with the total they "
    "destroy") {
  Plan plan;
  PlanStep move = vm_step(StepAction::kMove, "edu-portal-db-1", "x86-03");
  move.from_host = "x86-01";
  move.from_pool = "erlonglu";
  move.to_pool = "erlonglu2";
  move.move_mode = "cold";
  move.reason = StepReason::kPlacementChanged;
  move.detail = "x86-01 is in pool erlonglu, not erlonglu2";
  move.disks = {{"root", 100}, {"edu-portal-db-1-data", 500}};
  plan.steps.push_back(move);
  PlanStep pruned = vm_step(StepAction::kDelete, "old-1", "x86-02");
  pruned.reason = StepReason::kPruned;
  pruned.disks = {{"root", 40}, {"data", 200}};
  plan.steps.push_back(pruned);
  PlanStep shrunk = vm_step(StepAction::kUpdate, "web-1", "x86-01");
  shrunk.disks = {{"logs", 20}};
  shrunk.changes = {"spec.disks: ..."};
  plan.steps.push_back(shrunk);

  std::ostringstream out;
  print_plan(plan, out);
  CHECK(out.str() ==
        "> migrate VirtualMachine education/edu-portal-db-1 x86-01 -> x86-03 (cold, pool erlonglu "
        "-> erlonglu2)\n"
        "      why: x86-01 is in pool erlonglu, not erlonglu2\n"
        "- delete VirtualMachine education/old-1 on x86-02 (pruned: no longer declared)\n"
        "      DESTROYS 240 GiB: root 40 GiB, data 200 GiB\n"
        "- update VirtualMachine education/web-1 on x86-01\n"
        "      DESTROYS 20 GiB: logs 20 GiB\n"
        "      spec.disks: ...\n"
        "Plan: 0 to create, 1 to update, 0 to start, 1 to move, 1 to delete, 0 network changes, "
        "0 security group changes, 0 to record, 0 unchanged.\n"
        "Destroys: 1 VM, 3 disks, 260 GiB\n");
}

TEST_CASE("plan printer: a plan that destroys nothing has no Destroys line") {
  Plan plan;
  plan.steps.push_back(vm_step(StepAction::kCreate, "web-1", "x86-01"));
  std::ostringstream out;
  print_plan(plan, out);
  CHECK(out.str() ==
        "+ create VirtualMachine education/web-1 on x86-01\n"
        "Plan: 1 to create, 0 to update, 0 to start, 0 to move, 0 to delete, 0 network changes, "
        "0 security group changes, 0 to record, 0 unchanged.\n");
  CHECK(destruction_line({2, 3, 780}) == "Destroys: 2 VMs, 3 disks, 780 GiB");
}
