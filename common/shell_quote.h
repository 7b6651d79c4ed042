// Words for a POSIX shell: commands xcloud runs on a host over SSH, and
// command lines it shows (the audit record) so that a copy pastes back as the
// same words. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace xc {

// Always single-quoted, each ' written as '\''. For commands that run.
std::string shell_quote(std::string_view text);

// As is when every byte is one a shell takes literally (letters, digits,
// UTF-8 and -_./:=@,+%), otherwise shell_quote(text). For command lines shown.
std::string shell_word(std::string_view text);

}  // namespace xc
