// Framed messages with file descriptors over a Unix stream socket: a 4-byte
// big-endian length, then that many bytes; descriptors ride on the first
// byte (SCM_RIGHTS). Used by the operator socket's client and server.
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

Status send_frame(int socket, const std::string& payload, const std::vector<int>& fds = {});
// Reads one frame of at most `max_bytes`; received descriptors are appended
// to `fds` (at most `max_fds`; more are closed and refused).
Result<std::string> receive_frame(int socket, size_t max_bytes, std::vector<int>* fds = nullptr,
                                  size_t max_fds = 0);

}  // namespace xc
