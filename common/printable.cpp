#include "common/printable.h"

#include <cstdint>
#include <cstdio>

#include "common/utf8.h"

namespace xc {
namespace {

bool is_bidi_control(uint32_t code) {
  return (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069) ||
         code == 0x200E || code == 0x200F || code == 0x061C;
}

void append_hex(std::string& out, const char* format, uint32_t value) {
  char buffer[12];
  std::snprintf(buffer, sizeof buffer, format, value);
  out += buffer;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    uint32_t code = 0;
    size_t length = decode_utf8(text, i, code);
    if (length == 0) {
      append_hex(out, "\\x%02x", static_cast<unsigned char>(text[i]));
      ++i;
      continue;
    }
    if (code == '\n') {
      out += "\\n";
    } else if (code == '\r') {
      out += "\\r";
    } else if (code == '\t') {
      out += "\\t";
    } else if (code == '\\') {
      out += "\\\\";
    } else if (code < 0x20 || code == 0x7F) {
      append_hex(out, "\\x%02x", code);
    } else if ((code >= 0x80 && code <= 0x9F) || is_bidi_control(code)) {
      append_hex(out, "\\u%04x", code);
    } else {
      out.append(text.substr(i, length));
    }
    i += length;
  }
  return out;
}

std::string excerpt(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;  // whole characters
  return std::string(text.substr(0, cut)) + "...(" + std::to_string(text.size() - cut) +
         " more bytes)";
}

bool is_printable(std::string_view text) {
  return printable(text) == text;
}

}  // namespace xc
