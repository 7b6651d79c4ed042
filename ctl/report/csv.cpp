#include "ctl/report/csv.h"

#include <string_view>

namespace xc {

namespace {

// -12, +3.50, -1,234.50, -2.5%: what spreadsheets read as a number, never a
// formula.
bool is_plain_number(const std::string& text) {
  std::string_view rest(text);
  rest.remove_prefix(rest[0] == '-' || rest[0] == '+' ? 1 : 0);
  if (!rest.empty() && rest.back() == '%') rest.remove_suffix(1);
  return !rest.empty() && rest[0] >= '0' && rest[0] <= '9' &&
         rest.find_first_not_of("0123456789.,") == std::string_view::npos;
}

bool starts_formula(const std::string& text) {
  return !text.empty() && text != "-" &&
         std::string_view("=+-@\t\r").find(text[0]) != std::string_view::npos &&
         !is_plain_number(text);
}

}  // namespace

std::string csv_field(const std::string& raw) {
  const std::string text = starts_formula(raw) ? "'" + raw : raw;
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace xc
