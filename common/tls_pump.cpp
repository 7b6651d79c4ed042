#include "common/tls_pump.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <poll.h>

#include <algorithm>

namespace xc {
namespace {

constexpr size_t kChunk = 16 * 1024;

}  // namespace

TlsChannel::TlsChannel(SSL* ssl, int fd) : ssl_(ssl), fd_(fd) {
  int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

ByteChannel::ReadResult TlsChannel::read(char* buffer, size_t capacity) {
  ERR_clear_error();
  int n = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(capacity, kChunk)));
  if (n > 0) return {Read::kData, static_cast<size_t>(n)};
  int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_ZERO_RETURN) return {Read::kClosed, 0};
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return {Read::kWouldBlock, 0};
  // A peer that closes its socket without close_notify has closed too.
  bool eof = err == SSL_ERROR_SYSCALL ||
             (err == SSL_ERROR_SSL &&
              ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
  return {eof ? Read::kClosed : Read::kError, 0};
}

bool TlsChannel::write_all(const char* data, size_t size,
                           std::chrono::steady_clock::time_point deadline) {
  while (size > 0) {
    ERR_clear_error();
    int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, kChunk)));
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return false;
    if (!wait_fd(fd_, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return false;
  }
  return true;
}

void TlsChannel::finish() {
  ERR_clear_error();
  SSL_shutdown(ssl_);
}

PumpResult pump_tls(SSL* ssl, int tls_fd, int in_fd, int out_fd, const PumpLimits& limits,
                    const std::atomic<bool>* stop, int escape) {
  TlsChannel remote(ssl, tls_fd);
  FdChannel local(in_fd, out_fd);
  return pump(local, remote, limits, stop, escape);
}

}  // namespace xc
