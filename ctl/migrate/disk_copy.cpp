#include "ctl/migrate/disk_copy.h"

#include <openssl/evp.h>

#include <memory>

#include "common/base64.h"
#include "common/sm_crypto.h"

namespace xc {
namespace {

constexpr int64_t kChunk = 2 << 20;  // the agents' largest chunk (volume_transfer.h)

}  // namespace

Result<CopiedFile> read_volume_file(HostClients& clients, const std::string& from,
                                    const std::string& volume, const std::string& ext,
                                    const ChunkSink& sink,
                                    const std::function<void(int64_t, int64_t)>& progress) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!md || EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) != 1)
    return error(Code::kInternal, "sha256: cannot start a digest");
  CopiedFile out;
  for (;;) {
    auto chunk =
        clients.call(from, "volume.read",
                     {{"name", volume}, {"ext", ext}, {"offset", out.bytes}, {"length", kChunk}});
    if (!chunk.ok()) return chunk.status();
    std::string data = chunk->value("data", std::string());
    int64_t size = chunk->value("size", int64_t{0});
    auto raw = base64_decode(data);
    if (!raw.ok())
      return error(Code::kIo, "volume " + volume + " on " + from + ": volume.read sent bad data");
    const auto n = static_cast<int64_t>(raw->size());
    if (n > 0) {
      EVP_DigestUpdate(md.get(), raw->data(), raw->size());
      if (Status s = sink(out.bytes, *raw, data); !s.ok()) return s;
      out.bytes += n;
    }
    if (progress) progress(out.bytes, size);
    if (chunk->value("eof", true) || n == 0) break;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md.get(), digest, &len);
  out.sha256 = to_hex(std::string(reinterpret_cast<const char*>(digest), len));
  return out;
}

Result<CopiedFile> copy_volume_file(HostClients& clients, const std::string& from,
                                    const std::string& to, const std::string& volume,
                                    const std::string& ext,
                                    const std::function<void(int64_t, int64_t)>& progress) {
  auto read = read_volume_file(
      clients, from, volume, ext,
      [&](int64_t offset, const std::string&, const std::string& base64) -> Status {
        auto written =
            clients.call(to, "volume.write",
                         {{"name", volume}, {"ext", ext}, {"offset", offset}, {"data", base64}});
        return written.ok() ? Status{} : written.status();
      },
      progress);
  if (!read.ok()) return read.status();
  auto committed = clients.call(
      to, "volume.commit",
      {{"name", volume}, {"ext", ext}, {"size", read->bytes}, {"sha256", read->sha256}});
  if (!committed.ok()) return committed.status();
  return *read;
}

}  // namespace xc
