// A TLS connection as one end of a byte pump (common/byte_pump.h): the
// console tunnel's connection between xcloudctl and the agent, after the
// agent answered "101 Switching Protocols". Does not own the SSL object or
// its socket; used by one pump at a time.
#pragma once

#include <openssl/ssl.h>

#include "common/byte_pump.h"

namespace xc {

class TlsChannel : public ByteChannel {
 public:
  // `fd` is the SSL's socket; it is made non-blocking here.
  TlsChannel(SSL* ssl, int fd);
  ReadResult read(char* buffer, size_t capacity) override;
  bool write_all(const char* data, size_t size,
                 std::chrono::steady_clock::time_point deadline) override;
  int poll_fd() const override { return fd_; }
  // Sends close_notify, best effort: the socket is non-blocking.
  void finish() override;

 private:
  SSL* ssl_;
  int fd_;
};

// The pump between a TLS connection and a local descriptor pair.
PumpResult pump_tls(SSL* ssl, int tls_fd, int in_fd, int out_fd, const PumpLimits& limits,
                    const std::atomic<bool>* stop = nullptr, int escape = -1);

}  // namespace xc
