#include "agent/volume_transfer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/storage_pool.h"
#include "common/digest.h"
#include "common/file_write.h"

namespace xc {
namespace {

Status os_error(const std::string& what) {
  return error(Code::kIo, what + ": " + std::strerror(errno));
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> volume_file(const std::string& storage_dir, const std::string& volume) {
  if (!valid_volume_name(volume))
    return error(Code::kInvalidArgument, "volume " + volume + ": not a valid volume name");
  return storage_dir + "/" + volume + ".qcow2";
}

Result<VolumeChunk> read_volume_chunk(const std::string& path, int64_t offset, int64_t length) {
  if (offset < 0 || length <= 0 || length > kMaxTransferChunk)
    return error(Code::kInvalidArgument, "volume file " + path + ": offset " +
                                             std::to_string(offset) + ", length " +
                                             std::to_string(length) + " out of range");
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    if (errno == ENOENT) return error(Code::kNotFound, "volume file " + path + ": no such file");
    return os_error("volume file " + path);
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return os_error("volume file " + path);
  VolumeChunk chunk;
  chunk.size = st.st_size;
  int64_t want = std::max<int64_t>(0, std::min<int64_t>(length, chunk.size - offset));
  chunk.data.resize(static_cast<size_t>(want));
  int64_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(f.fd, chunk.data.data() + got, static_cast<size_t>(want - got),
                        static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("volume file " + path);
    if (n == 0) break;
    got += n;
  }
  chunk.data.resize(static_cast<size_t>(got));
  chunk.eof = offset + got >= chunk.size;
  return chunk;
}

Status write_volume_chunk(const std::string& path, int64_t offset, const std::string& data) {
  if (offset < 0 || static_cast<int64_t>(data.size()) > kMaxTransferChunk)
    return error(Code::kInvalidArgument, "volume file " + path + ": chunk out of range");
  std::string part = path + ".part";
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (offset == 0 ? O_TRUNC : 0);
  Fd f{::open(part.c_str(), flags, 0600)};
  if (f.fd < 0) return os_error("volume file " + part);
  if (!pwrite_all(f.fd, data, offset)) return os_error("volume file " + part);
  // Start writing the chunk out now, so the disk works while the next one
  // travels and volume.commit's fsync has little left to wait for.
  if (!data.empty())
    ::sync_file_range(f.fd, static_cast<off_t>(offset), static_cast<off_t>(data.size()),
                      SYNC_FILE_RANGE_WRITE);
  return {};
}

Status commit_volume_part(const std::string& path, int64_t size, const std::string& sha256) {
  std::string part = path + ".part";
  Fd f{::open(part.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) {
    // An empty volume is sent as no chunk at all: create its part now.
    if (errno != ENOENT || size != 0) return os_error("volume file " + part);
    Status made = write_volume_chunk(path, 0, "");
    if (!made.ok()) return made;
    f.fd = ::open(part.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd < 0) return os_error("volume file " + part);
  }
  Sha256Hasher md;
  if (!md.status().ok()) return md.status();
  std::string buffer(1 << 20, '\0');
  int64_t total = 0;
  for (;;) {
    ssize_t n = ::read(f.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("volume file " + part);
    if (n == 0) break;
    total += n;
    md.update(std::string_view(buffer.data(), static_cast<size_t>(n)));
  }
  auto digest = md.finish_hex();
  if (!digest.ok()) return digest.status();
  const std::string& hex = *digest;
  if (total != size || hex != sha256) {
    ::unlink(part.c_str());
    return error(Code::kIo, "volume file " + path + ": copy has " + std::to_string(total) +
                                " bytes, sha256 " + hex + "; expected " + std::to_string(size) +
                                " bytes, sha256 " + sha256);
  }
  if (::fsync(f.fd) != 0) return os_error("volume file " + part);
  return place_volume_part(path);
}

Status place_volume_part(const std::string& path) {
  const std::string part = path + ".part";
  if (::rename(part.c_str(), path.c_str()) != 0) return os_error("volume file " + path);
  return {};
}

}  // namespace xc
