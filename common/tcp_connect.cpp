#include "common/tcp_connect.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xc {
namespace {

// One non-blocking connect, waited for at most `ms`: the socket, or -1 with why.
int try_connect(const addrinfo* a, int ms, std::string& why) {
  int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      why = std::strerror(errno);
    } else {
      pollfd p{fd, POLLOUT, 0};
      int n = ::poll(&p, 1, ms);
      int err = 0;
      socklen_t len = sizeof err;
      if (n == 0) {
        why = "no answer";
      } else if (n < 0 || ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        why = std::strerror(errno);
      } else if (err != 0) {
        why = std::strerror(err);
      }
    }
  }
  if (!why.empty()) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

}  // namespace

Result<int> tcp_connect(const std::string& host, int port, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0)
    return error(Code::kUnavailable, ::gai_strerror(rc));
  std::string why = "no address";
  int fd = -1;
  for (const addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    why.clear();
    fd = try_connect(a, static_cast<int>(timeout.count()), why);
  }
  ::freeaddrinfo(found);
  if (fd < 0) return error(Code::kUnavailable, why);
  return fd;
}

}  // namespace xc
