#include "common/file_write.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace xc {
namespace {

// Calls `write_at(pointer, length, done)` on slices of `data` until all is
// written; a call that writes nothing counts as EIO.
template <typename WriteAt>
bool write_in_slices(std::string_view data, WriteAt write_at) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write_at(data.data() + done, std::min(kFileWriteSlice, data.size() - done), done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool pwrite_all(int fd, std::string_view data, int64_t offset) {
  return write_in_slices(data, [&](const char* p, size_t n, size_t done) {
    return ::pwrite(fd, p, n, static_cast<off_t>(offset + static_cast<int64_t>(done)));
  });
}

bool write_all(int fd, std::string_view data) {
  return write_in_slices(data, [&](const char* p, size_t n, size_t) { return ::write(fd, p, n); });
}

}  // namespace xc
