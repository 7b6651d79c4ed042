#include "common/sent_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace xc {

std::string sent_file_location(const std::string& dir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return dir + "/" + kSentAbsoluteDir + path;
  return dir + "/" + path;
}

std::string readable_path(const std::string& path) {
  const char* dir = std::getenv(kSentFilesEnv);
  if (dir == nullptr || *dir == '\0') return path;
  return sent_file_location(dir, path);
}

namespace {

constexpr int64_t kRoomToSpare = 256 << 20;  // left free beside the copy

// Copies all of `in` (from offset 0) into `out`: in the kernel when it can.
Status copy_descriptor(int in, int out, int64_t size) {
  loff_t from = 0;
  while (from < size) {
    ssize_t n = ::copy_file_range(in, &from, out, nullptr, static_cast<size_t>(size - from), 0);
    if (n > 0) continue;
    if (n == 0) break;
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
      return error(Code::kIo, std::string("copy: ") + std::strerror(errno));
    std::vector<char> buf(1 << 20);
    for (;;) {
      ssize_t got = ::pread(in, buf.data(), buf.size(), from);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return error(Code::kIo, std::string("read: ") + std::strerror(errno));
      if (got == 0) return {};
      for (ssize_t done = 0; done < got;) {
        ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(got - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return error(Code::kIo, std::string("write: ") + std::strerror(errno));
        done += w;
      }
      from += got;
    }
  }
  return {};
}

}  // namespace

Result<std::string> local_file_for(const std::string& path) {
  const char* passed = std::getenv(kPassedFileEnv);
  const char* dir = std::getenv(kSentFilesEnv);
  if (passed == nullptr || path != passed || dir == nullptr || *dir == '\0') return path;
  struct stat st {};
  if (::fstat(kPassedFileFd, &st) != 0)
    return error(Code::kInvalidArgument, path + ": the passed file is not open");
  if (!S_ISREG(st.st_mode)) return error(Code::kInvalidArgument, path + ": not a regular file");
  struct statvfs fs {};
  if (::statvfs(dir, &fs) == 0 &&
      static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize) <
          st.st_size + kRoomToSpare)
    return error(Code::kFailedPrecondition,
                 path + ": " + std::to_string(st.st_size >> 20) +
                     " MiB do not fit beside the controller's state (its copy of the file)");
  const std::string copy_dir = std::string(dir) + "/.passed";
  std::error_code ec;
  std::filesystem::create_directories(copy_dir, ec);
  std::string name = std::filesystem::path(path).filename().string();
  if (name.empty() || name == "." || name == "..") name = "file";
  const std::string copy = copy_dir + "/" + name;
  int out = ::open(copy.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) return error(Code::kIo, copy + ": " + std::strerror(errno));
  Status copied = copy_descriptor(kPassedFileFd, out, st.st_size);
  if (::close(out) != 0 && copied.ok()) copied = error(Code::kIo, copy + ": close failed");
  if (!copied.ok()) return error(copied.code(), path + ": " + copied.message());
  return copy;
}

}  // namespace xc
