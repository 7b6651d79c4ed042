#include "ctl/backup/backup_repository.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "common/file_write.h"
#include "common/scratch_hold.h"
#include "common/sm_crypto.h"

namespace xc {
namespace fs = std::filesystem;

namespace {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(Code::kNotFound, path + ": cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Written to a temporary name, synced, then renamed: a file is whole or absent.
Status write_file(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return error(Code::kIo, tmp + ": cannot create");
  if (!write_all(fd, data)) {
    ::close(fd);
    return error(Code::kIo, tmp + ": write failed");
  }
  bool ok = ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0)
    return error(Code::kIo, path + ": cannot write");
  return {};
}

Result<std::string> file_sm3(int fd, int64_t size) {
  Sm3Hasher hasher;
  std::string buf(1 << 20, '\0');
  for (int64_t pos = 0; pos < size;) {
    ssize_t n = ::pread(fd, buf.data(), buf.size(), pos);
    if (n <= 0) return error(Code::kIo, "cannot read back");
    hasher.update(std::string_view(buf.data(), static_cast<size_t>(n)));
    pos += n;
  }
  auto d = hasher.finish();
  if (!d.ok()) return d.status();
  return to_hex(as_bytes(*d));
}

std::string sm3_hex(std::string_view data) {
  auto d = sm3(data);
  return d.ok() ? to_hex(as_bytes(*d)) : "";
}

// Seals chunks on worker threads: add() queues chunk `index` of the
// manifest's list (blocking while kQueued wait), each worker sets its SM3 in
// the manifest, seals and writes it; the first failure stops them all and
// finish() returns it. One producer thread.
class ChunkSealers {
 public:
  ChunkSealers(std::string dir, BackupManifest& m, const BackupKey& key)
      : dir_(std::move(dir)), m_(m), key_(key) {
    for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { work(); });
  }
  ChunkSealers(const ChunkSealers&) = delete;
  ChunkSealers& operator=(const ChunkSealers&) = delete;
  ~ChunkSealers() { (void)finish(); }

  bool ok() {
    std::lock_guard<std::mutex> lock(mutex_);
    return failed_.ok();
  }
  void fail(Status why) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (failed_.ok()) failed_ = std::move(why);
    changed_.notify_all();
  }
  void add(size_t index, std::string data) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return queue_.size() < kQueued || !failed_.ok(); });
    if (!failed_.ok()) return;
    queue_.emplace_back(index, std::move(data));
    changed_.notify_all();
  }
  Status finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      changed_.notify_all();
    }
    for (auto& w : workers_)
      if (w.joinable()) w.join();
    std::lock_guard<std::mutex> lock(mutex_);
    return failed_;
  }

 private:
  static constexpr int kWorkers = 2;
  static constexpr size_t kQueued = 4;  // chunks read ahead (4 MiB each by default)

  void work() {
    for (;;) {
      std::pair<size_t, std::string> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return !queue_.empty() || closed_ || !failed_.ok(); });
        if (!failed_.ok() || queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
        changed_.notify_all();
      }
      BackupChunk& c = m_.chunks[job.first];  // each index is one worker's alone
      c.sm3 = sm3_hex(job.second);
      auto sealed = seal_chunk(key_, chunk_label(m_, c), job.second);
      Status written =
          sealed.ok() ? write_file(dir_ + "/" + chunk_file_name(c), *sealed) : sealed.status();
      if (!written.ok()) return fail(written);
    }
  }

  const std::string dir_;
  BackupManifest& m_;
  const BackupKey& key_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<size_t, std::string>> queue_;
  bool closed_ = false;
  Status failed_;
  std::vector<std::thread> workers_;
};
}  // namespace

std::string BackupRepository::vm_dir(const std::string& tenant, const std::string& vm) const {
  std::string t = tenant.empty() ? "_" : tenant;
  std::replace(t.begin(), t.end(), '/', '.');
  return root_ + "/" + t + "/" + vm;
}

std::string BackupRepository::backup_dir(const BackupManifest& m) const {
  return vm_dir(m.tenant, m.vm) + "/" + m.id;
}

