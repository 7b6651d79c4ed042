// RFC 4648 base32, the text form of TOTP secrets that people type or scan.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace xc {

inline constexpr size_t kMaxBase32Chars = 256;

// Upper case, without padding.
std::string base32_encode(std::string_view bytes);

// Case-insensitive; spaces and trailing '=' are ignored; at most
// kMaxBase32Chars characters. kInvalidArgument naming the first bad
// character and its position, or a length no encoding produces.
Result<std::string> base32_decode(std::string_view text);

}  // namespace xc
