#include "ctl/reconcile/adopt_manifest.h"

#include <doctest/doctest.h>

using namespace xc;
using nlohmann::json;

namespace {

// What domain.inspect reports of a plain qcow2 VM on an xcloud network's bridge.
json inspected() {
  return {{"domain", "legacy-erp"},
          {"uuid", "6695eb01-f6a4-8304-79aa-97f2502e193f"},
          {"state", "running"},
          {"id", 3},
          {"persistent", true},
          {"managed", false},
          {"arch", "x86_64"},
          {"cpus", 2},
          {"memoryKiB", 4 << 20},
          {"disks",
           {{{"device", "disk"},
             {"type", "file"},
             {"target", "vda"},
             {"bus", "virtio"},
             {"format", "qcow2"},
             {"path", "/var/lib/libvirt/images/erp.qcow2"},
             {"pool", "default"},
             {"volume", ""},
             {"capacityBytes", int64_t{20} << 30}},
            {{"device", "cdrom"},
             {"type", "file"},
             {"target", "sda"},
             {"bus", "sata"},
             {"format", "raw"},
             {"path", ""},
             {"pool", ""},
             {"volume", ""},
             {"capacityBytes", -1}}}},
          {"diskCount", 2},
          {"nics",
           {{{"type", "bridge"},
             {"source", "xcbr0123456789"},
             {"mac", "52:54:00:aa:bb:cc"},
             {"model", "virtio"},
             {"addresses", {"fe80::1", "10.20.1.77"}}}}},
          {"nicCount", 1},
          {"hostdevCount", 0}};
}

AdoptTarget target() {
  return {"x86-01", "education", "erp", "gov-extranet", "erlonglu", {{"xcbr0123456789", "app"}}};
}

}  // namespace

TEST_CASE("adopt manifest: a domain becomes a VirtualMachine with its sizes, disks and NICs") {
  AdoptedManifest m = adopt_manifest(inspected(), target());
  CHECK(m.problems.empty());
  CHECK(m.warnings.empty());
  CHECK(m.notes == std::vector<std::string>{
                       "disk vda: /var/lib/libvirt/images/erp.qcow2, volume of pool default"});
  CHECK(m.manifest == json::parse(R"({
    "apiVersion": "xcloud/v1", "kind": "VirtualMachine",
    "metadata": {"name": "legacy-erp", "tenant": "education", "labels": {"system": "erp"}},
    "spec": {
      "adoptedFrom": {"host": "x86-01", "uuid": "6695eb01-f6a4-8304-79aa-97f2502e193f"},
      "arch": "x86_64", "cpus": 2, "memoryGiB": 4, "power": "running",
      "disks": [{"name": "vda", "sizeGiB": 20, "tier": "normal",
                 "path": "/var/lib/libvirt/images/erp.qcow2"}],
      "nics": [{"network": "app", "mac": "52:54:00:aa:bb:cc", "ipv4": "10.20.1.77"}],
      "placement": {"zone": "gov-extranet", "pool": "erlonglu"}}})"));
}

TEST_CASE("adopt manifest: a stopped domain without known addresses is written with a warning") {
  json d = inspected();
  d["state"] = "stopped";
  d["nics"][0]["addresses"] = json::array();
  AdoptedManifest m = adopt_manifest(d, target());
  REQUIRE(m.problems.empty());
  CHECK(m.manifest["spec"]["power"] == "stopped");
  CHECK_FALSE(m.manifest["spec"]["nics"][0].contains("ipv4"));
  REQUIRE(m.warnings.size() == 1);
  CHECK(m.warnings[0].find("nic 0 (52:54:00:aa:bb:cc): address unknown") == 0);
}

TEST_CASE("adopt manifest: what xcloud cannot represent is reported, every reason, no manifest") {
  json d = inspected();
  d["memoryKiB"] = 1536 * 1024;
  d["disks"][0]["format"] = "raw";
  d["disks"][0]["capacityBytes"] = (int64_t{20} << 30) + 512;
  d["disks"][1]["path"] = "/isos/setup.iso";
  d["nics"][0]["type"] = "network";
  d["nics"][0]["source"] = "default";
  d["hostdevCount"] = 1;
  AdoptedManifest m = adopt_manifest(d, target());
  CHECK(m.manifest.is_null());
  std::string all;
  for (const auto& p : m.problems) all += p + "\n";
  CHECK(all ==
        "memory 1536 MiB is not a whole number of GiB from 1 to 4096\n"
        "1 passed-through host device(s)\n"
        "disk vda: format 'raw' (xcloud's disks are qcow2)\n"
        "disk vda: 21474836992 bytes is not a whole number of GiB from 1 to 65536\n"
        "disk sda: a cdrom with media (eject it first)\n"
        "nic 0: network 'default' is not the bridge of a network of tenant education\n");
}

TEST_CASE("adopt manifest: libvirt's names are untrusted: checked, and shown escaped") {
  json d = inspected();
  d["domain"] = "Legacy_ERP\x1b[2J";
  d["disks"][0]["path"] = "/var/lib/../../etc/shadow";
  d["disks"][0]["target"] = "vd\na";
  d["nics"][0]["mac"] = "52:54:00:AA:BB:CC";
  d["uuid"] = "not-a-uuid";
  AdoptedManifest m = adopt_manifest(d, target());
  CHECK(m.manifest.is_null());
  std::string all;
  for (const auto& p : m.problems) all += p + "\n";
  CHECK(all.find("its name is not a valid xcloud name") != std::string::npos);
  CHECK(all.find("its UUID is not libvirt's form") != std::string::npos);
  CHECK(all.find("disk vd\\na: target name is not a disk name xcloud can use") !=
        std::string::npos);
  CHECK(all.find("path '/var/lib/../../etc/shadow' is not an absolute path xcloud can keep") !=
        std::string::npos);
  CHECK(all.find("MAC '52:54:00:AA:BB:CC' is not a lowercase unicast MAC") != std::string::npos);
  CHECK(all.find('\x1b') == std::string::npos);
}

TEST_CASE("adopt manifest: a managed or transient domain is refused") {
  json d = inspected();
  d["managed"] = true;
  d["persistent"] = false;
  AdoptedManifest m = adopt_manifest(d, target());
  CHECK(m.problems == std::vector<std::string>{
                          "xcloud manages it already",
                          "it is transient; define it first ('virsh dumpxml' + 'virsh define')"});
}
