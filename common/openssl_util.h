// Small helpers shared by the OpenSSL users in common/ (PKI, SM crypto):
// unique_ptr owners for OpenSSL objects and the last error as text.
// Thread-safe (OpenSSL's error queue is per thread).
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "common/free_with.h"

namespace xc::ossl {

template <auto F>
using Deleter = FreeWith<F>;

using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;

// The most recent OpenSSL error as text; clears the thread's error queue.
inline std::string last_error() {
  unsigned long code = ERR_peek_last_error();
  char text[256] = "unknown OpenSSL error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

}  // namespace xc::ossl
