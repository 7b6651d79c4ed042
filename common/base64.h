// Base64 (RFC 4648, with padding) on OpenSSL's EVP_EncodeBlock and
// EVP_DecodeBlock, for bytes carried inside JSON. Pure; thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace xc {

std::string base64_encode(const std::string& bytes);
// kInvalidArgument ("data: not base64") for text that is not base64.
Result<std::string> base64_decode(const std::string& text);

}  // namespace xc
