#include "ctl/ha/ha_warnings.h"

#include <doctest/doctest.h>

#include "common/price_caps.h"
#include "common/yaml_document.h"

using namespace xc;

namespace {

// The zone, tenant and image every set refers to (9 lines).
const std::string kBase =
    "apiVersion: xcloud/v1\nkind: Zone\nmetadata: {name: gov}\nspec: {displayName: Gov}\n"
    "---\napiVersion: xcloud/v1\nkind: Tenant\nmetadata: {name: edu}\nspec: {displayName: Edu}\n"
    "---\napiVersion: xcloud/v1\nkind: Image\nmetadata: {name: uos-20}\nspec: {arch: x86_64, "
    "os: UOS, format: qcow2, source: /var/lib/xcloud/images/uos-20.qcow2, visibility: global}\n";

ManifestSet manifests(const std::string& text) {
  YamlParse p = parse_yaml(kBase + text, "cloud.yaml");
  ManifestSet set =
      validate_documents(std::move(p.documents), std::move(p.errors), builtin_price_caps());
  for (const auto& e : set.errors) FAIL(format_diagnostic(e));
  return set;
}

std::string pool(const std::string& name, const std::string& extra) {
  return "---\napiVersion: xcloud/v1\nkind: Pool\nmetadata: {name: " + name +
         "}\nspec: {zone: gov" + extra + "}\n";
}

std::string vm_manifest(const std::string& name, const std::string& ha,
                        const std::string& placement) {
  return "---\napiVersion: xcloud/v1\nkind: VirtualMachine\nmetadata: {name: " + name +
         ", tenant: edu}\nspec:\n  cpus: 1\n  memoryGiB: 1\n  image: uos-20\n  disks:\n"
         "    - {name: root, sizeGiB: 10, tier: normal}\n" +
         placement + ha;
}

}  // namespace

TEST_CASE("ha: restart in a pool without sharedStorage is a warning at the field") {
  ManifestSet set = manifests(pool("p1", "") +
                              vm_manifest("web-1", "  ha: restart\n", "  placement: {pool: p1}\n"));
  auto w = ha_warnings(set);
  REQUIRE(w.size() == 1);
  CHECK(format_warning(w[0]) ==
        "cloud.yaml:31:3: warning: VirtualMachine edu/web-1: ha: restart is not protectable: "
        "pool p1 has no sharedStorage, so its disks are not reachable from another host; HA "
        "will not restart it");
}

TEST_CASE("shared storage, ha off, or no ha field: no warning") {
  CHECK(ha_warnings(manifests(pool("p1", ", sharedStorage: /srv/disks") +
                              vm_manifest("web-1", "  ha: restart\n", "  placement: {pool: p1}\n")))
            .empty());
  CHECK(
      ha_warnings(manifests(pool("p1", "") + vm_manifest("web-1", "  ha: \"off\"\n", ""))).empty());
  CHECK(ha_warnings(manifests(pool("p1", "") + vm_manifest("web-1", "", ""))).empty());
}

TEST_CASE("a VM without a pool may land in any pool: those without sharedStorage are named") {
  auto w = ha_warnings(manifests(pool("p1", ", sharedStorage: /srv/disks") + pool("p2", "") +
                                 vm_manifest("web-1", "  ha: restart\n", "")));
  REQUIRE(w.size() == 1);
  CHECK(w[0].message.find("pool(s) without sharedStorage (p2); set spec.placement.pool") !=
        std::string::npos);
}
