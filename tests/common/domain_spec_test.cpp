#include "common/domain_spec.h"

#include <doctest/doctest.h>

using namespace xc;
using nlohmann::json;

namespace {

json valid_params() {
  return json::parse(R"({
    "tenant": "education/schools", "name": "web-1", "kind": "VirtualMachine",
    "spec_hash": "3f2a9c0d", "generation": 3, "arch": "aarch64", "cpus": 4,
    "memory_mib": 8192, "power": "stopped",
    "disks": [
      {"name": "root", "size_gib": 80, "tier": "high", "image": "/srv/images/kylin.qcow2"},
      {"name": "data", "size_gib": 500, "tier": "normal", "iops": 2000, "bus": "scsi"}],
    "nics": [{"network": "education/app", "mac": "52:54:00:1a:2b:3c", "vlan": 120,
              "ipv4": "10.20.1.15", "ipv6": "auto"}],
    "accelerators": [{"type": "gpu-16g", "pci_address": "0000:3b:00.0"}]})");
}

// The message of the error for params with `path` set to `value`.
std::string refusal(const json::json_pointer& path, const json& value) {
  json params = valid_params();
  params[path] = value;
  auto spec = domain_spec_from_json(params);
  if (spec.ok()) return "accepted";
  CHECK(spec.status().code() == Code::kInvalidArgument);
  return spec.status().message();
}

std::string refusal(const std::string& path, const json& value) {
  return refusal(json::json_pointer(path), value);
}

}  // namespace

TEST_CASE("domain.ensure params parse into a spec with defaults filled in") {
  auto spec = domain_spec_from_json(valid_params());
  REQUIRE(spec.ok());
  CHECK(spec->tenant == "education/schools");
  CHECK(spec->arch == Arch::kAarch64);
  CHECK(spec->power == Power::kStopped);
  REQUIRE(spec->disks.size() == 2);
  CHECK(spec->disks[0].iops == 20000);  // the high tier's maximum
  CHECK(spec->disks[0].bus == "virtio");
  CHECK(spec->disks[1].bus == "scsi");
  CHECK(spec->nics[0].vlan == 120);
  CHECK(spec->accelerators[0].pci_address == "0000:3b:00.0");
}

TEST_CASE("to_json gives back the params the spec came from") {
  auto spec = domain_spec_from_json(valid_params());
  REQUIRE(spec.ok());
  auto again = domain_spec_from_json(to_json(*spec));
  REQUIRE(again.ok());
  CHECK(*again == *spec);
  CHECK(to_json(*spec)["disks"][0]["iops"] == 20000);
}

