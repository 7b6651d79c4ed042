#include "agent/volume_clone.h"

#include <doctest/doctest.h>

namespace xc {
namespace {

TEST_CASE("volume.clone's modes and the qemu-img command each makes, format stated") {
  CHECK(clone_mode_from_name("copy") == CloneMode::kCopy);
  CHECK(clone_mode_from_name("overlay") == CloneMode::kOverlay);
  CHECK(clone_mode_from_name("flatten") == CloneMode::kFlatten);
  CHECK_FALSE(clone_mode_from_name("link").has_value());
  CHECK(clone_command(CloneMode::kCopy, "/d/a.qcow2", "/d/b.qcow2.part").empty());
  CHECK(clone_command(CloneMode::kOverlay, "/d/a.qcow2", "/d/b.qcow2.part") ==
        std::vector<std::string>{"qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=1.1",
                                 "-F", "qcow2", "-b", "/d/a.qcow2", "/d/b.qcow2.part"});
  CHECK(clone_command(CloneMode::kFlatten, "/d/a.qcow2", "/d/b.qcow2.part") ==
        std::vector<std::string>{"qemu-img", "convert", "-q", "-f", "qcow2", "-O", "qcow2", "-o",
                                 "compat=1.1", "/d/a.qcow2", "/d/b.qcow2.part"});
}

}  // namespace
}  // namespace xc
