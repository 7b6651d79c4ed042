#include "common/manifest_validator.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "tests/support/string_lists.h"

using namespace xc;

namespace {

std::string base_cloud() {
  std::ifstream in(std::string(XC_SOURCE_DIR) + "/tests/data/base/cloud.yaml");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Validates the base cloud plus `text` (as case.yaml); returns the errors, formatted.
std::vector<std::string> errors_for(const std::string& text) {
  static const std::string base = base_cloud();
  YamlParse a = parse_yaml(base, "base.yaml");
  YamlParse b = parse_yaml(text, "case.yaml");
  for (auto& d : b.documents) a.documents.push_back(std::move(d));
  for (auto& e : b.errors) a.errors.push_back(std::move(e));
  ManifestSet set =
      validate_documents(std::move(a.documents), std::move(a.errors), builtin_price_caps());
  std::vector<std::string> out;
  for (const auto& e : set.errors) out.push_back(format_diagnostic(e));
  return out;
}

using Lines = std::vector<std::string>;

const char* kVmHead = R"(apiVersion: xcloud/v1
kind: VirtualMachine
metadata: {name: vm-1, tenant: education}
spec:
)";

std::vector<std::string> vm_errors(const std::string& spec_lines) {
  return errors_for(kVmHead + spec_lines);
}

}  // namespace

TEST_CASE("the base cloud is valid and Chinese display names are fine") {
  CHECK(errors_for("") == Lines{});
}

TEST_CASE("an unknown field is reported at its key with a spelling hint") {
  CHECK(vm_errors("  cpus: 2\n  memoryGiB: 4\n  image: uos-20\n  disks: [{name: root, sizeGiB: 10, "
                  "tier: normal}]\n  imgae: x\n") ==
        Lines{"case.yaml:9:3: error: unknown field 'imgae' in VirtualMachine spec (did you mean "
              "'image'?)"});
}

TEST_CASE("every unknown field of an object is reported, not just the first") {
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: Zone\nmetadata: {name: z, nmae: y}\nspec: "
                   "{displayname: Z, colour: red}\n") ==
        Lines{"case.yaml:3:21: error: unknown field 'nmae' in Zone metadata (did you mean 'name'?)",
              "case.yaml:4:8: error: unknown field 'displayname' in Zone spec (did you mean "
              "'displayName'?)",
              "case.yaml:4:24: error: unknown field 'colour' in Zone spec"});
}

TEST_CASE("a missing required field points at the object that lacks it") {
  CHECK(vm_errors(
            "  cpus: 2\n  image: uos-20\n  disks: [{name: root, sizeGiB: 10, tier: normal}]\n") ==
        Lines{"case.yaml:5:3: error: missing required field 'spec.memoryGiB' in VirtualMachine"});
}

TEST_CASE("a value of the wrong type names the expected type and the value") {
  CHECK(vm_errors("  cpus: two\n  memoryGiB: 4.5\n  image: uos-20\n  disks: [{name: root, sizeGiB: "
                  "10, tier: normal}]\n") ==
        Lines{"case.yaml:5:9: error: field 'spec.cpus' must be an integer, got string 'two'",
              "case.yaml:6:14: error: field 'spec.memoryGiB' must be an integer, got number 4.5"});
}

TEST_CASE("enum and range violations give the allowed values") {
  CHECK(vm_errors("  cpus: 0\n  memoryGiB: 4\n  image: uos-20\n  disks: [{name: root, sizeGiB: 10, "
                  "tier: fast}]\n  power: runing\n") ==
        Lines{"case.yaml:5:9: error: field 'spec.cpus' must be at least 1, got integer 0",
              "case.yaml:8:43: error: field 'spec.disks[0].tier' must be one of normal or high, "
              "got 'fast'",
              "case.yaml:9:10: error: field 'spec.power' must be one of running or stopped, got "
              "'runing' (did you mean 'running'?)"});
}

