#include "common/image_source.h"

#include <doctest/doctest.h>

namespace xc {

TEST_CASE("an image source must be a file below the image directory") {
  const std::string dir = "/var/lib/xcloud/images";
  CHECK(image_source_problem("/var/lib/xcloud/images/uos-20.qcow2", dir).empty());
  CHECK(image_source_problem("/var/lib/xcloud/images/x86/uos-20.qcow2", dir + "/").empty());
  CHECK(image_source_problem("/etc/shadow", dir) ==
        "must be a file in the image directory /var/lib/xcloud/images/");
  CHECK_FALSE(image_source_problem("/var/lib/xcloud/images", dir).empty());
  CHECK_FALSE(image_source_problem("/var/lib/xcloud/images-other/a.qcow2", dir).empty());
  for (const char* bad : {"../../../etc/passwd", "/var/lib/xcloud/images/../../../etc/passwd",
                          "/var/lib/xcloud/images/./a", "/var/lib/xcloud/images//a",
                          "/var/lib/xcloud/images/a\nb", ""})
    CHECK(image_source_problem(bad, dir).rfind("expected an absolute path", 0) == 0);
}

}  // namespace xc
