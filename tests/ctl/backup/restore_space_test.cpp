#include "ctl/backup/restore_space.h"

#include <doctest/doctest.h>

namespace xc {
namespace {

BackupManifest backup(std::vector<BackupDisk> disks, std::vector<BackupChunk> chunks) {
  BackupManifest m;
  m.disks = std::move(disks);
  m.chunks = std::move(chunks);
  return m;
}

TEST_CASE("a restore needs at most the bytes its chunks carry, never more than the disk") {
  constexpr int64_t kMiB = 1 << 20;
  // vda: 100 MiB, 4 MiB in the full backup and 4 MiB rewritten by the increment;
  // vdb: 2 MiB, 8 MiB of chunks over the chain (rewrites): bounded by its size;
  // vdc: gone from the last backup, so not restored.
  BackupManifest full =
      backup({{"vda", 100 * kMiB}, {"vdb", 2 * kMiB}, {"vdc", 50 * kMiB}},
             {{"vda", 0, 4 * kMiB, ""}, {"vdb", 0, 4 * kMiB, ""}, {"vdc", 0, 50 * kMiB, ""}});
  BackupManifest incremental = backup({{"vda", 100 * kMiB}, {"vdb", 2 * kMiB}},
                                      {{"vda", 0, 4 * kMiB, ""}, {"vdb", 0, 4 * kMiB, ""}});
  RestoreSize size = restore_size({full, incremental});
  CHECK(size.total == 10 * kMiB);
  CHECK(size.largest == 8 * kMiB);
  CHECK(restore_size({}).total == 0);
}

TEST_CASE("the room check rounds the need up and the room down") {
  constexpr int64_t kGiB = int64_t{1} << 30;
  CHECK(room_problem("/r", "raw disks", 3 * kGiB, 3 * kGiB).empty());
  CHECK(room_problem("/r", "raw disks", 3 * kGiB + 1, 3 * kGiB) ==
        "needs 3.1 GiB in /r (raw disks), 3.0 GiB free");
  CHECK(room_problem("/r", "raw disks", 1, 0) == "needs 0.1 GiB in /r (raw disks), 0.0 GiB free");
}

TEST_CASE("free_bytes reads the filesystem, and names a directory that is not there") {
  auto here = free_bytes("/");
  REQUIRE(here.ok());
  CHECK(*here > 0);
  auto missing = free_bytes("/nonexistent-xcloud-dir");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("/nonexistent-xcloud-dir") != std::string::npos);
}

}  // namespace
}  // namespace xc
