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

TEST_CASE("addresses print canonically, order numerically and step with carry") {
  CHECK(format_ip(*parse_ip("10.20.1.7")) == "10.20.1.7");
  CHECK_FALSE(parse_ip("10.020.1.7"));  // leading zeros: octal to some readers, refused
  CHECK(format_ip(*parse_ip("fd00:0020:0001:0:0:0:0:0015")) == "fd00:20:1::15");
  CHECK(*parse_ip("10.20.1.9") < *parse_ip("10.20.1.10"));
  CHECK(*parse_ip("255.255.255.255") < *parse_ip("::"));  // IPv4 before IPv6
  CHECK(format_ip(*next_ip(*parse_ip("10.20.1.255"))) == "10.20.2.0");
  CHECK(format_ip(*next_ip(*parse_ip("fd00::ffff"))) == "fd00::1:0");
  CHECK_FALSE(next_ip(*parse_ip("255.255.255.255")));
  CHECK(format_ip(subnet_last(*parse_subnet("10.20.1.0/28"))) == "10.20.1.15");
  CHECK(format_ip(subnet_last(*parse_subnet("fd00:20:1::/64"))) ==
        "fd00:20:1:0:ffff:ffff:ffff:ffff");
}

TEST_CASE("address ranges: one address, a-b or a CIDR, in order and of one family") {
  auto one = parse_ip_range("10.20.1.5");
  REQUIRE(one);
  CHECK(one->first == one->last);
  auto span = parse_ip_range("10.20.1.2-10.20.1.9");
  REQUIRE(span);
  CHECK(format_ip(span->first) == "10.20.1.2");
  CHECK(format_ip(span->last) == "10.20.1.9");
  auto cidr = parse_ip_range("fd00::/120");
  REQUIRE(cidr);
  CHECK(format_ip(cidr->last) == "fd00::ff");
  CHECK_FALSE(parse_ip_range("10.20.1.9-10.20.1.2"));
  CHECK_FALSE(parse_ip_range("10.20.1.2-fd00::1"));
  CHECK_FALSE(parse_ip_range("10.20.1.2-"));
  CHECK_FALSE(parse_ip_range("10.20.1.5/24"));
  CHECK_FALSE(parse_ip_range(""));
}
