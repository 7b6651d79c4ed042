// IPv4/IPv6 addresses, CIDR subnets and address ranges: parsing, containment
// and stepping. Pure.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>

namespace xc {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4
  bool operator==(const IpAddress&) const = default;
  // IPv4 before IPv6, then numeric order.
  auto operator<=>(const IpAddress&) const = default;
};

struct Subnet {
  IpAddress base;
  int prefix = 0;
};

// An inclusive range of addresses of one family: first <= last.
struct IpRange {
  IpAddress first;
  IpAddress last;
};

std::optional<IpAddress> parse_ip(const std::string& text);
// The canonical text: "10.20.1.15", "fd00:20:1::15".
std::string format_ip(const IpAddress& address);
// "10.0.0.0/8"; the base must have no host bits set.
std::optional<Subnet> parse_subnet(const std::string& text);
bool subnet_contains(const Subnet& subnet, const IpAddress& address);
// The network's own address and (for IPv4) its broadcast address.
bool is_network_or_broadcast(const Subnet& subnet, const IpAddress& address);
// The subnet's highest address (IPv4's broadcast address).
IpAddress subnet_last(const Subnet& subnet);
// The next address of the same family; nullopt past the family's last one.
std::optional<IpAddress> next_ip(const IpAddress& address);
// "10.20.1.5", "10.20.1.5-10.20.1.9" or "10.20.1.0/28"; the ends of a range
// share a family and come in order.
std::optional<IpRange> parse_ip_range(const std::string& text);

}  // namespace xc
