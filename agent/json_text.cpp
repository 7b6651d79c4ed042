#include "agent/json_text.h"

#include <charconv>
#include <nlohmann/json.hpp>

namespace xc {

void append_json_string(std::string& out, std::string_view text) {
  // nlohmann does the escaping; only the tree around the values is skipped.
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void append_json_int(std::string& out, int64_t value) {
  char digits[24];
  std::to_chars_result written = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, static_cast<size_t>(written.ptr - digits));
}

}  // namespace xc
