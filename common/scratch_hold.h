// An exclusive flock held on a scratch file or directory by the process
// writing it, for as long as it needs it. Whoever can take the lock knows
// the owner is gone (Ctrl-C, kill -9, a power cut) and may remove the entry:
// the image store's scratch files (ctl/images/store_scratch.h) and a
// restore's .partial files work this way.
#pragma once

#include <string>

namespace xc {

// An exclusive flock on a file or directory, released when destroyed. Movable.
class ScratchHold {
 public:
  ScratchHold() = default;
  // Locks the open descriptor `fd` (not taken over: the caller closes it).
  static ScratchHold on_fd(int fd);
  // Opens `path` (a file or a directory) and locks it; empty on failure.
  static ScratchHold on_path(const std::string& path);
  ScratchHold(ScratchHold&& other) noexcept;
  ScratchHold& operator=(ScratchHold&& other) noexcept;
  ScratchHold(const ScratchHold&) = delete;
  ScratchHold& operator=(const ScratchHold&) = delete;
  ~ScratchHold();
  bool held() const { return fd_ >= 0; }

 private:
  explicit ScratchHold(int fd) : fd_(fd) {}
  int fd_ = -1;  // our own duplicate, so closing it never drops the owner's fd
};

}  // namespace xc
