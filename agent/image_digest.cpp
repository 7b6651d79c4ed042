#include "agent/image_digest.h"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "common/sm_crypto.h"

namespace xc {

Result<std::string> file_sha256_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(Code::kIo, "image " + path + ": cannot be read");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1)
    return error(Code::kInternal, "image " + path + ": SHA-256 unavailable");
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    std::streamsize got = in.gcount();
    if (got > 0 && EVP_DigestUpdate(md.get(), block.data(), static_cast<size_t>(got)) != 1)
      return error(Code::kInternal, "image " + path + ": SHA-256 failed");
  }
  if (in.bad()) return error(Code::kIo, "image " + path + ": read error");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(md.get(), digest, &length) != 1)
    return error(Code::kInternal, "image " + path + ": SHA-256 failed");
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

Status ImageDigestCache::verify(const std::string& path, const std::string& expected) {
  std::error_code ec;
  Key key{path};
  key.size = std::filesystem::file_size(path, ec);
  if (ec) return error(Code::kIo, "image " + path + ": " + ec.message());
  auto mtime = std::filesystem::last_write_time(path, ec);
  if (ec) return error(Code::kIo, "image " + path + ": " + ec.message());
  key.mtime_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(mtime.time_since_epoch()).count();
  std::string actual;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = digests_.find(key);
    if (it != digests_.end()) actual = it->second;
  }
  if (actual.empty()) {  // hashed outside the lock: an image may be many GiB
    auto computed = file_sha256_hex(path);
    if (!computed.ok()) return computed.status();
    actual = *computed;
    std::lock_guard<std::mutex> lock(mutex_);
    digests_[key] = actual;
    ++files_hashed_;
  }
  if (actual == expected) return {};
  return error(Code::kFailedPrecondition,
               "image " + path + ": SHA-256 is " + actual + ", the Image says " + expected);
}

int64_t ImageDigestCache::files_hashed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return files_hashed_;
}

}  // namespace xc
