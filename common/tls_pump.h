// Copies bytes both ways between a TLS connection and a local file
// descriptor pair (a socket, or stdin/stdout) until either side closes or a
// limit ends it: the console tunnel's data path, on the agent (TLS <-> the
// guest's VNC or serial) and in xcloudctl (a local port or the terminal <->
// TLS). One call owns the SSL object and the descriptors for its duration;
// `stop` may be set from another thread.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdint>

namespace xc {

struct PumpLimits {
  std::chrono::milliseconds idle{30 * 60 * 1000};          // no byte either way
  std::chrono::milliseconds duration{8 * 60 * 60 * 1000};  // the whole session
  uint64_t bytes = uint64_t{64} << 30;                     // both ways together
};

enum class PumpEnd {
  kTlsClosed,    // the far side closed
  kLocalClosed,  // the local side closed (end of input, a closed socket)
  kIdle,
  kDuration,
  kBytes,
  kEscape,   // the escape byte was read from the local side
  kStopped,  // `stop` was set
  kError,    // a read or write failed
};

struct PumpResult {
  PumpEnd end = PumpEnd::kError;
  uint64_t to_tls = 0;    // bytes read locally and sent
  uint64_t from_tls = 0;  // bytes received and written locally
  std::chrono::milliseconds elapsed{0};
};

// `tls_fd` is the SSL's socket (made non-blocking here). `in_fd` is read
// (made non-blocking unless it is a terminal or pipe the caller keeps),
// `out_fd` written; they may be the same socket. `escape` (-1: none) ends the
// session when read from in_fd (the terminal's Ctrl-]). On return the TLS
// side has been sent close_notify; the descriptors stay open.
PumpResult pump_tls(SSL* ssl, int tls_fd, int in_fd, int out_fd, const PumpLimits& limits,
                    const std::atomic<bool>* stop = nullptr, int escape = -1);

// "closed by the far side", "idle timeout", ... for logs and audit records.
const char* pump_end_text(PumpEnd end);

}  // namespace xc
