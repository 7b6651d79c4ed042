#include "agent/tls_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>

namespace xc {
namespace {

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    port = ntohs(in.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    port = ntohs(in6.sin6_port);
  }
  ip = text;
}

}  // namespace

TlsStream::TlsStream(SSL* ssl, int fd, const StreamLimits& limits)
    : ssl_(ssl), fd_(fd), limits_(limits), receive_by_(Steady::now() + limits.receive_deadline) {}

bool TlsStream::wait(int ssl_error, Steady::time_point deadline) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
  int ready = ::poll(&p, 1, static_cast<int>(std::min(left, limits_.io_timeout).count()));
  return ready > 0;
}

bool TlsStream::is_readable() const {
  return SSL_pending(ssl_) > 0 || wait(SSL_ERROR_WANT_READ, receive_by_);
}

bool TlsStream::is_writable() const {
  return wait(SSL_ERROR_WANT_WRITE, send_by_.value_or(Steady::now() + limits_.send_deadline));
}

ssize_t TlsStream::read(char* ptr, size_t size) {
  if (limits_.receive_bytes > 0) {
    if (received_ >= limits_.receive_bytes) {
      over_limits_ = true;
      return -1;
    }
    size = std::min(size, limits_.receive_bytes - received_);
  }
  for (;;) {
    ERR_clear_error();
    int n = SSL_read(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
    if (n > 0) {
      received_ += static_cast<size_t>(n);
      return n;
    }
    int err = SSL_get_error(ssl_, n);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
      return err == SSL_ERROR_ZERO_RETURN ? 0 : -1;
    if (Steady::now() >= receive_by_) {
      over_limits_ = true;
      return -1;
    }
    if (!wait(err, receive_by_)) return -1;
  }
}

ssize_t TlsStream::write(const char* ptr, size_t size) {
  if (!send_by_) send_by_ = Steady::now() + limits_.send_deadline;
  for (;;) {
    ERR_clear_error();
    int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, INT32_MAX)));
    if (n > 0) return n;
    int err = SSL_get_error(ssl_, n);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return -1;
    if (!wait(err, *send_by_)) return -1;
  }
}

void TlsStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
}

void TlsStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, ip, port);
}

}  // namespace xc
