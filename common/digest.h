// SHA-256 of text as lowercase hex (OpenSSL EVP), for spec hashes and names.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace xc {

std::string sha256_hex(std::string_view text);

}  // namespace xc
