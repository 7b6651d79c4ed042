#include "common/ip_address.h"

#include <doctest/doctest.h>

using namespace xc;

TEST_CASE("subnets contain their addresses, v4 and v6") {
  auto net = parse_subnet("10.20.1.0/24");
  REQUIRE(net);
  CHECK(subnet_contains(*net, *parse_ip("10.20.1.15")));
  CHECK_FALSE(subnet_contains(*net, *parse_ip("10.20.2.15")));
  CHECK(is_network_or_broadcast(*net, *parse_ip("10.20.1.255")));
  CHECK(is_network_or_broadcast(*net, *parse_ip("10.20.1.0")));
  auto v6 = parse_subnet("fd00:20:1::/64");
  REQUIRE(v6);
  CHECK(subnet_contains(*v6, *parse_ip("fd00:20:1::15")));
  CHECK_FALSE(subnet_contains(*v6, *parse_ip("10.20.1.15")));
}

TEST_CASE("malformed addresses and subnets are refused") {
  CHECK_FALSE(parse_ip("10.20.1.256"));
  CHECK_FALSE(parse_ip("10.20.1"));
  CHECK_FALSE(parse_subnet("10.20.1.0/33"));
  CHECK_FALSE(parse_subnet("10.20.1.5/24"));  // host bits set
  CHECK_FALSE(parse_subnet("10.20.1.0"));
  CHECK_FALSE(parse_subnet("10.20.1.0/"));
}