TEST_CASE("names must be lowercase DNS labels") {
  CHECK(
      errors_for("apiVersion: xcloud/v1\nkind: Zone\nmetadata: {name: Gov_Zone}\nspec: {}\n") ==
      Lines{"case.yaml:3:18: error: field 'metadata.name' has invalid value 'Gov_Zone': expected a "
            "lowercase DNS label: a-z, 0-9 and '-', starting and ending with a letter or digit, at "
            "most 63 characters"});
}

TEST_CASE("apiVersion and kind are checked first") {
  CHECK(errors_for("apiVersion: xcloud/v2\nkind: Zone\nmetadata: {name: z}\nspec: {}\n") ==
        Lines{"case.yaml:1:13: error: unsupported apiVersion string 'xcloud/v2' (expected "
              "'xcloud/v1')"});
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: Zoen\nmetadata: {name: z}\n") ==
        Lines{"case.yaml:2:7: error: unknown kind 'Zoen' (did you mean 'Zone'?)"});
}

TEST_CASE("names are unique per kind and tenant") {
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: PlacementGroup\nmetadata: {name: web, tenant: "
                   "education}\nspec: {policy: affinity}\n") ==
        Lines{"case.yaml:3:18: error: duplicate PlacementGroup 'web' in tenant education (first "
              "defined at base.yaml:93:18)"});
  // The same name in another tenant is a different object.
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: PlacementGroup\nmetadata: {name: web, tenant: "
                   "health}\nspec: {policy: affinity}\n") == Lines{});
}

TEST_CASE("references must resolve, with a hint for near misses") {
  CHECK(
      vm_errors("  cpus: 2\n  memoryGiB: 4\n  image: uos-2\n  disks: [{name: root, sizeGiB: 10, "
                "tier: normal}]\n"
                "  nics: [{network: ap, securityGroups: [webb]}]\n  placement: {zone: gov, pool: "
                "erlonglu, group: db}\n") ==
      Lines{"case.yaml:7:10: error: unknown image 'uos-2' (did you mean 'uos-20'?)",
            "case.yaml:9:20: error: unknown network 'ap' in tenant education (did you mean 'app'?)",
            "case.yaml:9:41: error: unknown security group 'webb' in tenant education (did you "
            "mean 'web'?)",
            "case.yaml:10:21: error: unknown zone 'gov'",
            "case.yaml:10:49: error: unknown placement group 'db' in tenant education"});
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: Network\nmetadata: {name: n, tenant: "
                   "eduction}\nspec: {zone: gov-extranet, vlan: 9}\n") ==
        Lines{"case.yaml:3:29: error: unknown tenant 'eduction' (did you mean 'education'?)"});
}

TEST_CASE("a nested tenant needs its parent, and its quota stays within the parent's") {
  CHECK(
      errors_for(
          "apiVersion: xcloud/v1\nkind: Tenant\nmetadata: {name: culture/museums}\nspec: {}\n") ==
      Lines{"case.yaml:3:18: error: parent tenant 'culture' of 'culture/museums' is not declared"});
  CHECK(
      errors_for("apiVersion: xcloud/v1\nkind: Tenant\nmetadata: {name: education/colleges}\nspec: "
                 "{quota: {vcpu: 100, accelerators: {gpu-16g: 3}}}\n") ==
      Lines{"case.yaml:4:22: error: quota vcpu 100 exceeds parent tenant education's 64",
            "case.yaml:4:51: error: quota accelerators.gpu-16g 3 exceeds parent tenant education's "
            "2"});
}

TEST_CASE("disk IOPS stay inside the tier's range and default to its upper bound") {
  CHECK(vm_errors("  cpus: 2\n  memoryGiB: 4\n  image: uos-20\n  disks: [{name: root, sizeGiB: 10, "
                  "tier: normal, iops: 5000}, {name: d, sizeGiB: 1, tier: high, iops: 2000}]\n") ==
        Lines{"case.yaml:8:57: error: iops 5000 is outside tier normal's range 1000-3000",
              "case.yaml:8:104: error: iops 2000 is outside tier high's range 3000-20000"});
  YamlParse p = parse_yaml(base_cloud(), "base.yaml");
  ManifestSet set = validate_documents(std::move(p.documents), {}, builtin_price_caps());
  REQUIRE(set.ok());
  const Object& vm = set.objects.back();
  CHECK(vm.as<VirtualMachineSpec>().disks.at(0).iops == 20000);
}

