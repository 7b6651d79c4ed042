// AgentTransport over SSH (libssh): runs `xcloud-agent rpc` on the host in one
// exec channel and keeps it open, writing one JSON request line and reading one
// JSON reply line per call. The server's host key must already be in the given
// known-hosts file; an unknown or changed key is refused before authenticating.
// One libssh session per object, so an object must be used by one thread at a
// time.
#pragma once

#include <memory>
#include <string>

#include "ctl/hosts/agent_transport.h"
#include "ctl/hosts/ssh_session.h"

namespace xc {

class SshTransport : public AgentTransport {
 public:
  // Connects, verifies the host key, authenticates and starts the remote
  // command. Unknown or changed host keys and refused client keys are
  // kPermissionDenied; an unreachable host is kUnavailable.
  static Result<std::unique_ptr<SshTransport>> create(const SshTransportConfig& config);
  ~SshTransport() override;
  SshTransport(const SshTransport&) = delete;
  SshTransport& operator=(const SshTransport&) = delete;

  // Failures are kUnavailable, naming `ssh USER@HOST:PORT`. After a failure
  // (including a timeout) the channel is dropped and the next call reconnects.
  Result<nlohmann::json> call(const nlohmann::json& request) override;

  // "USER@HOST:PORT" ("USER@[::1]:PORT" for IPv6), as used in messages.
  const std::string& address() const { return address_; }
  // Sessions opened so far; stays put while calls reuse the channel.
  long connections_opened() const { return connections_opened_; }

 private:
  explicit SshTransport(SshTransportConfig config);
  Status open();
  void close();
  // Drops the session and returns `ssh USER@HOST:PORT: WHAT (agent stderr: ...)`.
  Status fail(Code code, const std::string& what);
  void drain_stderr();

  SshTransportConfig config_;
  std::string address_;  // USER@HOST:PORT
  std::unique_ptr<SshExec> session_;
  std::string pending_;      // stdout received beyond the last reply line
  std::string stderr_tail_;  // the last few KiB the agent wrote to stderr
  long connections_opened_ = 0;
};

}  // namespace xc
