#include "ctl/images/ova_package.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

namespace xc {

TEST_CASE("ova_package: plain regular members are listed with their sizes") {
  auto m = parse_ova_listing(
      "-rw-r--r-- 0/0 1234 2026-12-04 14:04:39 oa.ovf\n"
      "-rw-r--r-- 0/0 1114112 2026-12-04 14:04:39 oa-disk1.vmdk\n",
      1 << 30);
  REQUIRE(m.ok());
  REQUIRE(m->size() == 2);
  CHECK((*m)[1].name == "oa-disk1.vmdk");
  CHECK((*m)[1].bytes == 1114112);
}

TEST_CASE("ova_package: paths, links, directories, duplicates and oversize are refused") {
  auto problem = [](const std::string& listing, int64_t max = 1 << 30) {
    auto m = parse_ova_listing(listing, max);
    return m.ok() ? std::string() : m.status().message();
  };
  CHECK(problem("-rw-r--r-- 0/0 1 2026-12-04 14:04:39 ../x.vmdk\n").find("no path") !=
        std::string::npos);
  CHECK(problem("-rw-r--r-- 0/0 1 2026-12-04 14:04:39 a/x.vmdk\n").find("no path") !=
        std::string::npos);
  CHECK(problem("lrwxrwxrwx 0/0 0 2026-12-04 14:04:39 x.vmdk -> /etc/passwd\n")
            .find("not a regular file") != std::string::npos);
  CHECK(problem("drwxr-xr-x 0/0 0 2026-12-04 14:04:39 d/\n").find("not a regular file") !=
        std::string::npos);
  CHECK(problem("-rw-r--r-- 0/0 1 2026-12-04 14:04:39 a.ovf\n"
                "-rw-r--r-- 0/0 1 2026-12-04 14:04:39 a.ovf\n")
            .find("twice") != std::string::npos);
  CHECK(problem("-rw-r--r-- 0/0 2048 2026-12-04 14:04:39 a.vmdk\n", 1024).find("more than") !=
        std::string::npos);
  // Sizes near INT64_MAX: refused, never summed past it.
  CHECK(problem("-rw-r--r-- 0/0 1000 2026-12-04 14:04:39 a.ovf\n"
                "-rw-r--r-- 0/0 9223372036854775800 2026-12-04 14:04:39 a.vmdk\n",
                INT64_MAX - 10)
            .find("more than") != std::string::npos);
  CHECK(problem("-rw-r--r-- 0/0 -5 2026-12-04 14:04:39 a.ovf\n") ==
        "the OVA's tar listing is not understood");
  CHECK(problem("") == "the OVA is empty");
  CHECK(problem("garbage\n") == "the OVA's tar listing is not understood");
}

TEST_CASE("ova_package: the OVF gives its disks in order, CPUs and memory") {
  auto h = parse_ovf(R"(<Envelope xmlns:ovf="o" xmlns:rasd="r">
    <References><File ovf:id="iso" ovf:href="tools.iso"/><File ovf:id="f1" ovf:href="d1.vmdk"/>
      <File ovf:id="f2" ovf:href="d2.vmdk"/></References>
    <DiskSection><Disk ovf:diskId="a" ovf:fileRef="f1"/><Disk ovf:diskId="b" ovf:fileRef="f2"/></DiskSection>
    <VirtualSystem><VirtualHardwareSection>
      <Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>4</rasd:VirtualQuantity></Item>
      <Item><rasd:AllocationUnits>byte * 2^30</rasd:AllocationUnits>
        <rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>8</rasd:VirtualQuantity></Item>
    </VirtualHardwareSection></VirtualSystem></Envelope>)");
  REQUIRE(h.ok());
  CHECK(h->disk_files == std::vector<std::string>{"d1.vmdk", "d2.vmdk"});
  CHECK(h->cpus == 4);
  CHECK(h->memory_mib == 8192);
  CHECK_FALSE(parse_ovf("not xml <").ok());
  CHECK_FALSE(parse_ovf("<Envelope/>").ok());
  // A File that is no Disk's (an ISO) is not a disk; a Disk naming no File is refused.
  auto iso_only = parse_ovf(
      R"(<Envelope><References><File id="iso" href="tools.iso"/></References></Envelope>)");
  REQUIRE_FALSE(iso_only.ok());
  CHECK(iso_only.status().message() == "the .ovf names no disk (DiskSection/Disk)");
  auto dangling = parse_ovf(
      R"(<Envelope><References/><DiskSection><Disk fileRef="f9"/></DiskSection></Envelope>)");
  REQUIRE_FALSE(dangling.ok());
  CHECK(dangling.status().message().find("'f9'") != std::string::npos);
  // Memory near INT64_MAX GiB is ignored, not overflowed.
  auto huge = parse_ovf(R"(<Envelope><References><File id="f" href="d.vmdk"/></References>
    <DiskSection><Disk fileRef="f"/></DiskSection><Item><AllocationUnits>byte * 2^30</AllocationUnits>
    <ResourceType>4</ResourceType><VirtualQuantity>9223372036854775807</VirtualQuantity></Item></Envelope>)");
  REQUIRE(huge.ok());
  CHECK(huge->memory_mib == 0);
}

}  // namespace xc
