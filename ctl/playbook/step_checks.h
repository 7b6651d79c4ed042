// The checks verify and wait steps run against the world: a TCP port that
// accepts a connection, a command that exits 0 over SSH (libssh, the host key
// checked against known_hosts first). Thread-safe; each call its own socket
// or session.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/hosts/ssh_session.h"

namespace xc {

// Ok when HOST:PORT accepts a TCP connection within `timeout` (then closed
// at once); kUnavailable saying why otherwise.
Status tcp_answers(const std::string& host_port, std::chrono::seconds timeout);

// Runs `argv` on the SSH server of `config` (each word shell-quoted for the
// remote shell; no local shell), within `timeout`: ok when it exits 0, else
// kFailedPrecondition with its exit status and last output.
Status ssh_command_succeeds(SshTransportConfig config, const std::vector<std::string>& argv,
                            std::chrono::seconds timeout);

// "USER@HOST[:PORT]" ("USER@[v6]:PORT") into `config`; false when it is not one.
bool parse_ssh_address(const std::string& text, SshTransportConfig& config);

}  // namespace xc
