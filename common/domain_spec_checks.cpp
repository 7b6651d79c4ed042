// Character-level checks for the text in a DomainSpec and in host settings.
#include <algorithm>
#include <cstdint>
#include <iterator>

#include "common/domain_spec.h"
#include "common/utf8.h"

namespace xc {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}
bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

unsigned hex_value(char c) {
  return c <= '9' ? unsigned(c - '0') : unsigned(c - 'a' + 10);
}

// Calls part(text) for every '/'-separated part; false as soon as one fails.
template <typename Check>
bool all_parts(std::string_view text, Check part) {
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    if (!part(text.substr(start, slash == std::string_view::npos ? slash : slash - start)))
      return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool is_interface_part(std::string_view part, size_t max_length) {
  if (part.empty() || part.size() > max_length || !is_alnum(part.front())) return false;
  for (char c : part)
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

}  // namespace

bool is_dns_label(std::string_view text, size_t max_length) {
  if (text.empty() || text.size() > max_length) return false;
  if (text.front() == '-' || text.back() == '-') return false;
  for (char c : text)
    if (!is_lower_alnum(c) && c != '-') return false;
  return true;
}

bool is_tenant_path(std::string_view text) {
  return text.size() <= 253 && all_parts(text, [](std::string_view p) { return is_dns_label(p); });
}

bool is_lower_hex(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!is_hex_digit(c)) return false;
  return true;
}

bool is_unicast_mac(std::string_view text) {
  if (text.size() != 17) return false;
  bool all_zero = true;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i % 3 == 2) {
      if (text[i] != ':') return false;
    } else {
      if (!is_hex_digit(text[i])) return false;
      all_zero = all_zero && text[i] == '0';
    }
  }
  return !all_zero && (hex_value(text[1]) & 1) == 0;  // bit 0 of the first octet: multicast
}

bool is_printable_utf8(std::string_view text) {
  uint32_t cp = 0;
  for (size_t i = 0, length = 0; i < text.size(); i += length) {
    if ((length = decode_utf8(text, i, cp)) == 0) return false;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return false;  // C0, DEL, C1
    if ((cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef)) return false;
  }
  return true;
}

bool is_network_name(std::string_view text) {
  return text.size() <= 255 &&
         all_parts(text, [](std::string_view p) { return is_interface_part(p, 63); });
}

bool is_bridge_name(std::string_view text) {
  return is_interface_part(text, 15);
}

bool is_safe_absolute_path(std::string_view text) {
  if (text.size() < 2 || text.size() > 1024 || text.front() != '/') return false;
  if (!is_printable_utf8(text)) return false;
  return all_parts(text.substr(1),
                   [](std::string_view p) { return !p.empty() && p != "." && p != ".."; });
}

bool is_host_name(std::string_view text) {
  return !text.empty() && text.size() <= 253 && text.back() != '.' && [&] {
    size_t start = 0;
    while (true) {
      size_t dot = text.find('.', start);
      std::string_view label =
          text.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (!is_dns_label(label)) return false;
      if (dot == std::string_view::npos) return true;
      start = dot + 1;
    }
  }();
}

bool is_ssh_public_key(std::string_view text) {
  static constexpr std::string_view kTypes[] = {"ssh-ed25519",
                                                "ssh-rsa",
                                                "ecdsa-sha2-nistp256",
                                                "ecdsa-sha2-nistp384",
                                                "ecdsa-sha2-nistp521",
                                                "sk-ssh-ed25519@openssh.com",
                                                "sk-ecdsa-sha2-nistp256@openssh.com"};
  if (text.empty() || text.size() > kMaxSshKeyLength || !is_printable_utf8(text)) return false;
  size_t space = text.find(' ');
  if (space == std::string_view::npos) return false;
  std::string_view type = text.substr(0, space);
  if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) return false;
  std::string_view rest = text.substr(space + 1);
  std::string_view data = rest.substr(0, rest.find(' '));
  if (data.size() < 16) return false;
  size_t padding = 0;
  for (char c : data) {
    bool base64 = is_alnum(c) || c == '+' || c == '/';
    if (c == '=' && ++padding <= 2) continue;
    if (!base64 || padding > 0) return false;
  }
  return data.size() % 4 == 0;
}

bool is_crypt_hash(std::string_view text) {
  // Scheme prefixes of crypt(5) whose hashes are still considered sound;
  // MD5 ($1$), DES and the like are refused with plaintext.
  static constexpr std::string_view kSchemes[] = {"$y$",  "$gy$", "$7$", "$2b$",
                                                  "$2a$", "$2y$", "$6$", "$5$"};
  if (text.size() > 512) return false;
  auto scheme = std::find_if(std::begin(kSchemes), std::end(kSchemes),
                             [&](std::string_view s) { return text.substr(0, s.size()) == s; });
  if (scheme == std::end(kSchemes)) return false;
  std::string_view rest = text.substr(scheme->size());
  // Salt and hash (and parameters such as "rounds=5000" or "j9T"): the
  // characters crypt(5) uses, with at least one more '$' (bcrypt: a cost and '$').
  if (rest.size() < 8 || rest.find('$') == std::string_view::npos) return false;
  for (char c : rest)
    if (!is_alnum(c) && c != '.' && c != '/' && c != '$' && c != '=' && c != ',') return false;
  return rest.back() != '$';
}

std::optional<PciAddress> parse_pci_address(std::string_view text) {
  // dddd:bb:ss.f
  if (text.size() != 12 || text[4] != ':' || text[7] != ':' || text[10] != '.') return std::nullopt;
  auto number = [&](size_t from, size_t count) -> std::optional<unsigned> {
    unsigned value = 0;
    for (size_t i = from; i < from + count; ++i) {
      if (!is_hex_digit(text[i])) return std::nullopt;
      value = value * 16 + hex_value(text[i]);
    }
    return value;
  };
  auto domain = number(0, 4), bus = number(5, 2), slot = number(8, 2), function = number(11, 1);
  if (!domain || !bus || !slot || !function || *slot > 0x1f || *function > 7) return std::nullopt;
  return PciAddress{*domain, *bus, *slot, *function};
}

}  // namespace xc
