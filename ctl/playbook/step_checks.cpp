#include "ctl/playbook/step_checks.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/printable.h"
#include "common/shell_quote.h"
#include "ctl/hosts/ssh_transport.h"
#include "ctl/playbook/playbook_parse.h"

namespace xc {
namespace {

// One non-blocking connect, waited for at most `ms`; "" when it connected.
std::string try_connect(const addrinfo* a, int ms) {
  int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
  if (fd < 0) return std::strerror(errno);
  std::string why;
  if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      why = std::strerror(errno);
    } else {
      pollfd p{fd, POLLOUT, 0};
      int n = poll(&p, 1, ms);
      int err = 0;
      socklen_t len = sizeof err;
      if (n == 0) {
        why = "no answer";
      } else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
        why = std::strerror(errno);
      } else if (err != 0) {
        why = std::strerror(err);
      }
    }
  }
  close(fd);
  return why;
}

}  // namespace

Status tcp_answers(const std::string& host_port, std::chrono::seconds timeout) {
  std::string host;
  int port = 0;
  if (!split_host_port(host_port, host, port))
    return error(Code::kInvalidArgument, "tcp " + printable(host_port) + ": expected HOST:PORT");
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0)
    return error(Code::kUnavailable, "tcp " + printable(host_port) + ": " + gai_strerror(rc));
  std::string why = "no address";
  int ms = static_cast<int>(std::chrono::milliseconds(timeout).count());
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    why = try_connect(a, ms);
    if (why.empty()) break;
  }
  freeaddrinfo(found);
  if (why.empty()) return {};
  return error(Code::kUnavailable, "tcp " + printable(host_port) + ": " + why);
}

bool parse_ssh_address(const std::string& text, SshTransportConfig& config) {
  size_t at = text.find('@');
  std::string rest = at == std::string::npos ? text : text.substr(at + 1);
  if (at != std::string::npos) config.user = text.substr(0, at);
  if (config.user.empty() || config.user.find_first_of(" \t:/") != std::string::npos) return false;
  std::string host;
  int port = 0;
  if (split_host_port(rest, host, port)) {
    config.host = host;
    config.port = port;
  } else {
    if (rest.empty() || rest.find_first_of(" \t/[]") != std::string::npos) return false;
    config.host = rest;
  }
  return true;
}

Status ssh_command_succeeds(SshTransportConfig config, const std::vector<std::string>& argv,
                            std::chrono::seconds timeout) {
  std::string command;
  for (const auto& a : argv) command += (command.empty() ? "" : " ") + shell_quote(a);
  config.remote_command = "true";  // the session's own channel; the command gets its own
  config.timeout_seconds = static_cast<int>(timeout.count());
  config.connect_timeout_seconds = std::min(config.connect_timeout_seconds, config.timeout_seconds);
  auto session = SshTransport::create(config);
  if (!session.ok()) return session.status();
  auto ran = (*session)->run(command, nullptr, static_cast<int>(timeout.count()));
  if (!ran.ok()) return ran.status();
  if (ran->exit_status != 0)
    return error(Code::kFailedPrecondition,
                 "ssh " + (*session)->address() + ": exited " + std::to_string(ran->exit_status) +
                     (ran->output.empty() ? "" : ": " + printable(one_line(ran->output))));
  return {};
}

}  // namespace xc
