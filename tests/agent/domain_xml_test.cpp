#include "agent/domain_xml.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pugixml.hpp>
#include <sstream>

#include "agent/nic_filter_xml.h"
#include "common/digest.h"
#include "tests/support/string_lists.h"

using namespace xc;
using nlohmann::json;

namespace {

const std::string kGoldenDir = std::string(XC_SOURCE_DIR) + "/tests/data/golden/";

DomainSpec x86_spec() {
  return *domain_spec_from_json(json::parse(R"({
    "tenant": "education/schools", "name": "web-1", "spec_hash": "3f2a9c0d1e4b5a69",
    "generation": 7, "arch": "x86_64", "cpus": 4, "memory_mib": 8192,
    "disks": [
      {"name": "root", "size_gib": 80, "tier": "high", "iops": 5000,
       "image": "/var/lib/xcloud/images/kylin-v10-sp3.qcow2"},
      {"name": "data", "size_gib": 500, "tier": "normal", "iops": 2000}],
    "nics": [{"network": "education/app", "mac": "52:54:00:1a:2b:3c", "vlan": 120,
              "ipv4": "10.20.1.15", "ipv6": "auto", "security_groups": ["web", "ssh"]}],
    "accelerators": [{"type": "gpu-16g", "pci_address": "0000:3b:00.0"}]})"));
}

HostContext x86_kvm_host() {
  HostContext host;
  host.bridges = {{"education/app", "xcbr3f9e2d1c0b"}};
  return host;
}

DomainSpec aarch64_spec() {
  return *domain_spec_from_json(json::parse(R"({
    "tenant": "education", "name": "arm-db-1", "spec_hash": "c0ffee", "generation": 2,
    "arch": "aarch64", "cpus": 2, "memory_mib": 4096, "power": "stopped",
    "disks": [{"name": "root", "size_gib": 40, "tier": "high"},
              {"name": "data", "size_gib": 100, "tier": "normal", "iops": 1500, "bus": "scsi"}],
    "nics": [{"network": "education/db", "mac": "52:54:00:aa:bb:01", "vlan": 130}]})"));
}

// Software emulation on an x86_64 host, with Open vSwitch bridges.
HostContext aarch64_tcg_host() {
  HostContext host;
  host.domain_type = "qemu";
  host.openvswitch = true;
  host.bridges = {{"education/db", "ovsbr0"}};
  return host;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// XC_UPDATE_GOLDEN=1 rewrites the golden files (then read them by hand).
void check_golden(const std::string& xml, const std::string& file) {
  if (std::getenv("XC_UPDATE_GOLDEN")) std::ofstream(kGoldenDir + file, std::ios::binary) << xml;
  CHECK(xml == read_file(kGoldenDir + file));
}

void check_libvirt_schema(const std::string& xml, const std::string& name) {
  if (std::system("command -v virt-xml-validate >/dev/null 2>&1") != 0) return;
  auto path = std::filesystem::temp_directory_path() / ("xc-domain-xml-test-" + name + ".xml");
  std::ofstream(path, std::ios::binary) << xml;
  std::string command = "virt-xml-validate '" + path.string() + "' domain >/dev/null 2>&1";
  CHECK(std::system(command.c_str()) == 0);
  std::filesystem::remove(path);
}

pugi::xml_node select(const pugi::xml_document& doc, const char* xpath) {
  return doc.select_node(xpath).node();
}

}  // namespace

TEST_CASE("an x86_64 domain renders as the golden q35 XML that libvirt's schema accepts") {
  auto xml = render_domain_xml(x86_spec(), x86_kvm_host());
  REQUIRE(xml.ok());
  check_golden(*xml, "domain-x86_64.xml");
  check_libvirt_schema(*xml, "x86_64");
}

TEST_CASE("an aarch64 domain renders as the golden virt + UEFI XML that libvirt's schema accepts") {
  auto xml = render_domain_xml(aarch64_spec(), aarch64_tcg_host());
  REQUIRE(xml.ok());
  check_golden(*xml, "domain-aarch64.xml");
  check_libvirt_schema(*xml, "aarch64");
}

TEST_CASE("the CPU element follows the domain type and arch") {
  HostContext arm_kvm = aarch64_tcg_host();
  arm_kvm.domain_type = "kvm";
  arm_kvm.host_arch = Arch::kAarch64;
  pugi::xml_document doc;
  REQUIRE(doc.load_string(render_domain_xml(aarch64_spec(), arm_kvm)->c_str()));
  CHECK(std::string(select(doc, "/domain/cpu").attribute("mode").value()) == "host-passthrough");
  CHECK(std::string(select(doc, "/domain").attribute("type").value()) == "kvm");

  HostContext x86_tcg = x86_kvm_host();
  x86_tcg.domain_type = "qemu";
  REQUIRE(doc.load_string(render_domain_xml(x86_spec(), x86_tcg)->c_str()));
  CHECK_FALSE(select(doc, "/domain/cpu"));
}

TEST_CASE("a Linux bridge port carries no VLAN tag: the tenant bridge does the tagging") {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(render_domain_xml(x86_spec(), x86_kvm_host())->c_str()));
  CHECK_FALSE(select(doc, "//interface/vlan"));
  CHECK_FALSE(select(doc, "//interface/virtualport"));
  REQUIRE(doc.load_string(render_domain_xml(aarch64_spec(), aarch64_tcg_host())->c_str()));
  CHECK(std::string(select(doc, "//interface/vlan/tag").attribute("id").value()) == "130");
  CHECK(std::string(select(doc, "//interface/virtualport").attribute("type").value()) ==
        "openvswitch");
}

