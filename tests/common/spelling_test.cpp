#include "common/spelling.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("did you mean suggests close field names only") {
  std::vector<std::string> fields = {"cpus", "memoryGiB", "image", "disks"};
  CHECK(did_you_mean("cpu", fields) == " (did you mean 'cpus'?)");
  CHECK(did_you_mean("memoryGib", fields) == " (did you mean 'memoryGiB'?)");
  CHECK(did_you_mean("imgae", fields) == " (did you mean 'image'?)");
  CHECK(did_you_mean("colour", fields) == "");
  CHECK(edit_distance("kitten", "sitting") == 3);
}
