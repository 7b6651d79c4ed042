#include "common/byte_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace xc {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kChunk = 16 * 1024;
constexpr milliseconds kTick{200};  // how often `stop` and the limits are looked at

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

bool wait_fd(int fd, short events, Steady::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Steady::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::min(left, kTick).count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

// A terminal stays blocking (its mode belongs to the user's shell); it is
// only read when poll says it has input.
FdChannel::FdChannel(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) {
  if (!::isatty(in_fd_)) set_nonblocking(in_fd_);
  if (out_fd_ != in_fd_ && !::isatty(out_fd_)) set_nonblocking(out_fd_);
}

ByteChannel::ReadResult FdChannel::read(char* buffer, size_t capacity) {
  pollfd p{in_fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) return {Read::kWouldBlock, 0};
  ssize_t n = ::read(in_fd_, buffer, capacity);
  if (n > 0) return {Read::kData, static_cast<size_t>(n)};
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return {Read::kWouldBlock, 0};
  return {Read::kClosed, 0};  // end of input, or a reset socket
}

bool FdChannel::write_all(const char* data, size_t size, Steady::time_point deadline) {
  while (size > 0) {
    ssize_t n = ::write(out_fd_, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(out_fd_, POLLOUT, deadline)) return false;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

PumpResult pump(ByteChannel& local, ByteChannel& remote, const PumpLimits& limits,
                const std::atomic<bool>* stop, int escape) {
  PumpResult r;
  const auto start = Steady::now();
  auto last_activity = start;
  char buf[kChunk];
  auto finish = [&](PumpEnd end) {
    r.end = end;
    r.elapsed = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
    remote.finish();
    local.finish();
    return r;
  };
  for (;;) {
    auto now = Steady::now();
    if (stop && stop->load()) return finish(PumpEnd::kStopped);
    if (now - start >= limits.duration) return finish(PumpEnd::kDuration);
    if (now - last_activity >= limits.idle) return finish(PumpEnd::kIdle);
    if (r.to_remote + r.from_remote >= limits.bytes) return finish(PumpEnd::kBytes);
    // A write may wait until the idle limit: a peer that reads nothing ends it.
    const auto write_by = now + limits.idle;
    bool progressed = false;

    // Remote -> local, including what the channel already holds decoded.
    for (;;) {
      auto got = remote.read(buf, sizeof buf);
      if (got.state == ByteChannel::Read::kWouldBlock) break;
      if (got.state == ByteChannel::Read::kClosed) return finish(PumpEnd::kRemoteClosed);
      if (got.state == ByteChannel::Read::kError) return finish(PumpEnd::kError);
      if (!local.write_all(buf, got.size, write_by)) return finish(PumpEnd::kLocalClosed);
      r.from_remote += got.size;
      progressed = true;
    }

    // Local -> remote: one read a round, so a busy local side cannot starve
    // the other direction.
    auto got = local.read(buf, sizeof buf);
    if (got.state == ByteChannel::Read::kClosed || got.state == ByteChannel::Read::kError)
      return finish(PumpEnd::kLocalClosed);
    if (got.state == ByteChannel::Read::kData) {
      size_t size = got.size;
      bool escaped = false;
      if (escape >= 0) {
        if (const void* at = std::memchr(buf, escape, size)) {
          size = static_cast<size_t>(static_cast<const char*>(at) - buf);
          escaped = true;
        }
      }
      if (size > 0 && !remote.write_all(buf, size, write_by)) return finish(PumpEnd::kRemoteClosed);
      r.to_remote += size;
      if (escaped) return finish(PumpEnd::kEscape);
      progressed = true;
    }
    if (progressed) {
      last_activity = Steady::now();
      continue;
    }
    pollfd both[2] = {{remote.poll_fd(), POLLIN, 0}, {local.poll_fd(), POLLIN, 0}};
    ::poll(both, 2, static_cast<int>(kTick.count()));
  }
}

const char* pump_end_text(PumpEnd end) {
  switch (end) {
    case PumpEnd::kRemoteClosed:
      return "closed by the far side";
    case PumpEnd::kLocalClosed:
      return "closed by the client";
    case PumpEnd::kIdle:
      return "idle timeout";
    case PumpEnd::kDuration:
      return "session time limit";
    case PumpEnd::kBytes:
      return "byte limit";
    case PumpEnd::kEscape:
      return "ended by the escape key";
    case PumpEnd::kStopped:
      return "stopped";
    case PumpEnd::kError:
      return "error";
  }
  return "error";
}

}  // namespace xc
