#include "agent/snapshot_files.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("a snapshot's overlay sits beside its disk and leads back to it") {
  std::string disk = "/var/lib/xcloud/disks/xc-edu.web-1.root.qcow2";
  std::string overlay = overlay_path(disk, "before-upgrade");
  CHECK(overlay == "/var/lib/xcloud/disks/xc-edu.web-1.root.snap-before-upgrade.qcow2");
  CHECK(base_disk_of(overlay) == disk);
  CHECK(base_disk_of(disk) == disk);
  CHECK(is_disk_or_overlay(overlay, disk));
  CHECK(is_disk_or_overlay(disk, disk));
  CHECK_FALSE(is_disk_or_overlay("/var/lib/xcloud/disks/xc-edu.web-1.data.qcow2", disk));
  CHECK_FALSE(is_disk_or_overlay("/elsewhere/xc-edu.web-1.root.snap-a.qcow2", disk));
}

TEST_CASE("names that are not snapshot overlays are left alone") {
  CHECK(base_disk_of("/d/x.raw") == std::nullopt);
  CHECK(base_disk_of("/d/x.snap-Bad_Name.qcow2") == "/d/x.snap-Bad_Name.qcow2");
  CHECK(base_disk_of("/d.snap-a/x.qcow2") == "/d.snap-a/x.qcow2");  // in a directory name
}

TEST_CASE("snapshot names are DNS labels of at most 40 characters") {
  CHECK(is_snapshot_name("snap-20261203-211502"));
  CHECK(is_snapshot_name(std::string(40, 'a')));
  CHECK_FALSE(is_snapshot_name(std::string(41, 'a')));
  CHECK_FALSE(is_snapshot_name("../x"));
  CHECK_FALSE(is_snapshot_name(""));
  CHECK_FALSE(is_snapshot_name("a b"));
}
