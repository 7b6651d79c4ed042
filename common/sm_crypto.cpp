#include "common/sm_crypto.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <functional>
#include <memory>
#include <mutex>

#include "common/openssl_util.h"

namespace xc {
namespace {

using ossl::Deleter;
using ossl::KeyPtr;
using KeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using MdPtr = std::unique_ptr<EVP_MD, Deleter<EVP_MD_free>>;
using CipherPtr = std::unique_ptr<EVP_CIPHER, Deleter<EVP_CIPHER_free>>;
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>>;
using ossl::BioPtr;

constexpr const char* kMissing = "this OpenSSL has no SM3/SM4 (needs OpenSSL 3 with SM algorithms)";

std::string openssl_error() {
  return ossl::last_error();
}

Status ssl_failure(const std::string& what) {
  return error(Code::kInternal, what + ": " + openssl_error());
}

// Fetched once: implicit fetches per call would cost more than SM3 itself
// on the short inputs the audit chain hashes.
const EVP_MD* sm3_md() {
  static MdPtr md(EVP_MD_fetch(nullptr, "SM3", nullptr));
  return md.get();
}

Result<Sm3Digest> digest_with(const EVP_MD* md, std::string_view data) {
  Sm3Digest out;
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 ||
      len != out.size()) {
    return ssl_failure("SM3");
  }
  return out;
}

Result<std::string> ecb_encrypt_with(const EVP_CIPHER* cipher, std::string_view key,
                                     std::string_view plaintext) {
  if (key.size() != 16 || plaintext.size() % 16 != 0) {
    return error(Code::kInvalidArgument,
                 "SM4: the key must be 16 bytes and the plaintext a multiple of 16");
  }
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + 16, '\0');
  int len = 0;
  int tail = 0;
  auto* k = reinterpret_cast<const unsigned char*>(key.data());
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), cipher, k, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o, &len,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + len, &tail) != 1) {
    return ssl_failure("SM4");
  }
  out.resize(static_cast<size_t>(len + tail));
  return out;
}

KeyPtr read_key(const std::string& pem, bool is_private) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return KeyPtr(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                           : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

// A digest-sign/verify context for SM2 with SM3 and the signer ID set.
// The key context must outlive the digest context (it is not handed over).
struct Sm2Context {
  KeyCtxPtr key_ctx;
  MdCtxPtr md_ctx;
};

Result<Sm2Context> sm2_context(EVP_PKEY* key, std::string_view signer_id) {
  Sm2Context c{KeyCtxPtr(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr)),
               MdCtxPtr(EVP_MD_CTX_new())};
  if (!c.key_ctx || !c.md_ctx ||
      EVP_PKEY_CTX_set1_id(c.key_ctx.get(), signer_id.data(), signer_id.size()) <= 0) {
    return ssl_failure("SM2: cannot set the signer ID");
  }
  EVP_MD_CTX_set_pkey_ctx(c.md_ctx.get(), c.key_ctx.get());
  return c;
}

std::string pem_of(const std::function<int(BIO*)>& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return "";
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

Status sm_known_answer_tests(const char* sm3_name, const char* sm4_ecb_name) {
  MdPtr md(EVP_MD_fetch(nullptr, sm3_name, nullptr));
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, sm4_ecb_name, nullptr));
  if (!md || !cipher) {
    ERR_clear_error();
    return error(Code::kFailedPrecondition, kMissing);
  }
  Result<Sm3Digest> abc = digest_with(md.get(), "abc");
  if (!abc.ok()) return abc.status();
  if (to_hex(as_bytes(*abc)) !=
      "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0") {
    return error(Code::kInternal, "crypto self-test failed: SM3(\"abc\") gives the wrong digest");
  }
  std::string key = *from_hex("0123456789abcdeffedcba9876543210");
  Result<std::string> sm4 = ecb_encrypt_with(cipher.get(), key, key);
  if (!sm4.ok()) return sm4.status();
  if (to_hex(*sm4) != "681edf34d206965e86b3e94f536e4246") {
    return error(Code::kInternal,
                 "crypto self-test failed: SM4 gives the wrong ciphertext for the GB/T 32907 "
                 "test vector");
  }
  return {};
}

Status sm_self_test() {
  static std::once_flag once;
  static Status result;
  std::call_once(once, [] { result = sm_known_answer_tests("SM3", "SM4-ECB"); });
  return result;
}

Result<Sm3Digest> sm3(std::string_view data) {
  if (Status st = sm_self_test(); !st.ok()) return st;
  return digest_with(sm3_md(), data);
}

