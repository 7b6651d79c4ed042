// IPAM through the engine (in-process hosts, a real SQLite store): the
// allocated address reaches the host's spec and the security groups' peers,
// diff writes nothing, and apply stores what diff showed.
#include <doctest/doctest.h>

#include "tests/ctl/reconcile/apply_harness.h"

using namespace xc;
using namespace xc::test;
using nlohmann::json;

namespace {

std::string network_and_groups() {
  return R"(---
apiVersion: xcloud/v1
kind: Network
metadata: {name: app, tenant: education}
spec:
  zone: gov
  vlan: 10
  ipv4: {subnet: 10.9.0.0/29, gateway: 10.9.0.1}
  reserved: [10.9.0.2]
---
apiVersion: xcloud/v1
kind: SecurityGroup
metadata: {name: web, tenant: education}
spec:
  ingress: [{protocol: tcp, ports: 443, from: 0.0.0.0/0}]
---
apiVersion: xcloud/v1
kind: SecurityGroup
metadata: {name: db, tenant: education}
spec:
  ingress: [{protocol: tcp, ports: 5432, group: web}]
)";
}

std::string vm_on_app(const std::string& name, const std::string& nic_fields,
                      const std::string& groups = "[web]") {
  return vm(name) + "  nics:\n    - {network: app, securityGroups: " + groups + nic_fields + "}\n";
}

std::vector<AddressAllocation> stored_allocations(ApplyHarness& h) {
  auto list = h.open()->list_address_allocations();
  REQUIRE_MESSAGE(list.ok(), list.status().message());
  return *list;
}

}  // namespace

TEST_CASE("apply gives a NIC the address diff showed, it reaches the host and the group's peers") {
  ApplyHarness h;
  std::string cloud = base_cloud() + network_and_groups() + vm_on_app("web-1", "") +
                      vm_on_app("web-2", ", ipv4: 10.9.0.3", "[web, db]");
  auto planned = h.diff(cloud);
  REQUIRE_MESSAGE(planned.planned.ok(), planned.planned.message());
  AddressAllocation expected{"education", "web-1", 0, "ipv4", "education/app", "10.9.0.4"};
  CHECK(planned.plan.addresses_allocated == std::vector<AddressAllocation>{expected});
  CHECK(stored_allocations(h).empty());  // diff writes nothing

  auto applied = h.apply(cloud);
  REQUIRE(applied.executed.failed == 0);
  CHECK(stored_allocations(h) == std::vector<AddressAllocation>{expected});
  bool created = false, peers = false;
  for (const PlanStep& s : applied.plan.steps) {
    if (s.action == StepAction::kCreate && s.name == "web-1") {
      created = true;
      CHECK(s.params["nics"][0]["ipv4"] == "10.9.0.4");
    }
    if (s.action == StepAction::kEnsureSecurityGroup && s.name == "db") {
      peers = true;
      std::set<std::string> from;
      for (const json& rule : s.params["ingress"]) from.insert(rule.value("from", ""));
      CHECK(from == std::set<std::string>{"10.9.0.3", "10.9.0.4"});
    }
  }
  CHECK(created);
  CHECK(peers);

  auto again = h.diff(cloud);
  REQUIRE(again.planned.ok());
  CHECK(again.plan.steps.empty());
  CHECK(again.plan.addresses_allocated.empty());
}

TEST_CASE("a full subnet fails the plan and nothing is stored") {
  ApplyHarness h;
  // 10.9.0.0/29: .1 gateway, .2 reserved, .3-.6 free, .7 broadcast.
  std::string cloud = base_cloud() + network_and_groups();
  for (const char* name : {"a", "b", "c", "d", "e"}) cloud += vm_on_app(name, "");
  auto planned = h.apply(cloud);
  CHECK(planned.planned.code() == Code::kFailedPrecondition);
  CHECK(planned.planned.message() ==
        "vm \"education/e\" nic 0: no free IPv4 address left in network \"education/app\" "
        "(subnet 10.9.0.0/29)");
  CHECK(stored_allocations(h).empty());
}
