// The client's side of an HTTPS request answered "101 Switching Protocols",
// after which the TLS connection carries raw bytes: a guest console from the
// controller (ctl/hosts/console_tunnel.h) and a volume's bytes from one
// agent to another (agent/volume_pull.h). Mutual TLS: the server's
// certificate must chain to the CA file and name the host dialled.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace xc {

// The client's certificate and key as files, or (paths empty) as PEM text.
struct UpgradeClientIdentity {
  std::string cert_path, key_path;
  std::string cert_pem, key_pem;
  std::string ca_path;  // the only CA trusted for the server's certificate
};

struct UpgradeRequest {
  std::string host;  // IP address or DNS name
  int port = 0;
  std::string path;      // "/v1/console"
  std::string protocol;  // the Upgrade header's value
  std::string body;      // JSON
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds io_timeout{30};  // each read or write until the 101
};

class UpgradedConnection {
 public:
  ~UpgradedConnection();
  UpgradedConnection(const UpgradedConnection&) = delete;
  UpgradedConnection& operator=(const UpgradedConnection&) = delete;
  SSL* ssl() const { return ssl_; }
  int fd() const { return fd_; }
  // "agent 10.0.0.1:7701", for messages.
  const std::string& where() const { return where_; }
  // Each read and write on the socket from now on; zero for none.
  void set_io_timeout(std::chrono::seconds timeout);

 private:
  friend Result<std::unique_ptr<UpgradedConnection>> open_upgraded(const UpgradeRequest&,
                                                                   const UpgradeClientIdentity&);
  UpgradedConnection() = default;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  std::string where_;
};

// Connects, sends the request and reads the answer's head. A refusal comes
// back as the server's {"error":{"code","message"}}; a server that cannot be
// reached or does not answer is kUnavailable naming "agent HOST:PORT". The
// socket keeps `io_timeout` on reads and writes; the caller may change it.
Result<std::unique_ptr<UpgradedConnection>> open_upgraded(const UpgradeRequest& request,
                                                          const UpgradeClientIdentity& identity);

}  // namespace xc
