#include "agent/image_digest.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "common/digest.h"

namespace xc {

Result<std::string> file_sha256_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(Code::kIo, "image " + path + ": cannot be read");
  Sha256Hasher md;
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    std::streamsize got = in.gcount();
    if (got > 0) md.update(std::string_view(block.data(), static_cast<size_t>(got)));
  }
  if (in.bad()) return error(Code::kIo, "image " + path + ": read error");
  auto digest = md.finish_hex();
  if (!digest.ok())
    return error(Code::kInternal, "image " + path + ": " + digest.status().message());
  return *digest;
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
