// Scratch files and directories in the image store (".download-*",
// ".import-*", ".ova-*", ".capture-*") are held with flock(LOCK_EX) by the
// process writing them for as long as it needs them. One that can be locked
// has lost its owner (Ctrl-C, kill -9, a power cut) and is removed by the
// next import or capture, which says so. Only entries older than a minute are
// tried, so one just created and not yet locked is never taken.
#pragma once

#include <string>
#include <vector>

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

// Removes the store's abandoned scratch entries; their names, for a note.
std::vector<std::string> sweep_abandoned_scratch(const std::string& store_dir);

}  // namespace xc
