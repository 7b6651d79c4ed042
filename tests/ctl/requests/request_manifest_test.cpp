// The manifests requests ask for, and the state read back as manifests.
#include "ctl/requests/request_manifest.h"

#include <doctest/doctest.h>

#include "ctl/requests/request_apply.h"

namespace xc::test {
namespace {

using nlohmann::json;

ServiceOfferingSpec offering() {
  ServiceOfferingSpec o;
  o.tenants = {"education"};
  o.sizes = {{"small", 2, 4, 40}, {"large", 8, 16, 200}};
  o.images = {"uos-20"};
  o.disk_tier = DiskTier::kHigh;
  o.network = "app";
  o.placement.pool = "p1";
  return o;
}

RequestRecord create(const std::string& size, const std::string& image) {
  RequestRecord r;
  r.id = 12;
  r.action = "create";
  r.offering = "edu";
  r.tenant = "education";
  r.vm = "web-9";
  r.system = "edu-portal";
  r.size = size;
  r.image = image;
  return r;
}

ResourceRecord stored(const std::string& kind, const std::string& tenant, const std::string& name,
                      const json& manifest) {
  ResourceRecord r;
  r.kind = kind;
  r.tenant = tenant;
  r.name = name;
  r.spec_json = json{{"manifest", manifest}}.dump();
  return r;
}

}  // namespace

TEST_CASE("a create request's VM: the size, image, tier, network, placement and labels") {
  auto m = requested_vm_manifest(create("large", "uos-20"), offering());
  REQUIRE(m.ok());
  CHECK(*m == json::parse(R"({
    "apiVersion": "xcloud/v1", "kind": "VirtualMachine",
    "metadata": {"name": "web-9", "tenant": "education",
                 "labels": {"offering": "edu", "request": "12", "system": "edu-portal"}},
    "spec": {"cpus": 8, "memoryGiB": 16, "image": "uos-20",
             "disks": [{"name": "root", "sizeGiB": 200, "tier": "high"}],
             "nics": [{"network": "app"}], "placement": {"pool": "p1"}}})"));
  CHECK(request_owner_set(12) == "request/12");
}

TEST_CASE("a size or image the offering does not have is refused, with a hint") {
  auto size = requested_vm_manifest(create("smal", "uos-20"), offering());
  REQUIRE_FALSE(size.ok());
  CHECK(size.status().code() == Code::kInvalidArgument);
  CHECK(size.status().message() == "--size: offering edu has no size smal (did you mean 'small'?)");
  auto image = requested_vm_manifest(create("small", "kylin"), offering());
  REQUIRE_FALSE(image.ok());
  CHECK(image.status().message().rfind("--image: offering edu does not offer image kylin", 0) == 0);
}

TEST_CASE("a resize changes vCPUs, memory and the root disk only") {
  json vm = {
      {"spec",
       {{"cpus", 2},
        {"memoryGiB", 4},
        {"image", "uos-20"},
        {"disks", {{{"name", "root"}, {"sizeGiB", 40}}, {{"name", "data"}, {"sizeGiB", 9}}}}}}};
  json after = resized_vm_manifest(vm, {"large", 8, 16, 200});
  CHECK(after["spec"]["cpus"] == 8);
  CHECK(after["spec"]["memoryGiB"] == 16);
  CHECK(after["spec"]["disks"][0]["sizeGiB"] == 200);
  CHECK(after["spec"]["disks"][1]["sizeGiB"] == 9);
  CHECK(after["spec"]["image"] == "uos-20");
}

TEST_CASE("the state read back as manifests, with the request's VM laid over it") {
  json tenant = {{"apiVersion", "xcloud/v1"},
                 {"kind", "Tenant"},
                 {"metadata", {{"name", "education"}}},
                 {"spec", {{"displayName", "edu"}, {"quota", {{"vcpu", 4}}}}}};
  json image = {{"apiVersion", "xcloud/v1"},
                {"kind", "Image"},
                {"metadata", {{"name", "uos-20"}}},
                {"spec", {{"arch", "x86_64"}, {"source", "/var/lib/xcloud/images/u.qcow2"}}}};
  json old_vm = {{"apiVersion", "xcloud/v1"},
                 {"kind", "VirtualMachine"},
                 {"metadata", {{"name", "db-1"}, {"tenant", "education"}}},
                 {"spec",
                  {{"cpus", 1},
                   {"memoryGiB", 1},
                   {"image", "uos-20"},
                   {"guest", {{"passwordHash", "<redacted:abc>"}}}}}};
  std::vector<ResourceRecord> records = {stored("Tenant", "", "education", tenant),
                                         stored("Image", "", "uos-20", image),
                                         stored("VirtualMachine", "education", "db-1", old_vm)};
  ServiceOfferingSpec o = offering();
  o.network.clear();
  o.placement = {};
  auto vm = requested_vm_manifest(create("small", "uos-20"), o);
  REQUIRE(vm.ok());
  RequestChange change{"education", "web-9", *vm, "request/12"};
  ManifestSet set = state_manifests(records, change, PriceCaps{});
  for (const auto& e : set.errors) CAPTURE(format_diagnostic(e));
  REQUIRE(set.ok());
  REQUIRE(set.objects.size() == 4);
  CHECK(set.objects[2].meta.name == "db-1");
  CHECK(set.objects[2].as<VirtualMachineSpec>().guest.password_hash.empty());
  CHECK(set.objects[3].meta.name == "web-9");
  CHECK(set.objects[3].as<VirtualMachineSpec>().cpus == 2);
  // A delete leaves the VM out.
  RequestChange remove{"education", "db-1", std::nullopt, "request/3"};
  ManifestSet without = state_manifests(records, remove, PriceCaps{});
  REQUIRE(without.ok());
  CHECK(without.objects.size() == 2);
}

}  // namespace xc::test
