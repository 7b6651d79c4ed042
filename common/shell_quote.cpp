#include "common/shell_quote.h"

#include <algorithm>
#include <cctype>

namespace xc {

std::string shell_quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell_word(std::string_view text) {
  // No glob characters (* ? [), no quotes, no expansions, no separators.
  bool literal = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c >= 0x80 ||
           std::string_view("-_./:=@,+%").find(static_cast<char>(c)) != std::string_view::npos;
  });
  return literal ? std::string(text) : shell_quote(text);
}

}  // namespace xc
