#include "ctl/playbook/step_checks.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/printable.h"
#include "common/shell_quote.h"
#include "common/tcp_connect.h"
#include "ctl/hosts/ssh_transport.h"
#include "ctl/playbook/playbook_parse.h"

namespace xc {

Status tcp_answers(const std::string& host_port, std::chrono::seconds timeout) {
  std::string host;
  int port = 0;
  if (!split_host_port(host_port, host, port))
    return error(Code::kInvalidArgument, "tcp " + printable(host_port) + ": expected HOST:PORT");
  auto fd = tcp_connect(host, port, timeout);
  if (!fd.ok())
    return error(Code::kUnavailable, "tcp " + printable(host_port) + ": " + fd.status().message());
  ::close(*fd);
  return {};
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
