#include <doctest/doctest.h>

#include <pugixml.hpp>

#include "agent/domain_xml.h"

using namespace xc;
using nlohmann::json;

namespace {

DomainSpec spec(const char* arch, bool scsi_data) {
  json p = {{"tenant", "education"}, {"name", "web-1"},
            {"spec_hash", "ab"},     {"generation", 1},
            {"arch", arch},          {"cpus", 1},
            {"memory_mib", 512},     {"guest", {{"hostname", "web-1"}}}};
  p["disks"] = json::array({{{"name", "root"}, {"size_gib", 10}, {"tier", "normal"}}});
  if (scsi_data)
    p["disks"].push_back({{"name", "data"}, {"size_gib", 10}, {"tier", "normal"}, {"bus", "scsi"}});
  auto parsed = domain_spec_from_json(p);
  REQUIRE(parsed.ok());
  return *parsed;
}

pugi::xml_node cdrom(pugi::xml_document& doc, const DomainSpec& s, const HostContext& host) {
  auto xml = render_domain_xml(s, host);
  REQUIRE(xml.ok());
  REQUIRE(doc.load_string(xml->c_str()));
  return doc.select_node("/domain/devices/disk[@device='cdrom']").node();
}

}  // namespace

TEST_CASE("a guest section adds the seed as a read-only SATA CD-ROM on q35") {
  HostContext host;
  host.storage_dir = "/srv/xcloud";
  pugi::xml_document doc;
  pugi::xml_node disk = cdrom(doc, spec("x86_64", true), host);
  REQUIRE(disk);
  CHECK(std::string(disk.attribute("type").value()) == "file");
  CHECK(std::string(disk.child("source").attribute("file").value()) ==
        "/srv/xcloud/xc-education.web-1.cidata.iso");
  CHECK(std::string(disk.child("target").attribute("bus").value()) == "sata");
  CHECK(std::string(disk.child("target").attribute("dev").value()) == "sdb");  // after sda (scsi)
  CHECK(std::string(disk.child("driver").attribute("type").value()) == "raw");
  CHECK(disk.child("readonly"));
}

TEST_CASE("the CD-ROM is IDE on pc machines and SCSI (with its controller) on aarch64 virt") {
  HostContext pc;
  pc.x86_machine = "pc-i440fx-7.2";
  pugi::xml_document a;
  CHECK(std::string(cdrom(a, spec("x86_64", false), pc).child("target").attribute("bus").value()) ==
        "ide");
  HostContext arm;
  arm.domain_type = "qemu";
  pugi::xml_document b;
  pugi::xml_node disk = cdrom(b, spec("aarch64", false), arm);
  CHECK(std::string(disk.child("target").attribute("bus").value()) == "scsi");
  CHECK(std::string(disk.child("target").attribute("dev").value()) == "sda");
  CHECK(b.select_node("/domain/devices/controller[@type='scsi'][@model='virtio-scsi']"));
}

TEST_CASE("a spec without a guest section has no CD-ROM") {
  DomainSpec s = spec("x86_64", false);
  s.guest.reset();
  pugi::xml_document doc;
  CHECK_FALSE(cdrom(doc, s, HostContext{}));
}
