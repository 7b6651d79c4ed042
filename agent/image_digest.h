// Checks a base image's SHA-256 before the host first builds a disk on it:
// the file is streamed through OpenSSL, and the digest cached by path, size
// and modification time, so an unchanged image is read once per agent
// process, not on every apply. Thread-safe.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/status.h"

namespace xc {

// The file's SHA-256 as lowercase hex, read in 1 MiB blocks.
Result<std::string> file_sha256_hex(const std::string& path);

class ImageDigestCache {
 public:
  // OK when the file at `path` has the digest `expected` (lowercase hex).
  // kFailedPrecondition on a mismatch, naming both digests:
  // "image /i/uos.qcow2: SHA-256 is 3a7b..., the Image says 9f86...".
  // kIo when the file cannot be read.
  Status verify(const std::string& path, const std::string& expected);

  // How many times a file was read and hashed (the rest came from the cache).
  int64_t files_hashed() const;

 private:
  struct Key {
    std::string path;
    uintmax_t size = 0;
    int64_t mtime_ns = 0;
    auto operator<=>(const Key&) const = default;
  };
  mutable std::mutex mutex_;
  std::map<Key, std::string> digests_;
  int64_t files_hashed_ = 0;
};

}  // namespace xc
