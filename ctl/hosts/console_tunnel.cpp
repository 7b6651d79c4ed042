#include "ctl/hosts/console_tunnel.h"

#include <nlohmann/json.hpp>

namespace xc {

ConsoleTunnel::~ConsoleTunnel() = default;

ByteChannel& ConsoleTunnel::channel() {
  if (!channel_) channel_ = std::make_unique<TlsChannel>(ssl(), fd());
  return *channel_;
}

Result<std::unique_ptr<ConsoleTunnel>> ConsoleTunnel::open(const TlsTransportConfig& agent,
                                                           const std::string& domain,
                                                           const std::string& type) {
  UpgradeRequest request;
  request.host = agent.host;
  request.port = agent.port;
  request.path = "/v1/console";
  request.protocol = "xcloud-console";
  request.body = nlohmann::json{{"name", domain}, {"type", type}}.dump();
  request.connect_timeout = std::chrono::seconds(agent.connect_timeout_seconds);
  UpgradeClientIdentity identity;
  identity.cert_path = agent.cert_path;
  identity.key_path = agent.key_path;
  identity.ca_path = agent.ca_path;
  auto connection = open_upgraded(request, identity);
  if (!connection.ok()) return connection.status();
  (*connection)->set_io_timeout(std::chrono::seconds(0));  // a console may idle
  std::unique_ptr<ConsoleTunnel> t(new ConsoleTunnel());
  t->connection_ = std::move(*connection);
  return t;
}

}  // namespace xc
