#include "ctl/store/state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <sstream>

namespace xc {
namespace {

std::string to_text(const LockHolder& h) {
  return "command=" + h.command + "\nuser=" + h.user + "\npid=" + std::to_string(h.pid) +
         "\nstarted_ms=" + std::to_string(h.started_ms) + "\n";
}

int64_t number_or_zero(const std::string& text) {
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return 0;
  }
}

// What the lock file says; fields stay empty when it says nothing yet.
LockHolder read_holder(int fd) {
  std::string text;
  std::array<char, 4096> buf{};
  ssize_t n = ::pread(fd, buf.data(), buf.size(), 0);
  if (n > 0) text.assign(buf.data(), static_cast<size_t>(n));
  LockHolder h;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "command") h.command = value;
    if (key == "user") h.user = value;
    if (key == "pid") h.pid = number_or_zero(value);
    if (key == "started_ms") h.started_ms = number_or_zero(value);
  }
  return h;
}

std::tm local_tm(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  return tm;
}

Status write_holder(int fd, const LockHolder& me, const std::string& path) {
  std::string text = to_text(me);
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return error(Code::kIo, "state lock " + path + ": cannot write: " + std::strerror(errno));
  }
  return {};
}

}  // namespace

std::string LockHolder::describe(int64_t now_ms) const {
  if (pid == 0) return "another xcloudctl";
  // Raw text: the CLI prints it escaped (whoever can write the state
  // directory can edit the file).
  std::string text = "the " + (command.empty() ? std::string("command") : command) + " by " +
                     (user.empty() ? std::string("an unknown user") : user) + " (pid " +
                     std::to_string(pid) + ")";
  if (started_ms <= 0) return text;
  std::tm started = local_tm(started_ms), now = local_tm(now_ms);
  bool today = started.tm_year == now.tm_year && started.tm_yday == now.tm_yday;
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), today ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &started);
  return text + " started " + buf.data();
}

std::string state_lock_path(const std::string& state_path) {
  return state_path + ".lock";
}

StateLock::StateLock(StateLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

StateLock& StateLock::operator=(StateLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

StateLock::~StateLock() {
  if (fd_ < 0) return;
  // Say nobody holds it; the kernel releases the flock on close.
  if (::ftruncate(fd_, 0) != 0) {
    // Harmless: a stale name is overwritten by the next holder.
  }
  ::close(fd_);
}

std::string serve_lock_path(const std::string& state_path) {
  return state_path + ".serve.lock";
}

Result<StateLock> StateLock::acquire(const std::string& state_path, const LockHolder& me, bool wait,
                                     const std::function<void(const LockHolder&)>& on_wait,
                                     int64_t now_ms) {
  return acquire_file(state_lock_path(state_path), me, wait, on_wait, [&](const LockHolder& h) {
    return "state database " + state_path + " is in use by " + h.describe(now_ms);
  });
}

Result<StateLock> StateLock::acquire_serve(const std::string& state_path, const LockHolder& me,
                                           int64_t now_ms) {
  return acquire_file(serve_lock_path(state_path), me, false, nullptr, [&](const LockHolder& h) {
    return "state database " + state_path + " is already served by " + h.describe(now_ms);
  });
}

Result<StateLock> StateLock::acquire_file(
    const std::string& path, const LockHolder& me, bool wait,
    const std::function<void(const LockHolder&)>& on_wait,
    const std::function<std::string(const LockHolder&)>& busy) {
  // O_CLOEXEC: a child process must not keep the state locked after we exit.
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return error(Code::kIo, "state lock " + path + ": cannot open: " + std::strerror(errno));
  }
  StateLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return error(Code::kIo, "state lock " + path + ": " + std::strerror(errno));
    }
    LockHolder holder = read_holder(fd);
    if (!wait) return error(Code::kUnavailable, busy(holder));
    if (on_wait) on_wait(holder);
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) return error(Code::kIo, "state lock " + path + ": " + std::strerror(errno));
  }
  if (Status st = write_holder(fd, me, path); !st.ok()) return st;
  return lock;
}

}  // namespace xc
