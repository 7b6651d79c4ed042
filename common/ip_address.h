// IPv4/IPv6 addresses and CIDR subnets: parsing and containment. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace xc {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4
  bool operator==(const IpAddress&) const = default;
};

struct Subnet {
  IpAddress base;
  int prefix = 0;
};

std::optional<IpAddress> parse_ip(const std::string& text);
// "10.0.0.0/8"; the base must have no host bits set.
std::optional<Subnet> parse_subnet(const std::string& text);
bool subnet_contains(const Subnet& subnet, const IpAddress& address);
// The network's own address and (for IPv4) its broadcast address.
bool is_network_or_broadcast(const Subnet& subnet, const IpAddress& address);

}  // namespace xc
