// Strict UTF-8 decoding, one character at a time: overlong forms, surrogates
// and values past U+10FFFF are malformed. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace xc {

// Length of the character starting at text[i] (1-4), with its code point in
// `code`; 0 when the bytes there are not well-formed UTF-8.
size_t decode_utf8(std::string_view text, size_t i, uint32_t& code);

bool is_valid_utf8(std::string_view text);

}  // namespace xc
