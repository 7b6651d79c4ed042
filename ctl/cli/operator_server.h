// The controller's door for operators (xcloudctl serve --socket PATH): a
// Unix socket where each connection is one command. The peer's uid names the
// operator (SO_PEERCRED), the users table gives their roles, the command
// policy decides, and the command runs as a child xcloudctl on the state with
// the operator's terminal (descriptors passed over the socket) and identity.
// Thread-safe: one accept thread, one thread per connection (bounded).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "ctl/controller/loop.h"

namespace xc {

struct OperatorServerOptions {
  std::string socket_path;
  std::string state_path;
  size_t max_clients = 32;  // connections at once; more are refused
  int handshake_timeout_s = 10;
};

class OperatorServer {
 public:
  static Result<std::unique_ptr<OperatorServer>> start(const OperatorServerOptions& options,
                                                       LoopLog& log);
  // Stops accepting, waits for the commands in progress, removes the socket.
  ~OperatorServer();

 private:
  OperatorServer(OperatorServerOptions options, LoopLog& log, int listener, std::string exe);
  void accept_loop();
  void serve_client(int fd);

  OperatorServerOptions options_;
  LoopLog& log_;
  int listener_;
  std::string exe_;  // this binary, run for each command
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable idle_;
  size_t active_ = 0;
  std::thread acceptor_;
};

}  // namespace xc
