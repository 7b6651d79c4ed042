#include "ctl/backup/key_store.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace xc {

std::string backup_key_path(const std::string& state_dir) {
  return state_dir + "/keys/backup.key";
}

Result<BackupKey> load_backup_key(const std::string& path, bool create) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && create) {
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    std::filesystem::create_directories(dir, ec);
    ::chmod(dir.c_str(), 0700);
    std::string raw(kBackupKeyBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), kBackupKeyBytes) != 1)
      return error(Code::kInternal, "backup key: no random bytes");
    int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) return error(Code::kIo, path + ": cannot create the backup key");
    bool ok = ::write(out, raw.data(), raw.size()) == static_cast<ssize_t>(raw.size());
    ok = ::fsync(out) == 0 && ok;
    ok = ::close(out) == 0 && ok;
    if (!ok) return error(Code::kIo, path + ": cannot write the backup key");
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0)
    return error(Code::kNotFound, path + ": no backup key (the first 'backup run' makes one)");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    return error(Code::kPermissionDenied,
                 path + ": the backup key must be readable by its owner only (chmod 600)");
  }
  std::string raw(kBackupKeyBytes + 1, '\0');
  ssize_t n = ::read(fd, raw.data(), raw.size());
  ::close(fd);
  if (n < 0) return error(Code::kIo, path + ": cannot read");
  raw.resize(static_cast<size_t>(n));
  auto key = backup_key_from_bytes(raw);
  if (!key.ok()) return error(key.status().code(), path + ": " + key.status().message());
  return key;
}

}  // namespace xc
