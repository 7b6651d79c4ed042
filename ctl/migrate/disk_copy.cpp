#include "ctl/migrate/disk_copy.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "common/digest.h"
#include "ctl/migrate/disk_pull.h"

namespace xc {
namespace {

using nlohmann::json;

constexpr int64_t kChunk = 2 << 20;  // the agents' largest chunk (volume_transfer.h)

// Chunks handed from the reading thread to the writing one, at most
// kInFlight held at once. cancel() makes the reader's next put() fail.
class ChunkPipe {
 public:
  static constexpr size_t kInFlight = 4;
  using Chunk = std::pair<int64_t, std::string>;

  Status put(int64_t offset, std::string bytes) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return chunks_.size() < kInFlight || !cancelled_.ok(); });
    if (!cancelled_.ok()) return cancelled_;
    chunks_.emplace_back(offset, std::move(bytes));
    changed_.notify_all();
    return {};
  }
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  void cancel(const Status& why) {
    std::lock_guard<std::mutex> lock(mutex_);
    cancelled_ = why;
    chunks_.clear();
    changed_.notify_all();
  }
  // The next chunk, or nothing once the reader closed the pipe and all were taken.
  std::optional<Chunk> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !chunks_.empty() || closed_; });
    if (chunks_.empty()) return std::nullopt;
    Chunk next = std::move(chunks_.front());
    chunks_.pop_front();
    changed_.notify_all();
    return next;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> chunks_;
  bool closed_ = false;
  Status cancelled_;
};

Result<json> commit(HostClients& clients, const std::string& to, const std::string& volume,
                    const std::string& ext, const CopiedFile& file) {
  return clients.call(
      to, "volume.commit",
      {{"name", volume}, {"ext", ext}, {"size", file.bytes}, {"sha256", file.sha256}});
}

}  // namespace

Result<CopiedFile> read_volume_file(HostClients& clients, const std::string& from,
                                    const std::string& volume, const std::string& ext,
                                    const ChunkSink& sink,
                                    const std::function<void(int64_t, int64_t)>& progress) {
  Sha256Hasher md;
  if (!md.status().ok()) return md.status();
  CopiedFile out;
  for (;;) {
    std::string raw;
    auto chunk = clients.call_bytes(
        from, "volume.read",
        {{"name", volume}, {"ext", ext}, {"offset", out.bytes}, {"length", kChunk}}, {}, raw);
    if (!chunk.ok()) return chunk.status();
    const int64_t size = chunk->value("size", int64_t{0});
    const auto n = static_cast<int64_t>(raw.size());
    if (n > kChunk)
      return error(Code::kIo, "volume " + volume + " on " + from + ": volume.read sent too much");
    if (n > 0) {
      md.update(raw);
      if (Status s = sink(out.bytes, std::move(raw)); !s.ok()) return s;
      out.bytes += n;
    }
    if (progress) progress(out.bytes, size);
    if (chunk->value("eof", true) || n == 0) break;
  }
  auto digest = md.finish_hex();
  if (!digest.ok()) return digest.status();
  out.sha256 = *digest;
  return out;
}

Result<CopiedFile> copy_volume_file(HostClients& clients, const std::string& from,
                                    const std::string& to, const std::string& volume,
                                    const std::string& ext,
                                    const std::function<void(int64_t, int64_t)>& progress) {
  std::string why_not;
  if (auto pulled = pull_volume_file(clients, from, to, volume, ext, progress, why_not))
    return *pulled;
  // Reading from one agent and writing to the other overlap: a reader thread
  // keeps up to kInFlight chunks ahead of the writes.
  ChunkPipe pipe;
  Result<CopiedFile> read = error(Code::kInternal, "not read");
  std::thread reader([&] {
    read = read_volume_file(
        clients, from, volume, ext,
        [&](int64_t offset, std::string bytes) { return pipe.put(offset, std::move(bytes)); },
        progress);
    pipe.close();
  });
  Status written;
  while (auto chunk = pipe.take()) {
    std::string none;
    auto w = clients.call_bytes(to, "volume.write",
                                {{"name", volume}, {"ext", ext}, {"offset", chunk->first}},
                                chunk->second, none);
    if (!w.ok()) {
      written = w.status();
      pipe.cancel(written);
      break;
    }
  }
  reader.join();
  if (!written.ok()) return written;
  if (!read.ok()) return read.status();
  auto committed = commit(clients, to, volume, ext, *read);
  if (!committed.ok()) return committed.status();
  read->relayed_because = why_not;
  return *read;
}

Result<CopiedFile> upload_volume_file(HostClients& clients, const std::string& to,
                                      const std::string& volume, const std::string& path,
                                      const std::function<void(int64_t, int64_t)>& progress) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(Code::kIo, path + ": cannot open");
  in.seekg(0, std::ios::end);
  const int64_t total = static_cast<int64_t>(in.tellg());
  in.seekg(0);
  Sha256Hasher md;
  if (!md.status().ok()) return md.status();
  CopiedFile out;
  std::string buf(static_cast<size_t>(kChunk), '\0');
  while (out.bytes < total) {
    in.read(buf.data(), static_cast<std::streamsize>(std::min<int64_t>(kChunk, total - out.bytes)));
    const std::string piece = buf.substr(0, static_cast<size_t>(in.gcount()));
    if (piece.empty()) return error(Code::kIo, path + ": short read");
    md.update(piece);
    std::string none;
    auto written = clients.call_bytes(to, "volume.write",
                                      {{"name", volume}, {"ext", "qcow2"}, {"offset", out.bytes}},
                                      piece, none);
    if (!written.ok()) return written.status();
    out.bytes += static_cast<int64_t>(piece.size());
    if (progress) progress(out.bytes, total);
  }
  auto digest = md.finish_hex();
  if (!digest.ok()) return digest.status();
  out.sha256 = *digest;
  auto committed = commit(clients, to, volume, "qcow2", out);
  if (!committed.ok()) return committed.status();
  return out;
}

}  // namespace xc
