// Serves an RpcHandler over HTTPS with mutual TLS (`xcloud-agent serve`):
// POST /v1/rpc and GET /v1/health, one log line per request. run() blocks on
// one thread while a pool serves connections; stop() may come from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>

#include "agent/rpc_handler.h"
#include "common/status.h"

namespace httplib {
class SSLServer;
}
struct x509_store_ctx_st;  // OpenSSL's X509_STORE_CTX

namespace xc {

struct TlsServerConfig {
  std::string listen_address = "127.0.0.1";
  int port = 0;  // 0 picks a free port; see TlsServer::port()
  std::string cert_path;
  std::string key_path;
  std::string ca_path;  // clients must present a certificate signed by this CA
};

class TlsServer {
 public:
  // Wall-clock time; called from the serving threads, so it must be thread safe.
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // Checks the server's own certificate (valid now, matches its key, signed by
  // the CA), sets up TLS and binds the port. Nothing is served until run().
  static Result<std::unique_ptr<TlsServer>> create(const TlsServerConfig& config,
                                                   RpcHandler handler, std::ostream& log,
                                                   Clock clock);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  int port() const { return port_; }
  // Serves until stop(); returns at once if stop() came first.
  void run();
  void stop();

 private:
  TlsServer(RpcHandler handler, std::ostream& log, Clock clock);
  void install_routes();
  void log_request(const std::string& http_method, const std::string& path,
                   const std::string& rpc_method, const std::string& client, int status,
                   std::chrono::system_clock::time_point start);
  void write_log(const std::string& line);
  static int verify_client(x509_store_ctx_st* ctx, void* self);

  RpcHandler handler_;
  std::ostream& log_;
  std::mutex log_mutex_;
  Clock clock_;
  std::unique_ptr<httplib::SSLServer> server_;
  int port_ = 0;

  // httplib neither stops nor closes a bound socket that never reached its
  // accept loop, so the listening socket is tracked here for that case.
  void close_unused_listener();  // requires lifecycle_mutex_
  std::mutex lifecycle_mutex_;
  bool stop_requested_ = false;
  bool running_ = false;
  std::atomic<bool> run_finished_{false};
  int listen_fd_ = -1;
  bool binding_ = false;  // set only inside create()
};

}  // namespace xc
