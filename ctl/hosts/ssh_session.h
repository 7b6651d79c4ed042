// One authenticated SSH session running one remote command in an exec
// channel (libssh): the host key is checked against the given known-hosts
// file before any credential is offered. Used by the agent RPC transport and
// by the console. One owner, one thread at a time.
#pragma once

#include <libssh/libssh.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace xc {

struct SshTransportConfig {
  std::string host;  // IP address or DNS name, as recorded in the known-hosts file
  int port = 22;
  std::string user = "root";
  std::string identity_file;         // private key; empty means ssh-agent and ~/.ssh defaults
  std::string known_hosts;           // required: the only file trusted for host keys
  std::string remote_command;        // e.g. "xcloud-agent rpc --config /etc/xcloud/agent.yaml"
  int timeout_seconds = 300;         // per call, including the agent's work
  int connect_timeout_seconds = 10;  // TCP connect and each step of the handshake
};

struct SshExec {
  ssh_session session = nullptr;
  ssh_channel channel = nullptr;
  ssh_key key = nullptr;
  SshExec() = default;
  SshExec(const SshExec&) = delete;
  SshExec& operator=(const SshExec&) = delete;
  // Sends EOF (the agent's rpc loop ends on it), closes and frees.
  ~SshExec();
};

// "USER@HOST:PORT" ("USER@[::1]:PORT" for IPv6), as used in messages.
std::string ssh_address(const SshTransportConfig& config);

// Connects, verifies the host key, authenticates and starts
// config.remote_command. Unknown or changed host keys and refused client keys
// are kPermissionDenied; an unreachable host is kUnavailable. Messages start
// with "ssh USER@HOST:PORT: ".
Result<std::unique_ptr<SshExec>> open_ssh_exec(const SshTransportConfig& config);

}  // namespace xc