TEST_CASE(
    "every NIC references its own filter with its MAC and addresses, none on the test driver") {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(render_domain_xml(x86_spec(), x86_kvm_host())->c_str()));
  CHECK(doc.select_nodes("//interface/filterref").size() == 1);  // libvirt allows one
  DomainNic nic = x86_spec().nics[0];
  NicFilter filter =
      nic_filter(nic, "xcsgset-" + sha256_hex("education/schools:ssh,web").substr(0, 16));
  CHECK(std::string(select(doc, "//interface/filterref").attribute("filter").value()) ==
        filter.name);
  std::vector<std::string> parameters;
  for (auto p : doc.select_nodes("//interface/filterref/parameter"))
    parameters.push_back(std::string(p.node().attribute("name").value()) + "=" +
                         p.node().attribute("value").value());
  // IPv6 "auto" (SLAAC) is not an address the filter can bind.
  CHECK(parameters == std::vector<std::string>{"MAC=52:54:00:1a:2b:3c", "IP=10.20.1.15"});

  // No groups and no address: still a filter, bound to the MAC.
  REQUIRE(doc.load_string(render_domain_xml(aarch64_spec(), aarch64_tcg_host())->c_str()));
  CHECK(std::string(select(doc, "//interface/filterref").attribute("filter").value()) ==
        nic_filter(aarch64_spec().nics[0], "").name);
  CHECK(doc.select_nodes("//interface/filterref/parameter").size() == 1);
  CHECK(std::string(select(doc, "//interface/filterref/parameter").attribute("value").value()) ==
        "52:54:00:aa:bb:01");

  HostContext test_driver = x86_kvm_host();
  test_driver.domain_type = "test";
  test_driver.network_filters = false;
  REQUIRE(doc.load_string(render_domain_xml(x86_spec(), test_driver)->c_str()));
  CHECK_FALSE(select(doc, "//interface/filterref"));
}

TEST_CASE("a network without a bridge is used as the bridge name only when it is one") {
  DomainSpec spec = x86_spec();
  HostContext host;
  auto xml = render_domain_xml(spec, host);
  REQUIRE_FALSE(xml.ok());
  CHECK(xml.status().code() == Code::kFailedPrecondition);
  CHECK(xml.status().message() ==
        "params.nics[0].network: no bridge for network education/app on this host");
  spec.nics[0].network = "br0";
  pugi::xml_document doc;
  REQUIRE(doc.load_string(render_domain_xml(spec, host)->c_str()));
  CHECK(std::string(select(doc, "//interface/source").attribute("bridge").value()) == "br0");
}

TEST_CASE("the renderer refuses a foreign arch under kvm and unsafe host settings") {
  auto xml = render_domain_xml(aarch64_spec(), x86_kvm_host());
  CHECK(xml.status().code() == Code::kFailedPrecondition);
  CHECK(xml.status().message() ==
        "domain xc-education.arm-db-1: arch aarch64 cannot run under kvm on this x86_64 host "
        "(software emulation needs domain type qemu)");

  HostContext host = x86_kvm_host();
  host.storage_dir = "/var/lib/../etc";
  CHECK(render_domain_xml(x86_spec(), host).status().message() ==
        "host storage_dir: expected an absolute path without control characters");
  host = x86_kvm_host();
  host.domain_type = "xen";
  CHECK(render_domain_xml(x86_spec(), host).status().message() ==
        "host domain_type: expected kvm, qemu or test");
  host = x86_kvm_host();
  host.bridges["education/app"] = "br0;reboot";
  CHECK(render_domain_xml(x86_spec(), host).status().code() == Code::kInvalidArgument);
}

