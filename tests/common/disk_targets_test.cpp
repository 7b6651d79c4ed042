#include "common/disk_targets.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("disk_targets: virtio disks vda.., SCSI disks sda.., in spec order") {
  CHECK(target_dev("vd", 0) == "vda");
  CHECK(target_dev("vd", 25) == "vdz");
  CHECK(target_dev("vd", 26) == "vdaa");
  DomainSpec spec;
  for (const char* bus : {"virtio", "scsi", "virtio", "scsi"}) {
    DomainDisk d;
    d.bus = bus;
    spec.disks.push_back(d);
  }
  CHECK(disk_targets(spec) == std::vector<std::string>{"vda", "sda", "vdb", "sdb"});
  CHECK(disk_targets(DomainSpec{}).empty());
}