Result<Sm3Digest> hmac_sm3(std::string_view key, std::string_view data) {
  if (Status st = sm_self_test(); !st.ok()) return st;
  Sm3Digest out{};
  unsigned int length = 0;
  if (HMAC(sm3_md(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &length) == nullptr ||
      length != out.size())
    return ssl_failure("HMAC-SM3");
  return out;
}

struct Sm3Hasher::Impl {
  MdCtxPtr ctx{EVP_MD_CTX_new()};
  bool started = false;
};

Sm3Hasher::Sm3Hasher() : impl_(new Impl), status_(sm_self_test()) {
  if (status_.ok() && !impl_->ctx) status_ = ssl_failure("SM3");
}

Sm3Hasher::~Sm3Hasher() {
  delete impl_;
}

Sm3Hasher& Sm3Hasher::update(std::string_view data) {
  if (!status_.ok()) return *this;
  if (!impl_->started) {
    if (EVP_DigestInit_ex2(impl_->ctx.get(), sm3_md(), nullptr) != 1) {
      status_ = ssl_failure("SM3");
      return *this;
    }
    impl_->started = true;
  }
  if (EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size()) != 1)
    status_ = ssl_failure("SM3");
  return *this;
}

Result<Sm3Digest> Sm3Hasher::finish() {
  if (status_.ok() && !impl_->started) update("");
  if (!status_.ok()) return status_;
  impl_->started = false;
  Sm3Digest out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    return ssl_failure("SM3");
  }
  return out;
}

Result<std::string> sm4_ecb_encrypt(std::string_view key, std::string_view plaintext) {
  if (Status st = sm_self_test(); !st.ok()) return st;
  CipherPtr cipher(EVP_CIPHER_fetch(nullptr, "SM4-ECB", nullptr));
  if (!cipher) return ssl_failure("SM4");
  return ecb_encrypt_with(cipher.get(), key, plaintext);
}

Result<Sm2KeyPair> sm2_generate_key() {
  if (Status st = sm_self_test(); !st.ok()) return st;
  KeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return ssl_failure("SM2 key generation");
  }
  KeyPtr key(raw);
  Sm2KeyPair pair;
  pair.private_pem = pem_of([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  pair.public_pem = pem_of([&](BIO* b) { return PEM_write_bio_PUBKEY(b, key.get()); });
  if (pair.private_pem.empty() || pair.public_pem.empty()) return ssl_failure("SM2 key encoding");
  return pair;
}

Result<std::string> sm2_public_key_pem(const std::string& private_pem) {
  if (Status st = sm_self_test(); !st.ok()) return st;
  KeyPtr key = read_key(private_pem, true);
  if (!key || !EVP_PKEY_is_a(key.get(), "SM2")) {
    ERR_clear_error();
    return error(Code::kInvalidArgument, "not an SM2 private key in PEM");
  }
  std::string pem = pem_of([&](BIO* b) { return PEM_write_bio_PUBKEY(b, key.get()); });
  if (pem.empty()) return ssl_failure("SM2 key encoding");
  return pem;
}

Result<std::string> sm2_sign(const std::string& private_pem, std::string_view message,
                             std::string_view signer_id) {
  if (Status st = sm_self_test(); !st.ok()) return st;
  KeyPtr key = read_key(private_pem, true);
  if (!key || !EVP_PKEY_is_a(key.get(), "SM2")) {
    ERR_clear_error();
    return error(Code::kInvalidArgument, "not an SM2 private key in PEM");
  }
  Result<Sm2Context> c = sm2_context(key.get(), signer_id);
  if (!c.ok()) return c.status();
  size_t len = 0;
  auto* msg = reinterpret_cast<const unsigned char*>(message.data());
  if (EVP_DigestSignInit(c->md_ctx.get(), nullptr, sm3_md(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(c->md_ctx.get(), nullptr, &len, msg, message.size()) != 1) {
    return ssl_failure("SM2 signing");
  }
  std::string signature(len, '\0');
  if (EVP_DigestSign(c->md_ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, msg,
                     message.size()) != 1) {
    return ssl_failure("SM2 signing");
  }
  signature.resize(len);
  return signature;
}

Status sm2_verify(const std::string& public_pem, std::string_view message,
                  std::string_view signature, std::string_view signer_id) {
  if (Status st = sm_self_test(); !st.ok()) return st;
  KeyPtr key = read_key(public_pem, false);
  if (!key || !EVP_PKEY_is_a(key.get(), "SM2")) {
    ERR_clear_error();
    return error(Code::kInvalidArgument, "not an SM2 public key in PEM");
  }
  Result<Sm2Context> c = sm2_context(key.get(), signer_id);
  if (!c.ok()) return c.status();
  if (EVP_DigestVerifyInit(c->md_ctx.get(), nullptr, sm3_md(), nullptr, key.get()) != 1) {
    return ssl_failure("SM2 verification");
  }
  int rc = EVP_DigestVerify(
      c->md_ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  if (rc != 1) return error(Code::kPermissionDenied, "signature does not verify");
  return {};
}

std::string to_hex(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]);
    int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace xc
