#include "common/ip_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace xc {

std::optional<IpAddress> parse_ip(const std::string& text) {
  IpAddress out;
  if (inet_pton(AF_INET, text.c_str(), out.bytes.data()) == 1) return out;
  if (inet_pton(AF_INET6, text.c_str(), out.bytes.data()) == 1) {
    out.v6 = true;
    return out;
  }
  return std::nullopt;
}

std::string format_ip(const IpAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(address.v6 ? AF_INET6 : AF_INET, address.bytes.data(), text, sizeof text);
  return text;
}

namespace {

bool bit(const IpAddress& a, int i) {
  return (a.bytes[i / 8] >> (7 - i % 8)) & 1;
}
int width(const IpAddress& a) {
  return a.v6 ? 128 : 32;
}

}  // namespace

std::optional<Subnet> parse_subnet(const std::string& text) {
  size_t slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto base = parse_ip(text.substr(0, slash));
  if (!base) return std::nullopt;
  std::string len = text.substr(slash + 1);
  if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int prefix = std::stoi(len);
  if (prefix > width(*base)) return std::nullopt;
  for (int i = prefix; i < width(*base); ++i)
    if (bit(*base, i)) return std::nullopt;
  return Subnet{*base, prefix};
}

bool subnet_contains(const Subnet& subnet, const IpAddress& address) {
  if (subnet.base.v6 != address.v6) return false;
  for (int i = 0; i < subnet.prefix; ++i)
    if (bit(subnet.base, i) != bit(address, i)) return false;
  return true;
}

bool is_network_or_broadcast(const Subnet& subnet, const IpAddress& address) {
  if (address == subnet.base) return true;
  if (subnet.base.v6 || subnet.prefix >= 31) return false;
  for (int i = subnet.prefix; i < 32; ++i)
    if (!bit(address, i)) return false;
  return true;
}

IpAddress subnet_last(const Subnet& subnet) {
  IpAddress out = subnet.base;
  for (int i = subnet.prefix; i < width(out); ++i) out.bytes[i / 8] |= uint8_t(1u << (7 - i % 8));
  return out;
}

std::optional<IpAddress> next_ip(const IpAddress& address) {
  IpAddress out = address;
  for (int i = width(out) / 8 - 1; i >= 0; --i)
    if (++out.bytes[i] != 0) return out;
  return std::nullopt;  // wrapped: it was the family's last address
}

std::optional<IpRange> parse_ip_range(const std::string& text) {
  if (text.find('/') != std::string::npos) {
    auto subnet = parse_subnet(text);
    if (!subnet) return std::nullopt;
    return IpRange{subnet->base, subnet_last(*subnet)};
  }
  size_t dash = text.find('-');
  auto first = parse_ip(text.substr(0, dash));
  auto last = dash == std::string::npos ? first : parse_ip(text.substr(dash + 1));
  if (!first || !last || first->v6 != last->v6 || *last < *first) return std::nullopt;
  return IpRange{*first, *last};
}

}  // namespace xc
