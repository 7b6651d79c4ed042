// AgentTransport over HTTPS with mutual TLS (libcurl): POSTs each request to
// https://HOST:PORT/v1/rpc (bulk bytes raw to /v1/bytes) on one kept-alive connection. One curl
// handle per object, so an object must be used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ctl/hosts/agent_transport.h"

namespace xc {

// The most an agent's answer may carry (the largest, a host's inventory at
// the cloud's scale, is a few megabytes); a longer one fails the call.
inline constexpr int64_t kMaxAgentAnswerBytes = 64 << 20;

struct TlsTransportConfig {
  std::string host;  // IP address or DNS name; must be in the agent certificate's SANs
  int port = 7701;
  std::string cert_path;  // this controller's client certificate
  std::string key_path;
  std::string ca_path;  // the only CA trusted for the agent's certificate
  long connect_timeout_seconds = 5;
  long timeout_seconds = 300;  // whole call, including the agent's work
};

class TlsTransport : public AgentTransport {
 public:
  static Result<std::unique_ptr<TlsTransport>> create(const TlsTransportConfig& config);
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  // Failures to reach the agent are kUnavailable, naming the address:
  // `agent 127.0.0.1:7701: SSL peer certificate or SSH remote key was not OK (...)`.
  Result<nlohmann::json> call(const nlohmann::json& request) override;
  // The bytes raw (POST /v1/bytes); base64 JSON to an agent without that endpoint.
  Result<nlohmann::json> call_bytes(const std::string& method, const nlohmann::json& params,
                                    const std::string& input, std::string& output) override;

  // "HOST:PORT" ("[::1]:PORT" for IPv6), as used in messages.
  const std::string& address() const { return address_; }
  // Connections opened so far; stays put while calls reuse the connection.
  long connections_opened() const { return connections_opened_; }

 private:
  struct Curl;
  explicit TlsTransport(std::string address);
  // POSTs `payload` to the URL set, the answer's body into `body`; the HTTP status.
  Result<long> post(const std::string& payload, std::string& body);

  std::string address_;
  std::unique_ptr<Curl> curl_;
  long connections_opened_ = 0;
  bool bytes_endpoint_ = true;  // false once the agent said it has no POST /v1/bytes
};

}  // namespace xc