Result<BackupManifest> BackupRepository::write(
    BackupManifest m, const std::map<std::string, std::vector<DiskExtent>>& extents,
    BackupSource& source, const BackupKey& key) const {
  m.key_id = key.id();
  m.chunks.clear();
  const std::string dir = backup_dir(m);
  std::error_code ec;
  if (fs::exists(dir + "/manifest.json", ec))
    return error(Code::kAlreadyExists, dir + ": a backup with this id exists");
  for (const auto& disk : m.disks) {
    fs::create_directories(dir + "/" + disk.name, ec);
    if (ec) return error(Code::kIo, dir + "/" + disk.name + ": " + ec.message());
    auto it = extents.find(disk.name);
    if (it == extents.end()) continue;
    for (const DiskExtent& e : it->second) {
      const int64_t end = std::min(e.offset + e.length, disk.size);
      for (int64_t pos = e.offset; pos < end;) {
        int64_t boundary = (pos / m.chunk_bytes + 1) * m.chunk_bytes;
        int64_t len = std::min(end, boundary) - pos;
        m.chunks.push_back({disk.name, pos, len, ""});
        pos += len;
      }
    }
  }
  // This thread reads the chunks in order while the sealers digest, encrypt
  // and write them: SM3 and SM4 are software, a core each.
  ChunkSealers sealers(dir, m, key);
  for (size_t i = 0; i < m.chunks.size() && sealers.ok(); ++i) {
    const BackupChunk& c = m.chunks[i];
    auto data = source.read(c.disk, c.offset, c.length);
    if (!data.ok()) {
      sealers.fail(data.status());
      break;
    }
    if (static_cast<int64_t>(data->size()) != c.length) {
      sealers.fail(
          error(Code::kIo, "disk " + c.disk + ": short read at " + std::to_string(c.offset)));
      break;
    }
    sealers.add(i, std::move(*data));
  }
  if (Status s = sealers.finish(); !s.ok()) return s;
  auto text = seal_manifest(m, key);
  if (!text.ok()) return text.status();
  if (Status s = write_file(dir + "/manifest.json", *text); !s.ok()) return s;
  return m;
}

Result<std::vector<BackupManifest>> BackupRepository::list(const std::string& tenant,
                                                           const std::string& vm,
                                                           const BackupKey& key) const {
  std::vector<BackupManifest> out;
  std::error_code ec;
  const std::string dir = vm_dir(tenant, vm);
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string file = entry.path().string() + "/manifest.json";
    if (!fs::exists(file, ec)) continue;  // an interrupted backup: no manifest, not a backup
    auto text = read_file(file);
    if (!text.ok()) return text.status();
    auto m = open_manifest(*text, key);
    if (!m.ok()) return error(m.status().code(), file + ": " + m.status().message());
    out.push_back(std::move(*m));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.time_ms != b.time_ms ? a.time_ms < b.time_ms : a.id < b.id;
  });
  return out;
}

Result<std::string> BackupRepository::read_chunk(const BackupManifest& m, const BackupChunk& c,
                                                 const BackupKey& key) const {
  const std::string path = backup_dir(m) + "/" + chunk_file_name(c);
  const std::string name = "backup " + m.id + " chunk " + c.disk + "@" + std::to_string(c.offset) +
                           "+" + std::to_string(c.length) + " (" + path + ")";
  auto sealed = read_file(path);
  if (!sealed.ok()) return error(Code::kNotFound, name + ": missing");
  auto plain = open_chunk(key, chunk_label(m, c), *sealed);
  if (!plain.ok()) return error(plain.status().code(), name + ": " + plain.status().message());
  if (static_cast<int64_t>(plain->size()) != c.length || sm3_hex(*plain) != c.sm3)
    return error(Code::kPermissionDenied, name + ": SM3 digest does not match the manifest");
  return plain;
}

Status BackupRepository::verify(const BackupManifest& m, const BackupKey& key) const {
  std::string bad;
  size_t count = 0;
  for (const auto& c : m.chunks) {
    auto r = read_chunk(m, c, key);
    if (r.ok()) continue;
    ++count;
    if (!bad.empty()) bad += "; ";
    bad += r.status().message();
  }
  if (count)
    return error(
        Code::kPermissionDenied,
        std::to_string(count) + " of " + std::to_string(m.chunks.size()) + " chunks fail: " + bad);
  return {};
}

