#include "ctl/images/image_supply.h"

#include <doctest/doctest.h>

#include <string>

namespace xc {

TEST_CASE("image_supply: only a file named <sha256>.qcow2 is an image of the store") {
  const std::string sha(64, 'a');
  CHECK(store_image_digest("/var/lib/xcloud/images/" + sha + ".qcow2") == sha);
  CHECK(store_image_digest(sha + ".qcow2") == sha);
  CHECK(store_image_digest("/i/uos-20-x86_64.qcow2") == "");
  CHECK(store_image_digest("/i/" + std::string(64, 'A') + ".qcow2") == "");  // not lowercase
  CHECK(store_image_digest("/i/" + sha + ".raw") == "");
  CHECK(store_image_digest("/i/" + sha.substr(1) + ".qcow2") == "");
  CHECK(store_image_digest("/i/" + sha + ".qcow2/") == "");
}

}  // namespace xc
