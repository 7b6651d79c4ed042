// CSV as spreadsheets read it (RFC 4180): fields quoted only when they must
// be, CRLF line ends, and a UTF-8 byte order mark first so that spreadsheet
// software shows Chinese names instead of mojibake.
#pragma once

#include <string>

namespace xc {

inline constexpr const char* kCsvBom = "\xEF\xBB\xBF";

// The field as written between commas: quoted, with quotes doubled, when it
// holds a comma, a quote or a line break. Text that a spreadsheet would run
// as a formula (it starts with =, +, -, @, a tab or a carriage return, and
// is not a plain number such as -12.50) gets a leading ' as OWASP advises,
// so a label "=HYPERLINK(...)" shows as text.
std::string csv_field(const std::string& text);

}  // namespace xc
