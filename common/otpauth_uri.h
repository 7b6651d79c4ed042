// The otpauth:// URI an authenticator app reads from a QR code to enrol a
// TOTP secret (Google Authenticator's key-uri format). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "common/totp.h"

namespace xc::totp {

inline constexpr size_t kMaxLabelBytes = 128;

// "otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30".
// Issuer and account are 1..kMaxLabelBytes bytes of UTF-8 without ':' or
// control characters; `secret` is the raw secret (kMinSecretBytes..kMaxSecretBytes).
Result<std::string> otpauth_uri(std::string_view issuer, std::string_view account,
                                std::string_view secret, const Params& params);

// Every byte outside RFC 3986's unreserved set (ALPHA DIGIT - . _ ~) as %XX.
std::string percent_encode(std::string_view text);

}  // namespace xc::totp
