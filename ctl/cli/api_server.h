// The supervision API (xcloudctl serve --api ADDR:PORT): read-only JSON
// over HTTPS with mutual TLS. Clients present a certificate of the cloud's
// CA (`user cert`), checked against the CA and its CRL at every handshake;
// the certificate's user must exist, be enabled, hold that certificate and
// have a role whose access class allows the endpoint's read. Answers come
// from the same `-o json` output the CLI prints (a child xcloudctl per
// request; ctl/cli/api_routes.h). With remote_commands it is also the door
// for remote operators' commands (POST /v1/command). One log line per
// request. Thread-safe:
// a pool of bounded workers; the destructor stops and waits.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "ctl/controller/loop.h"

namespace xc {

struct ApiServerOptions {
  std::string listen;  // "127.0.0.1:8443", "[::1]:8443", "0.0.0.0:8443"; port 0: any free
  std::string state_path;
  size_t workers = 16;         // connections served at once (one worker each)
  size_t waiting = 64;         // accepted connections waiting for a worker; then accept pauses
  int io_timeout_s = 10;       // the handshake, each read and each write
  int keep_alive_s = 5;        // idle time between two requests of a connection
  int command_timeout_s = 60;  // the command that answers one request
  size_t max_response_bytes = 64u << 20;
  bool remote_commands = false;  // POST /v1/command (ctl/cli/remote_command.h)
  // Commands' request bodies held at once over all connections (each at
  // most kMaxRequestBytes); a request that would pass it is answered 503.
  size_t command_body_budget = 256u << 20;
};

class ApiServer {
 public:
  // Issues the server's certificate from the CA (in memory, for the listen
  // address or this host's name), binds, and serves on a thread of its own.
  static Result<std::unique_ptr<ApiServer>> start(const ApiServerOptions& options, LoopLog& log);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  int port() const;

 private:
  struct Impl;
  explicit ApiServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
};

}  // namespace xc
