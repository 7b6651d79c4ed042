// Test fixture: a TlsServer on 127.0.0.1 port 0, run on its own thread, with
// generated certificates, a handler that counts its calls and a stepping
// clock (each reading is 3 ms after the previous one, from kTestNow).
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <sstream>
#include <thread>

#include "agent/tls_server.h"
#include "tests/support/test_pki.h"

namespace xc::test {

class TlsTestServer {
 public:
  // The agent's certificate names these addresses; the server answers
  // {"id":..,"result":{"echo":<method>}}.
  explicit TlsTestServer(std::vector<std::string> server_sans = {"127.0.0.1", "localhost"}) {
    server_files = pki.issue("agent", CertificateUsage::kServer, server_sans);
    client_files = pki.issue("xcloudctl", CertificateUsage::kClient);
  }
  ~TlsTestServer() { stop(); }

  TlsServerConfig config() const {
    TlsServerConfig config;
    config.listen_address = "127.0.0.1";
    config.cert_path = server_files.cert;
    config.key_path = server_files.key;
    config.ca_path = pki.ca_path();
    return config;
  }

  // Steps 3 ms per reading. With per_thread_clock, each thread steps its own
  // count from the same start: a request's two readings (start, log line)
  // happen on its worker thread, so its ms is 3 whatever other connections'
  // handshakes read meanwhile. Otherwise one count for all threads, for tests
  // that check the order of stamps.
  bool per_thread_clock = false;

  TlsServer::Clock clock() {
    return [this] {
      if (per_thread_clock) {
        thread_local std::map<const TlsTestServer*, int64_t> readings;
        int64_t n = readings[this]++;
        return std::chrono::system_clock::time_point(
            std::chrono::milliseconds(kTestNow * 1000 + 3 * n));
      }
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms_.fetch_add(3)));
    };
  }

  RpcHandler handler() {
    return [this](const nlohmann::json& request) {
      ++handler_calls;
      return nlohmann::json{{"id", request.value("id", 0)},
                            {"result", {{"echo", request.value("method", "")}}}};
    };
  }

  Result<std::unique_ptr<TlsServer>> create(const TlsServerConfig& config) {
    return TlsServer::create(config, handler(), log_, clock());
  }

  void start() { start(config()); }
  void start(const TlsServerConfig& config) {
    auto created = create(config);
    REQUIRE_MESSAGE(created.ok(), created.status().message());
    server_ = std::move(*created);
    if (console) server_->set_console_opener(console);
    if (metrics) server_->set_metrics_source(metrics);
    if (bytes) server_->set_byte_handler(bytes);
    if (volume_stream) server_->set_volume_stream_opener(volume_stream);
    thread_ = std::thread([this] { server_->run(); });
  }

  int port() const { return server_->port(); }

  void stop() {
    if (!server_) return;
    server_->stop();
    thread_.join();
    server_.reset();
  }

  // The log, read once the server has stopped (its threads write to it).
  std::string log_after_stop() {
    stop();
    return log_.str();
  }

  TestPki pki;
  PemPaths server_files;
  PemPaths client_files;
  std::atomic<int> handler_calls{0};
  ConsoleOpener console;             // serves POST /v1/console when set before start()
  MetricsSource metrics;             // serves GET /metrics when set before start()
  ByteHandler bytes;                 // serves POST /v1/bytes when set before start()
  VolumeStreamOpener volume_stream;  // serves POST /v1/volume-stream when set before start()

 private:
  std::atomic<int64_t> now_ms_{kTestNow * 1000};
  std::ostringstream log_;
  std::unique_ptr<TlsServer> server_;
  std::thread thread_;
};

}  // namespace xc::test
