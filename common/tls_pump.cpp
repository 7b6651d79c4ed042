#include "common/tls_pump.h"

#include <fcntl.h>
#include <openssl/err.h>
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

// Writes all of `data` to a (possibly non-blocking) descriptor by `deadline`.
bool write_all_fd(int fd, const char* data, size_t size, Steady::time_point deadline) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_fd(fd, POLLOUT, deadline)) return false;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return false;
    }
  }
  return true;
}

bool write_all_tls(SSL* ssl, int fd, const char* data, size_t size, Steady::time_point deadline) {
  while (size > 0) {
    ERR_clear_error();
    int n = SSL_write(ssl, data, static_cast<int>(std::min<size_t>(size, kChunk)));
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    int err = SSL_get_error(ssl, n);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return false;
    if (!wait_fd(fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return false;
  }
  return true;
}

}  // namespace

PumpResult pump_tls(SSL* ssl, int tls_fd, int in_fd, int out_fd, const PumpLimits& limits,
                    const std::atomic<bool>* stop, int escape) {
  PumpResult r;
  const auto start = Steady::now();
  auto last_activity = start;
  set_nonblocking(tls_fd);
  if (!::isatty(in_fd)) set_nonblocking(in_fd);
  if (out_fd != in_fd && !::isatty(out_fd)) set_nonblocking(out_fd);
  char buf[kChunk];
  auto finish = [&](PumpEnd end) {
    r.end = end;
    r.elapsed = std::chrono::duration_cast<milliseconds>(Steady::now() - start);
    ERR_clear_error();
    SSL_shutdown(ssl);  // close_notify, best effort: the socket is non-blocking
    return r;
  };
  for (;;) {
    auto now = Steady::now();
    if (stop && stop->load()) return finish(PumpEnd::kStopped);
    if (now - start >= limits.duration) return finish(PumpEnd::kDuration);
    if (now - last_activity >= limits.idle) return finish(PumpEnd::kIdle);
    if (r.to_tls + r.from_tls >= limits.bytes) return finish(PumpEnd::kBytes);
    // A write may wait until the idle limit: a peer that reads nothing ends it.
    const auto write_by = now + limits.idle;
    bool progressed = false;

    // TLS -> local, including records OpenSSL already holds.
    for (;;) {
      ERR_clear_error();
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) {
        if (!write_all_fd(out_fd, buf, static_cast<size_t>(n), write_by))
          return finish(PumpEnd::kLocalClosed);
        r.from_tls += static_cast<uint64_t>(n);
        progressed = true;
        continue;
      }
      int err = SSL_get_error(ssl, n);
      if (err == SSL_ERROR_ZERO_RETURN) return finish(PumpEnd::kTlsClosed);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
      // A peer that closes its socket without close_notify has closed too.
      bool eof = err == SSL_ERROR_SYSCALL ||
                 (err == SSL_ERROR_SSL &&
                  ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
      return finish(eof ? PumpEnd::kTlsClosed : PumpEnd::kError);
    }

    // Local -> TLS.
    pollfd in{in_fd, POLLIN, 0};
    if (::poll(&in, 1, 0) > 0) {
      ssize_t n = ::read(in_fd, buf, sizeof buf);
      if (n == 0) return finish(PumpEnd::kLocalClosed);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return finish(PumpEnd::kLocalClosed);
      if (n > 0) {
        size_t size = static_cast<size_t>(n);
        bool escaped = false;
        if (escape >= 0) {
          if (const void* at = std::memchr(buf, escape, size)) {
            size = static_cast<size_t>(static_cast<const char*>(at) - buf);
            escaped = true;
          }
        }
        if (size > 0 && !write_all_tls(ssl, tls_fd, buf, size, write_by))
          return finish(PumpEnd::kTlsClosed);
        r.to_tls += size;
        if (escaped) return finish(PumpEnd::kEscape);
        progressed = true;
      }
    }
    if (progressed) {
      last_activity = Steady::now();
      continue;
    }
    pollfd both[2] = {{tls_fd, POLLIN, 0}, {in_fd, POLLIN, 0}};
    ::poll(both, 2, static_cast<int>(kTick.count()));
  }
}

const char* pump_end_text(PumpEnd end) {
  switch (end) {
    case PumpEnd::kTlsClosed:
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
