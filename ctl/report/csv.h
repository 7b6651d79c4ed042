// CSV as spreadsheets read it (RFC 4180): fields quoted only when they must
// be, CRLF line ends, and a UTF-8 byte order mark first so that spreadsheet
// software shows Chinese names instead of mojibake.
#pragma once

#include <string>

namespace xc {

inline constexpr const char* kCsvBom = "\xEF\xBB\xBF";

// The field as written between commas: quoted, with quotes doubled, when it
// holds a comma, a quote or a line break.
std::string csv_field(const std::string& text);

}  // namespace xc
