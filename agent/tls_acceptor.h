// Accepts TCP connections on the agent's port and runs every TLS handshake on
// its own thread with non-blocking sockets, each under a total deadline: a
// client that trickles its ClientHello, or sends nothing, holds no worker and
// is closed when the deadline passes. Established connections go to the
// workers one request at a time and come back here to wait between requests,
// so idle keep-alive connections hold no worker either. run() on one thread;
// stop() from any thread.
#pragma once

#include <openssl/ssl.h>
#include <poll.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/connection_gate.h"

namespace httplib {
class TaskQueue;
}

namespace xc {

struct AcceptorTiming {
  std::chrono::milliseconds handshake_deadline{10000};  // from accept to a finished handshake
  std::chrono::milliseconds keep_alive{2000};           // idle between two requests
  std::chrono::milliseconds quiet_check{1000};          // workers' on_idle() when quiet this long
};

// An established (or establishing) connection. While a worker serves it, only
// that worker touches it.
struct TlsConnection {
  ConnectionGate::Id id = 0;
  int fd = -1;
  SSL* ssl = nullptr;
  std::string address;  // the client's IP address
  size_t requests = 0;  // served so far
};

class TlsAcceptor {
 public:
  // Serves one request of `connection` on a worker; true keeps it open.
  using Serve = std::function<bool(TlsConnection& connection)>;
  using Log = std::function<void(const std::string& line)>;

  // `listen_fd` stays the caller's; the acceptor holds a reference to `ctx`.
  TlsAcceptor(int listen_fd, SSL_CTX* ctx, ConnectionLimits limits, AcceptorTiming timing,
              std::unique_ptr<httplib::TaskQueue> workers, Serve serve, Log log);
  ~TlsAcceptor();
  TlsAcceptor(const TlsAcceptor&) = delete;
  TlsAcceptor& operator=(const TlsAcceptor&) = delete;

  // Serves until stop(), then waits for the requests in progress and closes
  // every connection. Returns at once if stop() came first.
  void run();
  void stop();
  // New handshakes use `ctx` from now on (a renewed certificate); those in
  // progress and open connections keep theirs. Any thread.
  void replace_context(SSL_CTX* ctx);

 private:
  enum class State { kHandshake, kIdle, kBusy };
  struct Entry {
    std::unique_ptr<TlsConnection> connection;
    State state = State::kHandshake;
    short events = POLLIN;  // what the handshake waits for
    std::chrono::steady_clock::time_point deadline;
  };
  struct Returned {
    ConnectionGate::Id id;
    bool keep;
  };

  void accept_new();
  void refuse(const std::string& address);
  void step_handshake(Entry& entry);
  void dispatch(Entry& entry);
  void take_returned();
  void close_entry(ConnectionGate::Id id);
  void wake();

  const int listen_fd_;
  std::mutex ctx_mutex_;
  SSL_CTX* ctx_;  // guarded by ctx_mutex_; one reference held
  const AcceptorTiming timing_;
  std::unique_ptr<httplib::TaskQueue> workers_;
  const Serve serve_;
  const Log log_;
  const ConnectionLimits limits_;

  // Owned by run()'s thread.
  ConnectionGate gate_;
  std::map<ConnectionGate::Id, Entry> entries_;
  ConnectionGate::Id next_id_ = 1;
  std::chrono::steady_clock::time_point accept_paused_until_;
  std::chrono::steady_clock::time_point last_refusal_log_;
  size_t refusals_unlogged_ = 0;

  int wake_fd_ = -1;  // an eventfd: stop() and finished requests wake the loop
  std::mutex mutex_;
  bool stop_requested_ = false;     // guarded by mutex_
  std::vector<Returned> returned_;  // guarded by mutex_
};

}  // namespace xc
