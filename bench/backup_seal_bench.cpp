// The cost of SM4 in backups (issue 16): the same raw disk file written into
// a backup target as sealed chunks (SM4-CTR + HMAC-SM3, the real
// BackupRepository) and as plain chunks (same chunking and files, no
// cipher, no MAC), then restored from the sealed backup.
//   backup_seal_bench DISK.raw WORKDIR
// Prints MiB/s for each; bench/backup_bench.sh adds cp and qemu-img.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/sm_crypto.h"
#include "ctl/backup/backup_repository.h"

namespace {

class FileSource : public xc::BackupSource {
 public:
  explicit FileSource(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY)) {}
  ~FileSource() override { ::close(fd_); }
  xc::Result<std::string> read(const std::string&, int64_t offset, int64_t length) override {
    std::string out(static_cast<size_t>(length), '\0');
    if (::pread(fd_, out.data(), out.size(), offset) != length)
      return xc::error(xc::Code::kIo, "short read");
    return out;
  }

 private:
  int fd_;
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: backup_seal_bench DISK.raw WORKDIR\n");
    return 2;
  }
  const std::string disk = argv[1], work = argv[2];
  const int64_t size = static_cast<int64_t>(std::filesystem::file_size(disk));
  const double mib = static_cast<double>(size) / (1 << 20);
  xc::BackupKey key = *xc::backup_key_from_bytes(std::string(xc::kBackupKeyBytes, 'k'));
  xc::BackupManifest m;
  m.tenant = "bench";
  m.vm = "vm";
  m.id = "full";
  m.method = "bench";
  m.disks = {{"vda", size}};
  std::map<std::string, std::vector<xc::DiskExtent>> extents = {{"vda", {{0, size}}}};

  xc::BackupRepository repo(work + "/target");
  FileSource source(disk);
  auto t0 = std::chrono::steady_clock::now();
  auto written = repo.write(m, extents, source, key);
  double sealed_s = seconds_since(t0);
  if (!written.ok()) {
    std::fprintf(stderr, "%s\n", written.status().message().c_str());
    return 1;
  }

  // The same chunking and files without SM4 and HMAC (SM3 of each chunk is
  // kept: the manifest needs it either way).
  std::filesystem::create_directories(work + "/plain");
  t0 = std::chrono::steady_clock::now();
  for (int64_t pos = 0; pos < size; pos += m.chunk_bytes) {
    int64_t len = std::min(m.chunk_bytes, size - pos);
    auto data = source.read("vda", pos, len);
    if (!xc::sm3(*data).ok()) return 1;
    std::string path = work + "/plain/" + std::to_string(pos) + ".chunk";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::write(fd, data->data(), data->size()) != len || ::fsync(fd) != 0) return 1;
    ::close(fd);
  }
  double plain_s = seconds_since(t0);

  std::filesystem::create_directories(work + "/restore");
  t0 = std::chrono::steady_clock::now();
  auto restored = repo.restore({*written}, key, work + "/restore");
  double restore_s = seconds_since(t0);
  if (!restored.ok()) {
    std::fprintf(stderr, "%s\n", restored.status().message().c_str());
    return 1;
  }
  std::printf("disk %.0f MiB, %zu chunks of %lld MiB\n", mib, written->chunks.size(),
              static_cast<long long>(m.chunk_bytes >> 20));
  std::printf("full backup sealed (SM4-CTR + HMAC-SM3 + SM3): %.2f s, %.0f MiB/s\n", sealed_s,
              mib / sealed_s);
  std::printf("full backup plain (same chunks, no cipher/MAC): %.2f s, %.0f MiB/s\n", plain_s,
              mib / plain_s);
  std::printf(
      "restore (authenticate + decrypt + check SM3 + write each chunk): %.2f s, %.0f MiB/s\n",
      restore_s, mib / restore_s);
  return 0;
}