TEST_CASE("addresses are checked for syntax, subnet, gateway and duplicates") {
  CHECK(vm_errors("  cpus: 2\n  memoryGiB: 4\n  image: uos-20\n  disks: [{name: root, sizeGiB: 10, "
                  "tier: normal}]\n"
                  "  nics:\n    - {network: app, ipv4: 10.20.1.300}\n    - {network: app, ipv4: "
                  "10.30.1.5}\n"
                  "    - {network: app, ipv4: 10.20.1.10}\n    - {network: app, ipv4: 10.20.1.1, "
                  "ipv6: \"fd00:20:2::5\"}\n") ==
        Lines{"case.yaml:10:28: error: invalid IPv4 address '10.20.1.300'",
              "case.yaml:11:28: error: address 10.30.1.5 is outside network education/app's subnet "
              "10.20.1.0/24",
              "case.yaml:12:28: error: vm \"education/vm-1\" nic 2: address 10.20.1.10 is already "
              "held by vm \"education/web-1\" nic 0 (base.yaml:107:31)",
              "case.yaml:13:28: error: address 10.20.1.1 is the gateway of network education/app",
              "case.yaml:13:45: error: address fd00:20:2::5 is outside network education/app's "
              "subnet fd00:20:1::/64"});
}

TEST_CASE("tenants never share a network or a segment") {
  CHECK(vm_errors("  cpus: 2\n  memoryGiB: 4\n  image: uos-20\n  disks: [{name: root, sizeGiB: 10, "
                  "tier: normal}]\n  nics: [{network: health/app}]\n") ==
        Lines{"case.yaml:9:20: error: network 'health/app' belongs to tenant health; a VM of "
              "tenant education cannot attach to it (tenant isolation)"});
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: Network\nmetadata: {name: db, tenant: "
                   "education}\nspec: {zone: gov-extranet, vlan: 120, vxlan: 7}\n"
                   "---\napiVersion: xcloud/v1\nkind: Network\nmetadata: {name: db2, tenant: "
                   "education}\nspec: {zone: gov-extranet, vlan: 120}\n") ==
        Lines{"case.yaml:4:34: error: network 'db' needs exactly one of 'vlan' or 'vxlan'",
              "case.yaml:9:34: error: vlan 120 in zone gov-extranet is already used by network "
              "education/app"});
}

TEST_CASE("prices may not exceed the tender caps") {
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: PriceList\nmetadata: {name: p2}\nspec:\n  "
                   "currency: CNY\n  effectiveFrom: '2026-07-01'\n"
                   "  prices: {vcpu: 12.5, vpcu: 1, storage-high: '0.61', gpu-16g: 300}\n") ==
        Lines{"case.yaml:7:18: error: price 12.5 for vcpu exceeds the tender cap 12 CNY per vCPU "
              "per month",
              "case.yaml:7:24: error: unknown price item 'vpcu' (did you mean 'vcpu'?)",
              "case.yaml:7:47: error: price 0.61 for storage-high exceeds the tender cap 0.6 CNY "
              "per GB per month"});
}

TEST_CASE("zones are checked against every ancestor, also when reached through a pool") {
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: Network\nmetadata: {name: n2, tenant: "
                   "health}\nspec: {zone: gov-extranet, vlan: 7}\n") ==
        Lines{"case.yaml:4:14: error: zone 'gov-extranet' is not allowed for tenant health"});
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: Volume\nmetadata: {name: v, tenant: "
                   "health}\nspec: {sizeGiB: 1, tier: normal, placement: {pool: erlonglu}}\n") ==
        Lines{"case.yaml:4:52: error: pool 'erlonglu' is in zone gov-extranet, which is not "
              "allowed for tenant health"});
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: Tenant\nmetadata: {name: "
                   "education/schools/primary}\nspec: {zones: [internet], quota: {vms: 100}}\n") ==
        Lines{"case.yaml:4:16: error: zone 'internet' is not allowed for parent tenant education",
              "case.yaml:4:40: error: quota vms 100 exceeds ancestor tenant education's 20"});
}

