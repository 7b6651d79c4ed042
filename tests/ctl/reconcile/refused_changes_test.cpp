#include "ctl/reconcile/refused_changes.h"

#include <doctest/doctest.h>

#include "common/price_caps.h"

using namespace xc;

TEST_CASE("refused changes: a disk smaller than the stored one is refused, a larger one is not") {
  ManifestSet set =
      load_manifest_set({std::string(XC_SOURCE_DIR) + "/examples/cloud"}, builtin_price_caps());
  REQUIRE(set.ok());
  auto desired = build_desired_state(set);
  REQUIRE(desired.ok());
  std::map<std::string, StoredVm> stored;
  for (const auto& vm : desired->vms) {
    DomainSpec before = vm.spec;
    if (vm.spec.name == "edu-portal-web-1") before.disks[0].size_gib += 20;  // was bigger
    if (vm.spec.name == "edu-portal-web-2") before.disks[0].size_gib -= 20;  // grows now
    std::string key = object_key(vm.spec.tenant, vm.spec.name);
    stored[key] = {vm.spec.tenant,
                   vm.spec.name,
                   "x86-01",
                   vm.hash,
                   "default",
                   1,
                   {{"domain", to_json(before)}}};
  }
  auto refused = refused_changes(*desired, stored);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0] ==
        "VirtualMachine education/edu-portal-web-1: disks.root size_gib 100 -> 80: disks never "
        "shrink");
  CHECK(refused_changes(*desired, {}).empty());  // nothing stored: nothing to compare
}
