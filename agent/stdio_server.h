// `xcloud-agent rpc`: line-delimited JSON requests on stdin, one response
// line each on stdout, so xcloudctl can drive the agent over an SSH exec
// channel. A line is a request and is held to the limits of
// agent/request_limits.h: a longer line is answered with an error and
// skipped without being kept. A "console.open" request, when a console is
// served, is answered and then turns the channel into the guest console's raw
// bytes until either side closes (the SSH counterpart of the TLS port's
// "101 Switching Protocols"). Single-threaded.
#pragma once

#include <iosfwd>

#include "agent/console_target.h"
#include "agent/rpc_handler.h"
#include "common/byte_pump.h"

namespace xc {

// The console over the channel: the descriptors under `in` and `out`. The
// client sends nothing after "console.open" until it has read the reply, so
// no console byte waits in the stream's buffer.
struct StdioConsole {
  ConsoleOpener open;
  PumpLimits limits;
  int in_fd = 0;
  int out_fd = 1;
};

// Serves until end of input, or until a console session ends. Returns 0.
int serve_stdio(const RpcHandler& handler, std::istream& in, std::ostream& out,
                const StdioConsole* console = nullptr);

}  // namespace xc
