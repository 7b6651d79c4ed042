// A guest console's connection from xcloudctl to the agent of the VM's host,
// carrying the console's raw bytes once the agent accepted it: through the
// agent's mutual-TLS port (ctl/hosts/console_tunnel.h) or an SSH channel
// running the agent's rpc mode (ctl/hosts/ssh_console.h), as the Host says.
// One link per session; used by one thread.
#pragma once

#include <memory>
#include <string>

#include "common/byte_pump.h"
#include "common/model.h"
#include "common/status.h"
#include "ctl/hosts/pki_files.h"

namespace xc {

class ConsoleLink {
 public:
  virtual ~ConsoleLink() = default;
  virtual ByteChannel& channel() = 0;
};

// `type` is "vnc" or "serial". Agent refusals come back with the agent's
// code and message; an unreachable agent is kUnavailable.
Result<std::unique_ptr<ConsoleLink>> open_console_link(const PkiFiles& pki, const HostSpec& host,
                                                       const std::string& domain,
                                                       const std::string& type);

}  // namespace xc
