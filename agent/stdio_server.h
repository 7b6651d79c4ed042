// `xcloud-agent rpc`: line-delimited JSON requests on stdin, one response
// line each on stdout, so xcloudctl can drive the agent over an SSH exec
// channel. Single-threaded.
#pragma once

#include <iosfwd>

#include "agent/rpc_handler.h"

namespace xc {

// Serves until end of input. Returns 0.
int serve_stdio(const RpcHandler& handler, std::istream& in, std::ostream& out);

}  // namespace xc
