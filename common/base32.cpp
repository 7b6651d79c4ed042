#include "common/base32.h"

#include <cstdint>

#include "common/printable.h"

namespace xc {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int value_of(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string base32_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += kAlphabet[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

Result<std::string> base32_decode(std::string_view text) {
  if (text.size() > kMaxBase32Chars)
    return error(Code::kInvalidArgument, "base32 text is " + std::to_string(text.size()) +
                                             " characters, more than the limit of " +
                                             std::to_string(kMaxBase32Chars));
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t symbols = 0;
  bool padding = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int v = value_of(c);
    if (v < 0 || padding)
      return error(Code::kInvalidArgument,
                   "base32: character '" + printable(std::string_view(&text[i], 1)) +
                       "' at position " + std::to_string(i + 1) +
                       (padding ? " follows the '=' padding" : " is not A-Z or 2-7"));
    ++symbols;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // A final group of 1, 3 or 6 symbols is not the tail of any encoding.
  const size_t tail = symbols % 8;
  if (tail == 1 || tail == 3 || tail == 6)
    return error(Code::kInvalidArgument, "base32: " + std::to_string(symbols) +
                                             " symbols is not a length any bytes encode to");
  return out;
}

}  // namespace xc
