// Serves an RpcHandler over HTTPS with mutual TLS (`xcloud-agent serve`):
// POST /v1/rpc, POST /v1/bytes (a bulk-bytes method with its bytes raw),
// GET /v1/health and GET /metrics (Prometheus text format),
// one log line per request; and POST
// /v1/console, answered "101 Switching Protocols" after which the connection
// carries a guest console's raw bytes (bounded in sessions, idle time,
// duration and bytes; one log line at its end). Handshakes run
// on the acceptor's thread (agent/tls_acceptor.h) under a total deadline and
// per-address limits; requests run on a pool of workers through httplib.
// run() blocks on one thread; stop() may come from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "agent/connection_gate.h"
#include "agent/console_target.h"
#include "agent/rpc_handler.h"
#include "agent/tls_acceptor.h"
#include "agent/tls_stream.h"
#include "agent/volume_offers.h"
#include "common/status.h"
#include "common/tls_pump.h"

struct x509_store_ctx_st;  // OpenSSL's X509_STORE_CTX

namespace xc {

class HttpRoutes;

// Console tunnels: each session holds a worker for its duration.
struct ConsoleLimits {
  size_t sessions = 8;  // at once, per agent
  PumpLimits pump;
};

// The file offered under a ticket (agent/volume_offers.h), for POST /v1/volume-stream.
using VolumeStreamOpener = std::function<Result<OfferedFile>(const std::string& ticket)>;

// Renders GET /metrics (Prometheus text format).
using MetricsSource = std::function<Result<std::string>()>;

struct TlsServerConfig {
  std::string listen_address = "127.0.0.1";
  int port = 0;  // 0 picks a free port; see TlsServer::port()
  std::string cert_path;
  std::string key_path;  // must be private to its owner (no group or other bits)
  std::string ca_path;   // clients must present a certificate signed by this CA
  ConnectionLimits limits;
  AcceptorTiming timing;
  StreamLimits stream;  // receive_bytes 0: derived from kMaxRequestBytes
  ConsoleLimits console;
};

class TlsServer {
 public:
  // Wall-clock time; called from the serving threads, so it must be thread safe.
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Checks the server's own key (private to its owner) and certificate (valid
  // now, matches its key, signed by the CA), sets up TLS and binds the port.
  // Nothing is served until run().
  static Result<std::unique_ptr<TlsServer>> create(const TlsServerConfig& config,
                                                   RpcHandler handler, std::ostream& log,
                                                   Clock clock);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  int port() const { return port_; }
  // Enables POST /v1/console; call before run(). Without it the route answers 404.
  void set_console_opener(ConsoleOpener opener) { console_opener_ = std::move(opener); }
  // Enables POST /v1/volume-stream; call before run(). Without it the route answers 404.
  void set_volume_stream_opener(VolumeStreamOpener opener) {
    volume_stream_opener_ = std::move(opener);
  }
  // Enables GET /metrics; call before run(). Without it the route answers 404.
  void set_metrics_source(MetricsSource source) { metrics_source_ = std::move(source); }
  // Enables POST /v1/bytes; call before run(). Without it there is no such endpoint.
  void set_byte_handler(ByteHandler handler) { byte_handler_ = std::move(handler); }
  // Rereads the certificate, key and CA files (a renewed certificate,
  // agent/identity_install.h) and serves new connections with them; the
  // connections open now keep the old ones. On failure nothing changes.
  // Returns the serial (hex) of the certificate now served. Any thread.
  Result<std::string> reload_identity();
  // Serves until stop(); returns at once if stop() came first.
  void run();
  void stop();

 private:
  TlsServer(RpcHandler handler, std::ostream& log, Clock clock);
  void install_routes();
  bool serve_request(TlsConnection& connection);
  void open_console(const std::string& body, const httplib::Request& req, httplib::Response& res);
  // After a request: runs the console session it opened, if any (true then).
  bool run_console(TlsConnection& connection, bool response_written);
  void open_volume_stream(const std::string& body, const httplib::Request& req,
                          httplib::Response& res);
  // After a request: sends the volume it opened, if any (true then).
  bool run_volume_send(TlsConnection& connection, bool response_written);
  void log_request(const std::string& http_method, const std::string& path,
                   const std::string& rpc_method, const std::string& client, int status,
                   std::chrono::system_clock::time_point start);
  void write_log(const std::string& line);
  static int verify_client(x509_store_ctx_st* ctx, void* self);

  RpcHandler handler_;
  std::ostream& log_;
  std::mutex log_mutex_;
  Clock clock_;
  StreamLimits stream_limits_;
  ConsoleLimits console_limits_;
  ConsoleOpener console_opener_;
  VolumeStreamOpener volume_stream_opener_;
  MetricsSource metrics_source_;
  ByteHandler byte_handler_;
  std::atomic<size_t> console_sessions_{0};
  TlsServerConfig config_;
  std::mutex ctx_mutex_;  // reloads, one at a time
  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::unique_ptr<HttpRoutes> routes_;
  std::unique_ptr<TlsAcceptor> acceptor_;
};

}  // namespace xc
