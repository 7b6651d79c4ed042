#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "common/price_caps.h"
#include "ctl/reconcile/executor.h"
#include "ctl/reconcile/planner.h"
#include "tests/support/observed_hosts.h"

using namespace xc;
using nlohmann::json;

namespace {

struct ExampleCloud {
  ManifestSet set =
      load_manifest_set({std::string(XC_SOURCE_DIR) + "/examples/cloud"}, builtin_price_caps());
  DesiredState desired;
  std::vector<ObservedHost> hosts;

  ExampleCloud() {
    REQUIRE(set.ok());
    auto built = build_desired_state(set);
    REQUIRE(built.ok());
    desired = std::move(*built);
    hosts = test::roomy_hosts(desired);
  }
};

std::vector<const PlanStep*> steps_of(const Plan& plan, StepAction action) {
  std::vector<const PlanStep*> out;
  for (const auto& s : plan.steps)
    if (s.action == action) out.push_back(&s);
  return out;
}

}  // namespace

TEST_CASE(
    "planner: a new security group is ensured on each host of its VMs, with their NICs in it") {
  ExampleCloud cloud;
  Plan plan = make_plan(cloud.desired, cloud.hosts, {}, PlanOptions{});
  std::set<std::string> web_hosts;
  for (const PlanStep* vm : steps_of(plan, StepAction::kCreate)) {
    const json& nics = vm->params["nics"];
    bool in_web =
        !nics.empty() && nics[0].value("security_groups", json::array()) == json::array({"web"});
    if (in_web) web_hosts.insert(vm->host);
    if (vm->tenant == "education" &&
        (vm->name == "edu-portal-web-1" || vm->name == "edu-portal-web-2"))
      CHECK(in_web);
  }
  REQUIRE_FALSE(web_hosts.empty());
  std::set<std::string> ensured;
  for (const PlanStep* s : steps_of(plan, StepAction::kEnsureSecurityGroup)) {
    CHECK(s->kind == Kind::kSecurityGroup);
    CHECK(s->tenant + "/" + s->name == "education/web");
    CHECK(s->reason_text() == "new");
    CHECK(s->params == json::parse(R"({"tenant": "education", "name": "web", "ingress": [
        {"protocol": "tcp", "port_from": 443, "port_to": 443, "from": "0.0.0.0/0"},
        {"protocol": "tcp", "port_from": 22, "port_to": 22, "from": "10.0.0.0/8"}]})"));
    ensured.insert(s->host);
  }
  CHECK(ensured == web_hosts);  // once per host, only where its VMs run
  CHECK(std::string(step_action_name(StepAction::kEnsureSecurityGroup)) == "ensure-securitygroup");
}

TEST_CASE("planner: an unchanged group is left alone unless a VM using it is ensured on the host") {
  ExampleCloud cloud;
  const DesiredSecurityGroup& web = cloud.desired.security_groups.at(0);
  PlanOptions options;
  options.stored_groups["education/web"] = {web.hash, "default"};
  Plan plan = make_plan(cloud.desired, cloud.hosts, {}, options);
  // All VMs are created here, so the group is still ensured where they land ...
  for (const PlanStep* s : steps_of(plan, StepAction::kEnsureSecurityGroup))
    CHECK(s->reason_text() == "needed by a VM on this host");
  CHECK_FALSE(steps_of(plan, StepAction::kEnsureSecurityGroup).empty());
  // ... and a changed rule is reported as such.
  options.stored_groups["education/web"].hash = "0ld";
  plan = make_plan(cloud.desired, cloud.hosts, {}, options);
  for (const PlanStep* s : steps_of(plan, StepAction::kEnsureSecurityGroup))
    CHECK(s->reason_text() == "rules changed");
}

TEST_CASE("planner: a pruned group is deleted from every reachable host, only for its own set") {
  ExampleCloud cloud;
  PlanOptions options;
  options.prune = true;
  options.stored_groups["education/old-db"] = {"abc", "default"};
  options.stored_groups["health/other-set"] = {"abc", "elsewhere"};
  Plan plan = make_plan(cloud.desired, cloud.hosts, {}, options);
  auto deletes = steps_of(plan, StepAction::kDeleteSecurityGroup);
  CHECK(deletes.size() == cloud.hosts.size());
  for (const PlanStep* s : deletes) {
    CHECK(s->params == json{{"tenant", "education"}, {"name", "old-db"}});
    CHECK(s->reason_text() == "pruned: no longer declared");
  }
  options.prune = false;
  CHECK(
      steps_of(make_plan(cloud.desired, cloud.hosts, {}, options), StepAction::kDeleteSecurityGroup)
          .empty());
}

TEST_CASE("planner: updating a VM does not re-ensure an unchanged group its host already holds") {
  ExampleCloud cloud;
  const DesiredSecurityGroup& web = cloud.desired.security_groups.at(0);
  PlanOptions options;
  options.stored_groups["education/web"] = {web.hash, "default"};
  // Converged: every VM on the host the first plan chose, as the store records it.
  Plan first = make_plan(cloud.desired, cloud.hosts, {}, options);
  std::map<std::string, StoredVm> stored;
  for (const PlanStep* s : steps_of(first, StepAction::kCreate)) {
    std::string key = s->tenant + "/" + s->name;
    stored[key] = {s->tenant, s->name, s->host, s->hash, "default", 1, s->record};
    for (auto& h : cloud.hosts) {
      if (h.name != s->host) continue;
      ObservedDomain d;
      d.domain = "xc-" + s->tenant + "." + s->name;
      d.tenant = s->tenant;
      d.vm = s->name;
      d.spec_hash = s->hash;
      d.state = "running";
      d.generation = 1;
      d.cpus = s->params.value("cpus", int64_t{0});
      d.memory_mib = s->params.value("memory_mib", int64_t{0});
      h.domains.push_back(d);
    }
  }
  Plan converged = make_plan(cloud.desired, cloud.hosts, stored, options);
  CHECK(steps_of(converged, StepAction::kUpdate).empty());
  CHECK(steps_of(converged, StepAction::kCreate).empty());
  CHECK(steps_of(converged, StepAction::kEnsureSecurityGroup).empty());

  // edu-portal-web-1 changes (a new manifest hash): its update is planned,
  // but the web group, unchanged and on its host already, is not.
  for (auto& vm : cloud.desired.vms)
    if (vm.spec.name == "edu-portal-web-1") vm.hash = "changed";
  Plan plan = make_plan(cloud.desired, cloud.hosts, stored, options);
  REQUIRE(steps_of(plan, StepAction::kUpdate).size() == 1);
  CHECK(steps_of(plan, StepAction::kEnsureSecurityGroup).empty());

  // The same VM on a host that never held the group: ensured there.
  const std::string& old_host = stored["education/edu-portal-web-1"].host;
  stored["education/edu-portal-web-1"].record["domain"]["nics"][0]["security_groups"] =
      json::array();
  plan = make_plan(cloud.desired, cloud.hosts, stored, options);
  // (web-2, the group's other VM, is anti-affine: on another host.)
  CHECK(stored["education/edu-portal-web-2"].host != old_host);
  auto ensures = steps_of(plan, StepAction::kEnsureSecurityGroup);
  REQUIRE(ensures.size() == 1);
  CHECK(ensures[0]->host == old_host);
  CHECK(ensures[0]->reason_text() == "needed by a VM on this host");
}
