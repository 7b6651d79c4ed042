// A TCP connection opened with a deadline: each address of the name is tried
// with a non-blocking connect, so an unanswered SYN cannot hang the caller.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace xc {

// A connected socket (blocking, close-on-exec) to HOST:PORT, each address
// waited for at most `timeout`. The error says why the last address failed
// ("Connection refused", "no answer", the resolver's message), without the
// address: the caller names what it was connecting to.
Result<int> tcp_connect(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace xc
