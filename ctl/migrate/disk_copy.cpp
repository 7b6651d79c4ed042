#include "ctl/migrate/disk_copy.h"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>

namespace xc {
namespace {

constexpr int64_t kChunk = 2 << 20;  // the agents' largest chunk (volume_transfer.h)

// The number of raw bytes a base64 text holds.
int64_t decoded_size(const std::string& b64) {
  if (b64.empty()) return 0;
  int64_t n = static_cast<int64_t>(b64.size()) / 4 * 3;
  if (b64.back() == '=') --n;
  if (b64.size() > 1 && b64[b64.size() - 2] == '=') --n;
  return n;
}

}  // namespace

Result<CopiedFile> copy_volume_file(HostClients& clients, const std::string& from,
                                    const std::string& to, const std::string& volume,
                                    const std::string& ext,
                                    const std::function<void(int64_t, int64_t)>& progress) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1)
    return error(Code::kInternal, "sha256: cannot start a digest");
  CopiedFile out;
  std::string raw;
  for (;;) {
    auto chunk =
        clients.call(from, "volume.read",
                     {{"name", volume}, {"ext", ext}, {"offset", out.bytes}, {"length", kChunk}});
    if (!chunk.ok()) return chunk.status();
    std::string data = chunk->value("data", std::string());
    int64_t size = chunk->value("size", int64_t{0});
    int64_t n = decoded_size(data);
    if (n > 0) {
      raw.resize(static_cast<size_t>(n) + 3);
      int got = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
      if (got < 0)
        return error(Code::kIo, "volume " + volume + " on " + from + ": volume.read sent bad data");
      EVP_DigestUpdate(md.get(), raw.data(), static_cast<size_t>(n));
      auto written =
          clients.call(to, "volume.write",
                       {{"name", volume}, {"ext", ext}, {"offset", out.bytes}, {"data", data}});
      if (!written.ok()) return written.status();
      out.bytes += n;
    }
    if (progress) progress(out.bytes, size);
    if (chunk->value("eof", true) || n == 0) break;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md.get(), digest, &len);
  char two[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(two, sizeof two, "%02x", digest[i]);
    out.sha256 += two;
  }
  auto committed =
      clients.call(to, "volume.commit",
                   {{"name", volume}, {"ext", ext}, {"size", out.bytes}, {"sha256", out.sha256}});
  if (!committed.ok()) return committed.status();
  return out;
}

}  // namespace xc
