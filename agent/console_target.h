// A guest console opened for a tunnel: a local socket whose far end is the
// guest's VNC server (a TCP connection to its loopback port) or its serial
// console (a libvirt stream, pumped to the socket by two threads). The tunnel
// copies between this socket and the client's TLS connection. One owner; the
// destructor ends the pumping threads.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace xc {

struct AgentContext;

class ConsoleTarget {
 public:
  virtual ~ConsoleTarget() = default;
  virtual int fd() const = 0;
  // "vnc 127.0.0.1:5900" or "serial"
  virtual std::string describe() const = 0;
};

// params {"name": DOMAIN, "type": "vnc"|"serial"}. Refuses domains xcloud
// does not own (kPermissionDenied), a stopped domain (kFailedPrecondition) and
// a VNC server that is not on the loopback address.
Result<std::unique_ptr<ConsoleTarget>> open_console_target(AgentContext& ctx,
                                                           const nlohmann::json& params);

// Opens the guest console a request names ({"name", "type"}): POST
// /v1/console on the TLS port, or "console.open" on the SSH channel.
using ConsoleOpener =
    std::function<Result<std::unique_ptr<ConsoleTarget>>(const nlohmann::json& params)>;

}  // namespace xc