Result<std::vector<BackupManifest>> BackupRepository::chain_to(
    const std::vector<BackupManifest>& all, const std::string& id) {
  std::vector<BackupManifest> chain;
  std::string want = id;
  while (!want.empty()) {
    auto it = std::find_if(all.begin(), all.end(), [&](const auto& m) { return m.id == want; });
    if (it == all.end())
      return error(Code::kNotFound, chain.empty()
                                        ? "no backup " + id
                                        : "backup " + chain.front().id + " needs backup " + want +
                                              ", which is gone");
    chain.insert(chain.begin(), *it);
    if (chain.size() > all.size()) return error(Code::kInvalidArgument, "backup chain loops");
    want = it->kind == "incremental" ? it->parent : "";
  }
  return chain;
}

Result<std::vector<RestoredDisk>> BackupRepository::restore(
    const std::vector<BackupManifest>& chain, const BackupKey& key, const std::string& out_dir,
    bool digest, const std::function<void(int64_t, int64_t)>& progress) const {
  if (chain.empty()) return error(Code::kInvalidArgument, "restore: no backup");
  const BackupManifest& last = chain.back();
  std::map<std::string, int> fds;
  std::vector<ScratchHold> holds;  // a restore killed half-way is told by its unheld .partial
  std::vector<RestoredDisk> out;
  auto cleanup = [&](Status s) -> Status {
    for (auto& [name, fd] : fds) {
      ::close(fd);
      ::unlink((out_dir + "/" + name + ".raw.partial").c_str());
    }
    return s;
  };
  for (const auto& d : last.disks) {
    std::string file = out_dir + "/" + d.name + ".raw";
    if (::access(file.c_str(), F_OK) == 0)
      return cleanup(error(Code::kAlreadyExists, file + ": exists; restore never overwrites"));
    const std::string partial = file + ".partial";
    // Left by a restore that was killed (nobody holds it): ours to replace.
    if (::access(partial.c_str(), F_OK) == 0 && ScratchHold::on_path(partial).held())
      ::unlink(partial.c_str());
    int fd = ::open(partial.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      return cleanup(
          error(Code::kIo, partial + ": cannot create" +
                               (errno == EEXIST ? " (another restore is writing it)"
                                                : std::string(": ") + std::strerror(errno))));
    holds.push_back(ScratchHold::on_fd(fd));
    fds[d.name] = fd;
    if (::ftruncate(fd, d.size) != 0) return cleanup(error(Code::kIo, file + ": cannot size"));
  }
  int64_t total = 0, done = 0;
  for (const auto& m : chain)
    for (const auto& c : m.chunks)
      if (fds.count(c.disk)) total += c.length;
  for (const auto& m : chain)
    for (const auto& c : m.chunks) {
      auto fd = fds.find(c.disk);
      if (fd == fds.end()) continue;  // a disk removed since
      auto plain = read_chunk(m, c, key);
      if (!plain.ok()) return cleanup(plain.status());
      if (!pwrite_all(fd->second, *plain, c.offset))
        return cleanup(error(Code::kIo, out_dir + "/" + c.disk + ".raw: write failed"));
      done += c.length;
      if (progress) progress(done, total);
    }
  for (const auto& d : last.disks) {
    int fd = fds[d.name];
    std::string hex;
    if (digest) {
      auto sum = file_sm3(fd, d.size);
      if (!sum.ok())
        return cleanup(error(sum.status().code(), d.name + ": " + sum.status().message()));
      hex = *sum;
    }
    if (::fsync(fd) != 0) return cleanup(error(Code::kIo, d.name + ": cannot sync"));
    out.push_back({d.name, out_dir + "/" + d.name + ".raw", d.size, hex});
  }
  for (auto& [name, fd] : fds) {
    ::close(fd);
    std::string file = out_dir + "/" + name + ".raw";
    std::rename((file + ".partial").c_str(), file.c_str());
  }
  return out;
}

Status BackupRepository::remove(const BackupManifest& m) const {
  std::error_code ec;
  const std::string dir = backup_dir(m);
  // The manifest first: a half-removed backup is no longer listed.
  fs::remove(dir + "/manifest.json", ec);
  if (ec) return error(Code::kIo, dir + ": " + ec.message());
  fs::remove_all(dir, ec);
  return ec ? error(Code::kIo, dir + ": " + ec.message()) : Status{};
}

}  // namespace xc
