// A guest console over SSH: runs the agent's rpc mode on the host (the same
// remote command as every RPC), sends one "console.open" request and, once
// the agent answered it, leaves the channel carrying the console's raw bytes
// (agent/stdio_server.h). One session per console; used by one thread.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "ctl/hosts/console_link.h"
#include "ctl/hosts/ssh_session.h"

namespace xc {

class SshConsole : public ConsoleLink {
 public:
  // `type` is "vnc" or "serial". Agent refusals come back with the agent's
  // code and message; an unreachable host is kUnavailable.
  static Result<std::unique_ptr<SshConsole>> open(const SshTransportConfig& config,
                                                  const std::string& domain,
                                                  const std::string& type);
  ~SshConsole() override;
  ByteChannel& channel() override;

 private:
  class Channel;
  SshConsole() = default;
  std::unique_ptr<SshExec> exec_;
  std::unique_ptr<Channel> channel_;
};

}  // namespace xc