TEST_CASE("errors name the field and say what was expected") {
  CHECK(refusal("/disks/1/size_gib", "ten") ==
        "params.disks[1].size_gib: expected a positive integer");
  CHECK(refusal("/disks/1/size_gib", 0) == "params.disks[1].size_gib: expected a positive integer");
  CHECK(refusal("/disks/1/size_gib", 1.5) ==
        "params.disks[1].size_gib: expected a positive integer");
  CHECK(refusal("/disks/1/size_gib", 70000) ==
        "params.disks[1].size_gib: expected at most 65536, got 70000");
  CHECK(refusal("/cpus", 18446744073709551615ull) == "params.cpus: expected at most 512");
  CHECK(refusal("/generation", -1) == "params.generation: expected a non-negative integer");
  CHECK(refusal("/nics/0/vlan", 4095) == "params.nics[0].vlan: expected at most 4094, got 4095");
  CHECK(refusal("/tenant", "Education") ==
        "params.tenant: expected lowercase DNS labels joined by '/', such as education/schools");
  CHECK(refusal("/tenant", "education//schools") ==
        "params.tenant: expected lowercase DNS labels joined by '/', such as education/schools");
  CHECK(refusal("/name", "web_1") ==
        "params.name: expected a lowercase DNS label (a-z, 0-9 and '-', at most 63 characters)");
  CHECK(refusal("/name", 5) == "params.name: expected a string");
  CHECK(refusal("/kind", "Volume") == "params.kind: expected VirtualMachine");
  CHECK(refusal("/spec_hash", "3F2A") ==
        "params.spec_hash: expected 1 to 128 lowercase hex digits");
  CHECK(refusal("/spec_hash", "") == "params.spec_hash: expected 1 to 128 lowercase hex digits");
  CHECK(refusal("/arch", "riscv64") == "params.arch: expected x86_64 or aarch64");
  CHECK(refusal("/power", "paused") == "params.power: expected running or stopped");
  CHECK(refusal("/disks/0/tier", "gold") == "params.disks[0].tier: expected normal or high");
  CHECK(refusal("/disks/1/iops", 5000) ==
        "params.disks[1].iops: expected 1000 to 3000 for tier normal");
  CHECK(refusal("/disks/1/name", "root") == "params.disks[1].name: duplicate disk root");
  CHECK(refusal("/disks/1/name", "a-very-long-disk-name") ==
        "params.disks[1].name: expected a lowercase DNS label of at most 20 characters");
  CHECK(refusal("/disks/0/image", "images/kylin.qcow2") ==
        "params.disks[0].image: expected an absolute path without control characters or empty, "
        "'.' or '..' components");
  CHECK(refusal("/disks/1/bus", "ide") == "params.disks[1].bus: expected virtio or scsi");
  CHECK(refusal("/disks/1", "data") == "params.disks[1]: expected an object");
  CHECK(refusal("/disks", json::object()) == "params.disks: expected an array");
  CHECK(refusal("/nics/0/mac", "52:54:00:1A:2B:3C") ==
        "params.nics[0].mac: expected a lowercase unicast MAC address such as 52:54:00:12:34:56");
  CHECK(refusal("/nics/0/mac", "01:00:5e:00:00:01") ==  // multicast
        "params.nics[0].mac: expected a lowercase unicast MAC address such as 52:54:00:12:34:56");
  CHECK(refusal("/nics/0/network", "education/../app") ==
        "params.nics[0].network: expected a network or bridge name ('/'-joined parts of "
        "letters, digits, '.', '_' and '-')");
  CHECK(refusal("/nics/0/ipv4", "fd00::1") == "params.nics[0].ipv4: expected an IPv4 address");
  CHECK(refusal("/nics/0/ipv6", "10.0.0.1") ==
        "params.nics[0].ipv6: expected an IPv6 address or auto");
  CHECK(refusal("/accelerators/0/pci_address", "3b:00.0") ==
        "params.accelerators[0].pci_address: expected a PCI address such as 0000:3b:00.0");
  CHECK(refusal("/accelerators/0/type", "GPU") ==
        "params.accelerators[0].type: expected a type such as gpu-16g");
}

TEST_CASE("missing, unknown and oddly named fields are refused") {
  json params = valid_params();
  params.erase("cpus");
  CHECK(domain_spec_from_json(params).status().message() ==
        "params.cpus: required field is missing");
  CHECK(refusal("/memoryGiB", 8) == "params.memoryGiB: unknown field");
  CHECK(refusal("/disks/0/sizeGiB", 8) == "params.disks[0].sizeGiB: unknown field");
  CHECK(refusal("/evil\x1b[2J", 1) == "params: unknown field with a name that is not plain ASCII");
  CHECK(domain_spec_from_json(json::array()).status().message() == "params: expected an object");
  params = valid_params();
  params["disks"] = json::array();
  for (int i = 0; i < 17; ++i) params["disks"].push_back(valid_params()["disks"][1]);
  CHECK(domain_spec_from_json(params).status().message() == "params.disks: at most 16 entries");
}

TEST_CASE("a tenant path too long for a domain name is refused") {
  std::string tenant(60, 'a');
  tenant += "/" + std::string(60, 'b');
  CHECK(refusal("/tenant", tenant) ==
        "params.tenant: tenant and name make a domain name longer than 120 characters");
}

TEST_CASE("domain and disk file names are derived from validated parts and never collide") {
  DomainSpec spec = *domain_spec_from_json(valid_params());
  CHECK(domain_name(spec) == "xc-education.schools.web-1");
  CHECK(disk_file_name(spec, spec.disks[1]) == "xc-education.schools.web-1.data.qcow2");
  CHECK(disk_path("/var/lib/xcloud/disks", spec, spec.disks[1]) ==
        "/var/lib/xcloud/disks/xc-education.schools.web-1.data.qcow2");
  // With '-' as the separator these pairs would share a domain or a disk file.
  DomainSpec a = spec, b = spec;
  a.tenant = "a-b", a.name = "c";
  b.tenant = "a", b.name = "b-c";
  CHECK(domain_name(a) != domain_name(b));
  a.name = "web", a.disks[0].name = "1-data";
  b.tenant = "a-b", b.name = "web-1", b.disks[0].name = "data";
  CHECK(disk_file_name(a, a.disks[0]) != disk_file_name(b, b.disks[0]));
}

