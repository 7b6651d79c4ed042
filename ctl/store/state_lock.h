// One change at a time per state database: an exclusive flock(2) on a lock
// file beside it (STATE.lock) holding the holder's identity. The kernel drops
// the lock when the holder dies, so a lock left by a killed process is simply
// taken over. Not thread-safe; one lock per process and state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace xc {

// Who holds (or wants) the lock, as written in the lock file.
struct LockHolder {
  std::string command;  // "apply", "bill close"
  std::string user;
  int64_t pid = 0;
  int64_t started_ms = 0;

  // "the apply by alice (pid 1234) started 12:03:05" (local time; the date
  // too when not today). `now_ms` decides "today". Unescaped: print it with
  // printable().
  std::string describe(int64_t now_ms) const;
};

// The lock file of `state_path`: "STATE.lock".
std::string state_lock_path(const std::string& state_path);
// The lock `xcloudctl serve` holds while it runs: "STATE.serve.lock" (apart
// from STATE.lock, which changes take one at a time while serve runs).
std::string serve_lock_path(const std::string& state_path);

class StateLock {
 public:
  StateLock() = default;
  StateLock(StateLock&& other) noexcept;
  StateLock& operator=(StateLock&& other) noexcept;
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;
  ~StateLock();

  bool held() const { return fd_ >= 0; }

  // Takes the lock of `state_path` for `me`. When another process holds it:
  // with `wait`, calls `on_wait` once with the holder (empty fields if it has
  // not written itself yet) and blocks until it is free; without, fails at
  // once with kUnavailable "state database STATE is in use by HOLDER". The
  // lock file is created 0600 if missing.
  static Result<StateLock> acquire(const std::string& state_path, const LockHolder& me, bool wait,
                                   const std::function<void(const LockHolder&)>& on_wait,
                                   int64_t now_ms);
  // The serve lock of `state_path`, without waiting: kUnavailable "state
  // database STATE is already served by HOLDER" when another process has it.
  static Result<StateLock> acquire_serve(const std::string& state_path, const LockHolder& me,
                                         int64_t now_ms);

 private:
  static Result<StateLock> acquire_file(const std::string& path, const LockHolder& me, bool wait,
                                        const std::function<void(const LockHolder&)>& on_wait,
                                        const std::function<std::string(const LockHolder&)>& busy);
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace xc
