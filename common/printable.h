// Text from users (names, labels, messages, file names) shown on a terminal,
// in a log line or in a report must not be able to forge a second line or
// send escape sequences: printable() shows it with every control character
// and every byte that is not UTF-8 written out as an escape.
#pragma once

#include <string>
#include <string_view>

namespace xc {

// `\n`, `\r`, `\t`, `\\`, other C0/C1 controls and DEL as `\xNN` (C1 as
// `\u0085`), bidirectional overrides as `\u202e`, invalid UTF-8 bytes as
// `\xNN`. Everything else, Chinese included, passes unchanged.
std::string printable(std::string_view text);

// `text` cut after at most `max_bytes` (whole UTF-8 characters) with how
// much was left out, for values echoed inside a message. Not escaped: the
// message is escaped where it is printed.
std::string excerpt(std::string_view text, size_t max_bytes = 80);

// True when printable(text) == text, i.e. there is nothing to escape.
bool is_printable(std::string_view text);

}  // namespace xc
