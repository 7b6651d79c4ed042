// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) for the second
// login factor, with HMAC-SHA-1, HMAC-SHA-256 or HMAC-SM3 from OpenSSL 3's
// EVP_MAC. Pure functions (RAND_bytes aside); thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace xc::totp {

enum class Algorithm { kSha1, kSha256, kSm3 };

// "SHA1", "SHA256", "SM3": the names of the otpauth URI's algorithm parameter.
const char* algorithm_name(Algorithm algorithm);
std::optional<Algorithm> parse_algorithm(std::string_view name);  // case-insensitive

// Shared secrets are raw bytes, 10..64 of them (RFC 4226 asks for at least
// 128 bits; 64 bytes is one SHA-256/SM3 block).
inline constexpr size_t kMinSecretBytes = 10;
inline constexpr size_t kMaxSecretBytes = 64;
inline constexpr size_t kDefaultSecretBytes = 20;
inline constexpr int kMaxWindow = 5;

struct Params {
  Algorithm algorithm = Algorithm::kSha1;
  int digits = 6;         // 6 or 8
  int64_t period_s = 30;  // only 30 is accepted
};

// kInvalidArgument naming what is wrong with `params`, or with the size of `secret`.
Status check_params(const Params& params);
Status check_secret(std::string_view secret);

// RFC 4226: the `digits`-digit HOTP value of `counter` (dynamic truncation).
Result<std::string> hotp(std::string_view secret, uint64_t counter, Algorithm algorithm,
                         int digits);

// The RFC 6238 time step containing `now_ms` (ms since the epoch): floor(now / period).
int64_t time_step(int64_t now_ms, int64_t period_s);

// The code for the step containing `now_ms`.
Result<std::string> code_at(std::string_view secret, int64_t now_ms, const Params& params);

// Checks `code` (spaces ignored) against the steps now-window..now+window,
// comparing in constant time, and returns the step that matched. A step at
// or before `last_accepted_step` (the step of the user's last accepted code,
// kept by the caller) is a replay: kPermissionDenied "code was already used".
// A wrong code is kPermissionDenied "code does not match"; a code that is not
// `digits` digits is kInvalidArgument.
Result<int64_t> verify(std::string_view secret, std::string_view code, int64_t now_ms,
                       const Params& params, int window = 1,
                       std::optional<int64_t> last_accepted_step = std::nullopt);

// base32_decode (common/base32.h), then check_secret.
Result<std::string> decode_secret(std::string_view text);

// `bytes` random bytes from RAND_bytes (kMinSecretBytes..kMaxSecretBytes).
Result<std::string> generate_secret(size_t bytes = kDefaultSecretBytes);

}  // namespace xc::totp