TEST_CASE("the renderer validates specs built in code, not only those from JSON") {
  DomainSpec spec = x86_spec();
  spec.disks[1].name = "data'/><evil";
  auto xml = render_domain_xml(spec, x86_kvm_host());
  CHECK(xml.status().code() == Code::kInvalidArgument);
  CHECK(xml.status().message() ==
        "params.disks[1].name: expected a lowercase DNS label of at most 20 characters");
}

TEST_CASE("the xcloud metadata reads back from the domain XML and from libvirt's fragment") {
  DomainSpec spec = x86_spec();
  XcloudMetadata expected{"xcloud", "VirtualMachine",   "education/schools",
                          "web-1",  "3f2a9c0d1e4b5a69", 7};
  CHECK(xcloud_metadata_of(spec) == expected);
  CHECK(parse_xcloud_metadata(*render_domain_xml(spec, x86_kvm_host())) == expected);
  // virDomainGetMetadata (libvirt 9.0) returns the bare element.
  CHECK(parse_xcloud_metadata(
            "<instance owner=\"xcloud\" kind=\"VirtualMachine\" tenant=\"education/schools\" "
            "name=\"web-1\" spec-hash=\"3f2a9c0d1e4b5a69\" generation=\"7\"/>") == expected);
  // Any prefix bound to the xcloud namespace will do.
  CHECK(parse_xcloud_metadata(
            "<xc:instance xmlns:xc='https://xcloud.local/xmlns/domain/1' owner='xcloud' "
            "kind='VirtualMachine' tenant='education/schools' name='web-1' "
            "spec-hash='3f2a9c0d1e4b5a69' generation='7'/>") == expected);
  CHECK(parse_xcloud_metadata(
            "<metadata><instance xmlns='https://xcloud.local/xmlns/domain/1' owner='xcloud' "
            "kind='VirtualMachine' tenant='education/schools' name='web-1' "
            "spec-hash='3f2a9c0d1e4b5a69' generation='7'/></metadata>") == expected);
  CHECK(xcloud_metadata_fragment(expected) ==
        "<instance owner='xcloud' kind='VirtualMachine' tenant='education/schools' "
        "name='web-1' spec-hash='3f2a9c0d1e4b5a69' generation='7'/>");
}

TEST_CASE("domains without the xcloud element are unmanaged") {
  CHECK_FALSE(parse_xcloud_metadata("<domain type='kvm'><name>legacy</name></domain>"));
  CHECK_FALSE(parse_xcloud_metadata("not xml <"));
  CHECK_FALSE(parse_xcloud_metadata(""));
  // Same element name inside a domain's metadata in another namespace or none.
  CHECK_FALSE(parse_xcloud_metadata(
      "<domain><metadata><x:instance xmlns:x='https://example.com/other' owner='xcloud' "
      "kind='VirtualMachine' tenant='t' name='n' spec-hash='ab' generation='1'/>"
      "</metadata></domain>"));
  CHECK_FALSE(parse_xcloud_metadata(
      "<domain><metadata><instance owner='xcloud' kind='VirtualMachine' tenant='t' name='n' "
      "spec-hash='ab' generation='1'/></metadata></domain>"));
  CHECK_FALSE(parse_xcloud_metadata(
      "<x:instance xmlns:x='https://example.com/other' owner='xcloud' kind='VirtualMachine' "
      "tenant='t' name='n' spec-hash='ab' generation='1'/>"));
  // Another owner, a missing field, a malformed generation.
  const std::string ns =
      "<domain><metadata><xcloud:instance xmlns:xcloud='" + std::string(kXcloudDomainNs) + "' ";
  CHECK_FALSE(
      parse_xcloud_metadata(ns + "owner='other' kind='VirtualMachine' tenant='t' "
                                 "name='n' spec-hash='ab' generation='1'/></metadata></domain>"));
  CHECK_FALSE(parse_xcloud_metadata(ns + "owner='xcloud' kind='VirtualMachine' tenant='t' "
                                         "name='n' generation='1'/></metadata></domain>"));
  CHECK_FALSE(
      parse_xcloud_metadata(ns + "owner='xcloud' kind='VirtualMachine' tenant='t' "
                                 "name='n' spec-hash='ab' generation='-1'/></metadata></domain>"));
  // Only /domain/metadata counts, not an element smuggled elsewhere.
  CHECK_FALSE(parse_xcloud_metadata(
      "<domain><devices><xcloud:instance xmlns:xcloud='" + std::string(kXcloudDomainNs) +
      "' owner='xcloud' kind='VirtualMachine' tenant='t' name='n' spec-hash='ab' "
      "generation='1'/></devices></domain>"));
}
