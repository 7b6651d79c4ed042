#include "common/scratch_hold.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <utility>

namespace xc {

ScratchHold ScratchHold::on_fd(int fd) {
  int own = fd >= 0 ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  if (own < 0) return {};
  if (::flock(own, LOCK_EX | LOCK_NB) != 0) {
    ::close(own);
    return {};
  }
  return ScratchHold(own);
}

ScratchHold ScratchHold::on_path(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  ScratchHold hold = on_fd(fd);  // the lock belongs to the open file, which its dup keeps
  if (fd >= 0) ::close(fd);
  return hold;
}

ScratchHold::ScratchHold(ScratchHold&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

ScratchHold& ScratchHold::operator=(ScratchHold&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

ScratchHold::~ScratchHold() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace xc
