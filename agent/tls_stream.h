// httplib's view of one request on an established TLS connection whose
// socket is non-blocking. Besides a timeout per read and per write, it bounds
// the request as a whole: all of it must arrive within a deadline and within
// a byte budget (headers, framing and body), so a client that trickles bytes
// or sends endless headers holds a worker for a bounded time and memory.
// One per request; used by one thread.
#pragma once

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT 1
#endif
#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <optional>
#include <string>

namespace xc {

struct StreamLimits {
  std::chrono::milliseconds io_timeout{5000};         // one read or write
  std::chrono::milliseconds receive_deadline{30000};  // the whole request
  std::chrono::milliseconds send_deadline{60000};     // the whole reply
  size_t receive_bytes = 0;                           // the whole request
};

class TlsStream final : public httplib::Stream {
 public:
  TlsStream(SSL* ssl, int fd, const StreamLimits& limits);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return fd_; }

  // True once a read failed because the request took too long or was too large.
  bool over_limits() const { return over_limits_; }

 private:
  using Steady = std::chrono::steady_clock;
  // Waits until the socket is ready for what OpenSSL asked for, until `deadline`.
  bool wait(int ssl_error, Steady::time_point deadline) const;

  SSL* ssl_;
  int fd_;
  StreamLimits limits_;
  Steady::time_point receive_by_;
  std::optional<Steady::time_point> send_by_;
  size_t received_ = 0;
  bool over_limits_ = false;
};

}  // namespace xc
