#include "common/totp.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <memory>
#include <vector>

#include "common/base32.h"
#include "common/openssl_util.h"
#include "common/sm_crypto.h"

namespace xc::totp {
namespace {

using MacPtr = std::unique_ptr<EVP_MAC, ossl::Deleter<EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, ossl::Deleter<EVP_MAC_CTX_free>>;

constexpr uint32_t kPowersOfTen[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

const char* digest_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kSha1:
      return "SHA1";
    case Algorithm::kSha256:
      return "SHA256";
    case Algorithm::kSm3:
      return "SM3";
  }
  return "SHA1";
}

// HMAC(secret, counter as 8 big-endian bytes) with EVP_MAC.
Result<std::vector<unsigned char>> hmac_counter(std::string_view secret, uint64_t counter,
                                                Algorithm algorithm) {
  if (algorithm == Algorithm::kSm3)
    if (Status st = sm_self_test(); !st.ok()) return st;
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  MacPtr mac(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  MacCtxPtr ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  if (!ctx) return error(Code::kInternal, "HMAC: " + ossl::last_error());
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(
                             OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name(algorithm)), 0),
                         OSSL_PARAM_construct_end()};
  std::vector<unsigned char> out(EVP_MAX_MD_SIZE);
  size_t length = 0;
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                   params) != 1 ||
      EVP_MAC_update(ctx.get(), message, sizeof message) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &length, out.size()) != 1)
    return error(Code::kInternal,
                 std::string("HMAC-") + digest_name(algorithm) + ": " + ossl::last_error());
  out.resize(length);
  return out;
}

// "123 456" -> "123456"; nullopt unless exactly `digits` ASCII digits remain.
std::optional<std::string> normalize_code(std::string_view code, int digits) {
  if (code.size() > 16) return std::nullopt;
  std::string out;
  for (char c : code) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return std::nullopt;
    out += c;
  }
  if (out.size() != static_cast<size_t>(digits)) return std::nullopt;
  return out;
}

}  // namespace

const char* algorithm_name(Algorithm algorithm) {
  return digest_name(algorithm);
}

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  if (name.size() > 8) return std::nullopt;
  std::string upper;
  for (char c : name) upper += (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
  for (Algorithm a : {Algorithm::kSha1, Algorithm::kSha256, Algorithm::kSm3})
    if (upper == digest_name(a)) return a;
  return std::nullopt;
}

Status check_params(const Params& params) {
  if (params.digits != 6 && params.digits != 8)
    return error(Code::kInvalidArgument,
                 "TOTP digits is " + std::to_string(params.digits) + "; it must be 6 or 8");
  if (params.period_s != 30)
    return error(Code::kInvalidArgument,
                 "TOTP period is " + std::to_string(params.period_s) + " s; it must be 30");
  return {};
}

Status check_secret(std::string_view secret) {
  if (secret.size() < kMinSecretBytes || secret.size() > kMaxSecretBytes)
    return error(Code::kInvalidArgument,
                 "TOTP secret is " + std::to_string(secret.size()) + " bytes; it must be " +
                     std::to_string(kMinSecretBytes) + " to " + std::to_string(kMaxSecretBytes));
  return {};
}

Result<std::string> hotp(std::string_view secret, uint64_t counter, Algorithm algorithm,
                         int digits) {
  if (Status st = check_secret(secret); !st.ok()) return st;
  if (digits != 6 && digits != 8)
    return error(Code::kInvalidArgument,
                 "HOTP digits is " + std::to_string(digits) + "; it must be 6 or 8");
  Result<std::vector<unsigned char>> mac = hmac_counter(secret, counter, algorithm);
  if (!mac.ok()) return mac.status();
  const std::vector<unsigned char>& h = *mac;
  // RFC 4226 5.3: the low nibble of the last byte picks four bytes, the top
  // bit is dropped. Every digest here is at least 20 bytes, so offset+3 fits.
  const size_t offset = h.back() & 0x0f;
  const uint32_t binary = (uint32_t(h[offset] & 0x7f) << 24) | (uint32_t(h[offset + 1]) << 16) |
                          (uint32_t(h[offset + 2]) << 8) | uint32_t(h[offset + 3]);
  const uint32_t value = binary % kPowersOfTen[digits];
  std::string text = std::to_string(value);
  return std::string(static_cast<size_t>(digits) - text.size(), '0') + text;
}

int64_t time_step(int64_t now_ms, int64_t period_s) {
  const int64_t period_ms = period_s * 1000;
  int64_t step = now_ms / period_ms;
  if (now_ms % period_ms != 0 && now_ms < 0) --step;
  return step;
}

Result<std::string> code_at(std::string_view secret, int64_t now_ms, const Params& params) {
  if (Status st = check_params(params); !st.ok()) return st;
  const int64_t step = time_step(now_ms, params.period_s);
  if (step < 0) return error(Code::kInvalidArgument, "TOTP: time is before 1970");
  return hotp(secret, static_cast<uint64_t>(step), params.algorithm, params.digits);
}

Result<int64_t> verify(std::string_view secret, std::string_view code, int64_t now_ms,
                       const Params& params, int window,
                       std::optional<int64_t> last_accepted_step) {
  if (Status st = check_params(params); !st.ok()) return st;
  if (Status st = check_secret(secret); !st.ok()) return st;
  if (window < 0 || window > kMaxWindow)
    return error(Code::kInvalidArgument, "TOTP window is " + std::to_string(window) +
                                             " steps; it must be 0 to " +
                                             std::to_string(kMaxWindow));
  const std::optional<std::string> given = normalize_code(code, params.digits);
  if (!given)
    return error(Code::kInvalidArgument,
                 "code must be " + std::to_string(params.digits) + " digits");
  const int64_t now_step = time_step(now_ms, params.period_s);
  // Every step in the window is computed and compared, so the time taken
  // does not tell which step (or whether any) matched.
  std::optional<int64_t> fresh;
  bool replayed = false;
  for (int64_t step = now_step - window; step <= now_step + window; ++step) {
    if (step < 0) continue;
    Result<std::string> expected =
        hotp(secret, static_cast<uint64_t>(step), params.algorithm, params.digits);
    if (!expected.ok()) return expected.status();
    const bool match = CRYPTO_memcmp(expected->data(), given->data(), given->size()) == 0;
    if (!match) continue;
    if (last_accepted_step && step <= *last_accepted_step)
      replayed = true;
    else if (!fresh)
      fresh = step;
  }
  if (fresh) return *fresh;
  if (replayed) return error(Code::kPermissionDenied, "code was already used");
  return error(Code::kPermissionDenied, "code does not match");
}

Result<std::string> decode_secret(std::string_view text) {
  Result<std::string> bytes = base32_decode(text);
  if (!bytes.ok()) return bytes.status();
  if (Status st = check_secret(*bytes); !st.ok()) return st;
  return bytes;
}

Result<std::string> generate_secret(size_t bytes) {
  if (bytes < kMinSecretBytes || bytes > kMaxSecretBytes)
    return error(Code::kInvalidArgument, "TOTP secret size " + std::to_string(bytes) + " is not " +
                                             std::to_string(kMinSecretBytes) + " to " +
                                             std::to_string(kMaxSecretBytes) + " bytes");
  std::string out(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(bytes)) != 1)
    return error(Code::kInternal, "RAND_bytes: " + ossl::last_error());
  return out;
}

}  // namespace xc::totp
