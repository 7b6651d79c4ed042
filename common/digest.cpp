#include "common/digest.h"

#include <openssl/evp.h>

namespace xc {
namespace {

std::string hex_of(const unsigned char* md, unsigned int len) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

EVP_MD_CTX* md_ctx(void* ctx) {
  return static_cast<EVP_MD_CTX*>(ctx);
}

}  // namespace

std::string sha256_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  return hex_of(md, len);
}

void Sha256Hasher::Free::operator()(void* ctx) const {
  EVP_MD_CTX_free(md_ctx(ctx));
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(md_ctx(ctx_.get()), EVP_sha256(), nullptr) != 1)
    status_ = error(Code::kInternal, "SHA-256 is not available");
}

Sha256Hasher& Sha256Hasher::update(std::string_view data) {
  if (status_.ok() && EVP_DigestUpdate(md_ctx(ctx_.get()), data.data(), data.size()) != 1)
    status_ = error(Code::kInternal, "SHA-256 failed");
  return *this;
}

Result<std::string> Sha256Hasher::finish_hex() {
  if (!status_.ok()) return status_;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(md_ctx(ctx_.get()), md, &len) != 1)
    return error(Code::kInternal, "SHA-256 failed");
  return hex_of(md, len);
}

}  // namespace xc
