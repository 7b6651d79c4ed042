#include "ctl/cli/unix_fds.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xc {
namespace {

Status write_all(int socket, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(socket, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return error(Code::kUnavailable, std::string("socket: ") +
                                           (errno == EAGAIN ? "timed out" : std::strerror(errno)));
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

Status read_all(int socket, char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::recv(socket, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return error(Code::kUnavailable, "socket: closed by the other side");
    if (n < 0)
      return error(Code::kUnavailable, std::string("socket: ") +
                                           (errno == EAGAIN ? "timed out" : std::strerror(errno)));
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

}  // namespace

Status send_frame(int socket, const std::string& payload, const std::vector<int>& fds) {
  unsigned char header[4] = {static_cast<unsigned char>(payload.size() >> 24),
                             static_cast<unsigned char>(payload.size() >> 16),
                             static_cast<unsigned char>(payload.size() >> 8),
                             static_cast<unsigned char>(payload.size())};
  if (payload.size() > 0xffffffffu) return error(Code::kInvalidArgument, "frame too large");
  size_t first = 0;
  if (!fds.empty()) {
    // The descriptors go with the header's first byte.
    iovec iov{header, 1};
    std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()), 0);
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    ssize_t n;
    do n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n != 1)
      return error(Code::kUnavailable, std::string("socket: ") +
                                           (errno == EAGAIN ? "timed out" : std::strerror(errno)));
    first = 1;
  }
  if (Status s = write_all(socket, reinterpret_cast<char*>(header) + first, 4 - first); !s.ok())
    return s;
  return write_all(socket, payload.data(), payload.size());
}

Result<std::string> receive_frame(int socket, size_t max_bytes, std::vector<int>* fds,
                                  size_t max_fds) {
  unsigned char header[4];
  iovec iov{header, 1};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * (max_fds > 0 ? max_fds : 1)), 0);
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n;
  do n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n == 0) return error(Code::kUnavailable, "socket: closed by the other side");
  if (n < 0)
    return error(Code::kUnavailable,
                 std::string("socket: ") + (errno == EAGAIN ? "timed out" : std::strerror(errno)));
  bool too_many = (msg.msg_flags & MSG_CTRUNC) != 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (fds != nullptr && fds->size() < max_fds)
        fds->push_back(fd);
      else {
        ::close(fd);
        too_many = true;
      }
    }
  }
  if (too_many) return error(Code::kInvalidArgument, "socket: too many descriptors");
  if (Status s = read_all(socket, reinterpret_cast<char*>(header) + 1, 3); !s.ok()) return s;
  size_t size = (size_t{header[0]} << 24) | (size_t{header[1]} << 16) | (size_t{header[2]} << 8) |
                size_t{header[3]};
  if (size > max_bytes)
    return error(Code::kInvalidArgument, "socket: a message of " + std::to_string(size) +
                                             " bytes (at most " + std::to_string(max_bytes) + ")");
  std::string payload(size, '\0');
  if (Status s = read_all(socket, payload.data(), size); !s.ok()) return s;
  return payload;
}

}  // namespace xc
