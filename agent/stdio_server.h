// `xcloud-agent rpc`: line-delimited JSON requests on stdin, one response
// line each on stdout, so xcloudctl can drive the agent over an SSH exec
// channel. A line is a request and is held to the limits of
// agent/request_limits.h: a longer line is answered with an error and
// skipped without being kept. Single-threaded.
#pragma once

#include <iosfwd>

#include "agent/rpc_handler.h"

namespace xc {

// Serves until end of input. Returns 0.
int serve_stdio(const RpcHandler& handler, std::istream& in, std::ostream& out);

}  // namespace xc
