// A guest console through the agent's mutual-TLS port: connects as the
// controller, asks POST /v1/console for a domain's VNC or serial console and,
// once the agent answers "101 Switching Protocols", leaves the TLS connection
// carrying the console's raw bytes (see common/tls_pump.h). One tunnel per
// session; used by one thread.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "common/tls_pump.h"
#include "common/upgrade_client.h"
#include "ctl/hosts/console_link.h"
#include "ctl/hosts/tls_transport.h"

namespace xc {

class ConsoleTunnel : public ConsoleLink {
 public:
  // `type` is "vnc" or "serial". Agent refusals come back with the agent's
  // code and message; an unreachable agent is kUnavailable.
  static Result<std::unique_ptr<ConsoleTunnel>> open(const TlsTransportConfig& agent,
                                                     const std::string& domain,
                                                     const std::string& type);
  ~ConsoleTunnel() override;
  ConsoleTunnel(const ConsoleTunnel&) = delete;
  ConsoleTunnel& operator=(const ConsoleTunnel&) = delete;

  SSL* ssl() const { return connection_->ssl(); }
  int fd() const { return connection_->fd(); }
  // The connection as a pump end; from here on its socket is non-blocking.
  ByteChannel& channel() override;

 private:
  ConsoleTunnel() = default;
  std::unique_ptr<UpgradedConnection> connection_;
  std::unique_ptr<TlsChannel> channel_;
};

}  // namespace xc
