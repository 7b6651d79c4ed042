// SHA-256 as lowercase hex (OpenSSL EVP): of a text at once, for spec hashes
// and names, or fed piece by piece, for files and streamed copies.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace xc {

std::string sha256_hex(std::string_view text);

// SHA-256 over pieces. Not thread-safe; one digest per object.
class Sha256Hasher {
 public:
  Sha256Hasher();
  Status status() const { return status_; }  // not ok if OpenSSL failed
  Sha256Hasher& update(std::string_view data);
  // Lowercase hex of everything fed, or why OpenSSL could not say.
  Result<std::string> finish_hex();

 private:
  struct Free {
    void operator()(void* ctx) const;
  };
  std::unique_ptr<void, Free> ctx_;
  Status status_;
};

}  // namespace xc
