#include "common/network_naming.h"

#include <doctest/doctest.h>

#include "common/digest.h"

using namespace xc;

TEST_CASE("a NIC's network names its bridge: a tenant network's by digest, else the host bridge") {
  CHECK(nic_network_bridge("education/legacy") == network_bridge_name("education", "legacy"));
  CHECK(nic_network_bridge("education/legacy") ==
        "xcbr" + sha256_hex("education/legacy").substr(0, 10));
  // A sub-tenant's network: the last '/' separates the name.
  CHECK(nic_network_bridge("education/school-1/lab") ==
        network_bridge_name("education/school-1", "lab"));
  CHECK(nic_network_bridge("br0") == "br0");
}
