// The Chinese national algorithms through OpenSSL 3's EVP API: SM3 digests,
// SM2 signatures (PEM keys) and SM4, guarded by a known-answer self-test that
// runs once per process before any of them is used. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace xc {

using Sm3Digest = std::array<unsigned char, 32>;

// The signer ID GB/T 35276 gives as the default. It is hashed into every SM2
// signature (ZA), so signer and verifier must agree on it; OpenSSL's own
// default has changed between versions, hence always set explicitly.
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";

// The known-answer tests: SM3("abc") and the SM4 vector of GB/T 32907. Run
// once (later calls return the first answer). When this OpenSSL lacks the
// algorithms the message is "this OpenSSL has no SM3/SM4 (needs OpenSSL 3
// with SM algorithms)", and every function below fails with it.
Status sm_self_test();

// The same tests with the algorithm names as parameters, so a test can show
// what a build without them reports. Not cached.
Status sm_known_answer_tests(const char* sm3_name, const char* sm4_ecb_name);

Result<Sm3Digest> sm3(std::string_view data);

// HMAC (RFC 2104) with SM3 over `data`: alarm webhooks sign their body with it.
Result<Sm3Digest> hmac_sm3(std::string_view key, std::string_view data);

// SM3 over several pieces, as if concatenated; no copy is made.
class Sm3Hasher {
 public:
  Sm3Hasher();
  ~Sm3Hasher();
  Sm3Hasher(const Sm3Hasher&) = delete;
  Sm3Hasher& operator=(const Sm3Hasher&) = delete;

  Status status() const { return status_; }  // not ok if the self-test failed
  Sm3Hasher& update(std::string_view data);
  // The digest of everything since construction or the last finish().
  Result<Sm3Digest> finish();

 private:
  struct Impl;
  Impl* impl_;
  Status status_;
};

// SM4 in ECB mode without padding; `key` is 16 bytes, `plaintext` a multiple
// of 16. Only the self-test and its tests need it.
Result<std::string> sm4_ecb_encrypt(std::string_view key, std::string_view plaintext);

struct Sm2KeyPair {
  std::string private_pem;  // PKCS#8, unencrypted
  std::string public_pem;   // SubjectPublicKeyInfo
};

Result<Sm2KeyPair> sm2_generate_key();

// The public half of an SM2 private key, as SubjectPublicKeyInfo PEM.
Result<std::string> sm2_public_key_pem(const std::string& private_pem);

// SM2 with SM3 over `message`; the signature is DER.
Result<std::string> sm2_sign(const std::string& private_pem, std::string_view message,
                             std::string_view signer_id = kSm2DefaultId);

// Ok if `signature` is a valid SM2 signature of `message` by the key in
// `public_pem` under `signer_id`; kPermissionDenied "signature does not
// verify" if not; kInvalidArgument if the key is not an SM2 public key.
Status sm2_verify(const std::string& public_pem, std::string_view message,
                  std::string_view signature, std::string_view signer_id = kSm2DefaultId);

// Lowercase hex, and back (nullopt on odd length or a non-hex character).
std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);

inline std::string_view as_bytes(const Sm3Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace xc
