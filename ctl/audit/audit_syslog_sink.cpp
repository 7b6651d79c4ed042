// The real SyslogSink: a TCP connection, optionally wrapped in TLS.
#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ctl/audit/audit_syslog.h"

namespace xc {
namespace {

std::string ssl_error() {
  unsigned long code = ERR_peek_last_error();
  char text[256] = "unknown TLS error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

class SocketSink final : public SyslogSink {
 public:
  SocketSink(std::string name, int fd) : name_(std::move(name)), fd_(fd) {}
  // A graceful close: our close_notify and FIN, then read until the
  // receiver closes. Closing with unread bytes (TLS 1.3 session tickets)
  // would send a reset, and a reset can discard records the receiver has not
  // read yet.
  ~SocketSink() override {
    if (ssl_ != nullptr) SSL_shutdown(ssl_);
    ::shutdown(fd_, SHUT_WR);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buf[1024];
    while ((ssl_ != nullptr ? SSL_read(ssl_, buf, sizeof buf) : ::recv(fd_, buf, sizeof buf, 0)) >
           0) {
    }
    ERR_clear_error();
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    ::close(fd_);
  }

  Status start_tls(const SyslogTarget& target, const SyslogTls& tls);

  Status send(std::string_view frame) override {
    size_t done = 0;
    while (done < frame.size()) {
      const char* p = frame.data() + done;
      size_t left = frame.size() - done;
      if (ssl_ != nullptr) {
        size_t n = 0;
        if (SSL_write_ex(ssl_, p, left, &n) != 1) {
          return error(Code::kUnavailable, name_ + ": TLS write failed: " + ssl_error());
        }
        done += n;
        continue;
      }
      ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return error(Code::kUnavailable, name_ + ": send failed: " + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    return {};
  }

 private:
  std::string name_;
  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

Status SocketSink::start_tls(const SyslogTarget& target, const SyslogTls& tls) {
  auto fail = [&](const std::string& what) {
    return error(Code::kUnavailable, name_ + ": " + what + ": " + ssl_error());
  };
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr || SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION) != 1) {
    return fail("cannot set up TLS");
  }
  int loaded = tls.ca_file.empty()
                   ? SSL_CTX_set_default_verify_paths(ctx_)
                   : SSL_CTX_load_verify_locations(ctx_, tls.ca_file.c_str(), nullptr);
  if (loaded != 1) {
    return fail(tls.ca_file.empty() ? "cannot load the system's CAs"
                                    : "cannot load CA file " + tls.ca_file);
  }
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  ssl_ = SSL_new(ctx_);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return fail("cannot set up TLS");
  if (is_ip_address(target.host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), target.host.c_str()) != 1) {
      return fail("cannot check the certificate's address");
    }
  } else if (SSL_set_tlsext_host_name(ssl_, target.host.c_str()) != 1 ||
             SSL_set1_host(ssl_, target.host.c_str()) != 1) {
    return fail("cannot check the certificate's name");
  }
  if (SSL_connect(ssl_) != 1) {
    long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
      ERR_clear_error();
      return error(Code::kUnavailable,
                   name_ + ": TLS handshake failed: " + X509_verify_cert_error_string(verify));
    }
    return fail("TLS handshake failed");
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<SyslogSink>> connect_syslog(const SyslogTarget& target,
                                                   const SyslogTls& tls) {
  std::string name =
      "syslog " +
      (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) + ":" +
      target.port;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(target.host.c_str(), target.port.c_str(), &hints, &found); rc != 0) {
    return error(Code::kUnavailable, name + ": " + gai_strerror(rc));
  }
  std::string last_error = "no address";
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{30, 0};  // a receiver that stops reading must not hang cron
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      last_error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return error(Code::kUnavailable, name + ": cannot connect: " + last_error);
  auto sink = std::make_unique<SocketSink>(name, fd);
  if (tls.enabled) {
    if (Status st = sink->start_tls(target, tls); !st.ok()) return st;
  }
  return std::unique_ptr<SyslogSink>(std::move(sink));
}

}  // namespace xc