TEST_CASE("prices must be exact decimals and dates real ones") {
  CHECK(errors_for("apiVersion: xcloud/v1\nkind: PriceList\nmetadata: {name: p3}\nspec: {currency: "
                   "CNY, effectiveFrom: '2026-02-29', prices: {gpu-8g: 1e3}}\n") ==
        Lines{"case.yaml:4:38: error: effectiveFrom '2026-02-29' is not a valid date",
              "case.yaml:4:69: error: price '1e3' for gpu-8g is not a decimal number with at most "
              "6 decimals"});
}

TEST_CASE("one domain is adopted by one VM only") {
  auto vm = [](const std::string& name, const std::string& host) {
    return std::string(kVmHead).replace(std::string(kVmHead).find("vm-1"), 4, name) +
           "  adoptedFrom: {host: " + host +
           ", uuid: 6695eb01-f6a4-8304-79aa-97f2502e193f}\n  cpus: 2\n  memoryGiB: 4\n"
           "  disks: [{name: vda, sizeGiB: 20, tier: normal, path: /srv/" +
           name + ".qcow2}]\n";
  };
  CHECK(errors_for(vm("erp", "x86-01") + "---\n" + vm("erp-copy", "x86-01")) ==
        Lines{"case.yaml:14:37: error: domain 6695eb01-f6a4-8304-79aa-97f2502e193f on host x86-01 "
              "is already adopted by VirtualMachine education/erp"});
}

TEST_CASE("a YAML syntax error in one file does not hide errors in others") {
  auto errors = errors_for("apiVersion: xcloud/v1\nkind: Zone\nmetadata: {name: [z\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("case.yaml:4:1: error: invalid YAML: ", 0) == 0);
}

TEST_CASE("an adopted VM keeps its disks' paths and has no image, other VMs need an image") {
  const std::string adopted =
      "  adoptedFrom: {host: x86-01, uuid: 6695eb01-f6a4-8304-79aa-97f2502e193f}\n"
      "  cpus: 2\n  memoryGiB: 4\n";
  CHECK(vm_errors(adopted +
                  "  disks: [{name: vda, sizeGiB: 20, tier: normal, path: /srv/a.qcow2}]\n") ==
        Lines{});
  CHECK(vm_errors(adopted + "  image: uos-20\n  disks: [{name: vda, sizeGiB: 20, tier: normal}]\n"
                            "  guest: {hostname: erp}\n") ==
        Lines{"case.yaml:8:10: error: an adopted VM (adoptedFrom) keeps its own disks; it has no "
              "image",
              "case.yaml:9:11: error: missing required field 'spec.disks[0].path' (an adopted "
              "VM's disks keep their files)",
              "case.yaml:10:10: error: an adopted VM (adoptedFrom) has no NoCloud seed (guest)"});
  CHECK(vm_errors("  adoptedFrom: {host: x86-09, uuid: 6695eb01-f6a4-8304-79aa-97f2502e193f}\n"
                  "  cpus: 2\n  memoryGiB: 4\n  disks: [{name: vda, sizeGiB: 20, tier: normal, "
                  "path: /srv/../etc/a}]\n") ==
        Lines{"case.yaml:5:23: error: unknown host 'x86-09' (did you mean 'x86-01'?)",
              "case.yaml:8:56: error: expected an absolute path without control characters or "
              "empty, '.' or '..' components"});
  CHECK(vm_errors("  cpus: 2\n  memoryGiB: 4\n  image: uos-20\n  disks: [{name: root, sizeGiB: 10, "
                  "tier: normal, path: /srv/a.qcow2}]\n") ==
        Lines{"case.yaml:8:57: error: only an adopted VM (adoptedFrom) keeps a disk's own path"});
}