TEST_CASE("text checks refuse control characters, invalid UTF-8 and path tricks") {
  CHECK(is_printable_utf8("教育局 /srv/😀 <>&'\""));
  CHECK_FALSE(is_printable_utf8("a\x01"));
  CHECK_FALSE(is_printable_utf8("a\nb"));
  CHECK_FALSE(is_printable_utf8("\x7f"));
  CHECK_FALSE(is_printable_utf8("\xc2\x85"));      // C1 NEL
  CHECK_FALSE(is_printable_utf8("\xc0\xaf"));      // overlong '/'
  CHECK_FALSE(is_printable_utf8("\xed\xa0\x80"));  // surrogate
  CHECK_FALSE(is_printable_utf8("\xe6\x95"));      // truncated
  CHECK_FALSE(is_printable_utf8("\xef\xbf\xbe"));  // U+FFFE
  CHECK_FALSE(is_printable_utf8(std::string("a\0b", 3)));
  CHECK(is_safe_absolute_path("/srv/教育局/kylin v10.qcow2"));
  CHECK_FALSE(is_safe_absolute_path("/"));
  CHECK_FALSE(is_safe_absolute_path("/srv/../etc/shadow"));
  CHECK_FALSE(is_safe_absolute_path("/srv/./x"));
  CHECK_FALSE(is_safe_absolute_path("/srv//x"));
  CHECK_FALSE(is_safe_absolute_path("/srv/x/"));
  CHECK_FALSE(is_safe_absolute_path("/" + std::string(1024, 'a')));
  CHECK(is_tenant_path("education/schools"));
  CHECK_FALSE(is_tenant_path("education/"));
  CHECK_FALSE(is_dns_label("-web"));
  CHECK(is_bridge_name("xcbr3f9e2d1c0b"));
  CHECK_FALSE(is_bridge_name("xcbr3f9e2d1c0b12"));  // 16 characters
  CHECK(is_unicast_mac("52:54:00:1a:2b:3c"));
  CHECK_FALSE(is_unicast_mac("00:00:00:00:00:00"));
  CHECK_FALSE(is_unicast_mac("52-54-00-1a-2b-3c"));
}

TEST_CASE("PCI addresses parse only in the full lowercase form") {
  auto pci = parse_pci_address("0000:af:1f.7");
  REQUIRE(pci);
  CHECK(pci->domain == 0);
  CHECK(pci->bus == 0xaf);
  CHECK(pci->slot == 0x1f);
  CHECK(pci->function == 7);
  CHECK_FALSE(parse_pci_address("0000:3b:20.0"));  // slot above 0x1f
  CHECK_FALSE(parse_pci_address("0000:3b:00.8"));
  CHECK_FALSE(parse_pci_address("0000:3B:00.0"));
  CHECK_FALSE(parse_pci_address("0000:3b:00.0 "));
  CHECK_FALSE(parse_pci_address("0000-3b-00-0"));
}

TEST_CASE("a NIC's security groups round-trip, the JSON of a NIC without groups is unchanged") {
  json params = valid_params();
  CHECK_FALSE(to_json(*domain_spec_from_json(params))["nics"][0].contains("security_groups"));
  params["nics"][0]["security_groups"] = {"web", "ssh"};
  auto spec = domain_spec_from_json(params);
  REQUIRE(spec.ok());
  CHECK(spec->nics[0].security_groups == std::vector<std::string>{"web", "ssh"});
  CHECK(to_json(*spec)["nics"][0]["security_groups"] == json{"web", "ssh"});
  CHECK(*domain_spec_from_json(to_json(*spec)) == *spec);
  CHECK(refusal("/nics/0/security_groups", "web") ==
        "params.nics[0].security_groups: expected an array");
  CHECK(refusal("/nics/0/security_groups", json{"web", 7}) ==
        "params.nics[0].security_groups[1]: expected a string");
  CHECK(
      refusal("/nics/0/security_groups", json::array({"Web"})) ==
      "params.nics[0].security_groups[0]: expected a security group name (a lowercase DNS label)");
  CHECK(refusal("/nics/0/security_groups", json{"web", "web"}) ==
        "params.nics[0].security_groups[1]: duplicate security group web");
}
