#include "agent/tls_acceptor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "agent/on_demand_pool.h"

namespace xc {
namespace {

using Steady = std::chrono::steady_clock;

// Connections accepted per pass of the loop, so handshakes and finished
// requests are not starved by a flood of connects.
constexpr int kAcceptsPerPass = 64;
// After EMFILE/ENFILE the listening socket stays readable: pause accepting.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);
constexpr auto kRefusalLogInterval = std::chrono::seconds(1);

std::string ip_of(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, text, sizeof text);
  }
  return text;
}

int poll_timeout_ms(Steady::time_point now, Steady::time_point until) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
  return static_cast<int>(std::clamp<int64_t>(ms + 1, 0, 60'000));
}

}  // namespace

TlsAcceptor::TlsAcceptor(int listen_fd, SSL_CTX* ctx, ConnectionLimits limits,
                         AcceptorTiming timing, std::unique_ptr<httplib::TaskQueue> workers,
                         Serve serve, Log log)
    : listen_fd_(listen_fd),
      ctx_(ctx),
      timing_(timing),
      workers_(std::move(workers)),
      serve_(std::move(serve)),
      log_(std::move(log)),
      limits_(limits),
      gate_(limits),
      wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  SSL_CTX_up_ref(ctx_);
}

TlsAcceptor::~TlsAcceptor() {
  for (auto& [id, entry] : entries_) {
    SSL_free(entry.connection->ssl);
    ::close(entry.connection->fd);
  }
  if (wake_fd_ >= 0) ::close(wake_fd_);
  SSL_CTX_free(ctx_);
}

void TlsAcceptor::replace_context(SSL_CTX* ctx) {
  SSL_CTX_up_ref(ctx);
  SSL_CTX* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(ctx_mutex_);
    old = ctx_;
    ctx_ = ctx;
  }
  SSL_CTX_free(old);  // connections made with it hold their own references
}

void TlsAcceptor::wake() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void TlsAcceptor::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = true;
  }
  wake();
}

void TlsAcceptor::run() {
  std::vector<pollfd> fds;
  std::vector<ConnectionGate::Id> ids;  // ids[i] belongs to fds[i + 2]
  Steady::time_point last_activity = Steady::now();
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_requested_) break;
    }
    Steady::time_point now = Steady::now();
    Steady::time_point wake_at = std::max(last_activity + timing_.quiet_check, now);
    fds.assign({{wake_fd_, POLLIN, 0}, {now < accept_paused_until_ ? -1 : listen_fd_, POLLIN, 0}});
    ids.clear();
    for (auto& [id, entry] : entries_) {
      if (entry.state == State::kBusy) continue;
      fds.push_back({entry.connection->fd, entry.events, 0});
      ids.push_back(id);
      wake_at = std::min(wake_at, entry.deadline);
    }
    if (now < accept_paused_until_) wake_at = std::min(wake_at, accept_paused_until_);
    int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms(now, wake_at));
    if (ready < 0) {
      if (errno == EINTR) continue;
      log_(std::string("stopped serving: poll: ") + std::strerror(errno));
      break;
    }
    now = Steady::now();
    if (ready > 0) last_activity = now;
    if (fds[0].revents & POLLIN) {
      uint64_t count = 0;
      [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
      take_returned();
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = entries_.find(ids[i]);
      if (it == entries_.end() || fds[i + 2].revents == 0) continue;
      Entry& entry = it->second;
      if (entry.state == State::kHandshake) {
        step_handshake(entry);
      } else if (entry.state == State::kIdle) {
        dispatch(entry);  // a new request, or the client closed: the worker finds out which
      }
    }
    if (fds[1].revents & POLLIN) accept_new();
    std::vector<ConnectionGate::Id> expired;
    for (auto& [id, entry] : entries_) {
      if (entry.state != State::kBusy && entry.deadline <= now) expired.push_back(id);
    }
    for (ConnectionGate::Id id : expired) close_entry(id);
    if (now - last_activity >= timing_.quiet_check) {
      workers_->on_idle();
      last_activity = now;
    }
  }
  // Requests in progress end quickly once their sockets are shut down.
  for (auto& [id, entry] : entries_) {
    if (entry.state == State::kBusy) ::shutdown(entry.connection->fd, SHUT_RDWR);
  }
  workers_->shutdown();
  take_returned();
  std::vector<ConnectionGate::Id> all;
  for (auto& [id, entry] : entries_) all.push_back(id);
  for (ConnectionGate::Id id : all) close_entry(id);
}

void TlsAcceptor::accept_new() {
  for (int i = 0; i < kAcceptsPerPass; ++i) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        accept_paused_until_ = Steady::now() + kAcceptPause;
      }
      return;
    }
    std::string address = ip_of(addr);
    ConnectionGate::Id id = next_id_++;
    ConnectionGate::Decision decision = gate_.on_accept(id, address);
    if (!decision.admit) {
      ::close(fd);
      refuse(address);
      continue;
    }
    if (decision.evict) close_entry(*decision.evict);
    SSL* ssl = nullptr;
    {
      std::lock_guard<std::mutex> lock(ctx_mutex_);
      ssl = SSL_new(ctx_);
    }
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
      SSL_free(ssl);
      ::close(fd);
      gate_.on_closed(id);
      continue;
    }
    SSL_set_accept_state(ssl);
    Entry entry;
    entry.connection = std::make_unique<TlsConnection>(TlsConnection{id, fd, ssl, address, 0});
    entry.deadline = Steady::now() + timing_.handshake_deadline;
    entries_.emplace(id, std::move(entry));
  }
}

// One line per second at most: a flood of refusals must not flood the log.
void TlsAcceptor::refuse(const std::string& address) {
  ++refusals_unlogged_;
  Steady::time_point now = Steady::now();
  if (now - last_refusal_log_ < kRefusalLogInterval) return;
  log_("connection refused: " + std::to_string(refusals_unlogged_) +
       " refused since the last report, the latest from " + address +
       " (limits: " + std::to_string(limits_.connections_per_address) +
       " connections per address, " + std::to_string(limits_.connections) + " in all)");
  refusals_unlogged_ = 0;
  last_refusal_log_ = now;
}

void TlsAcceptor::step_handshake(Entry& entry) {
  TlsConnection& c = *entry.connection;
  ERR_clear_error();
  int result = SSL_do_handshake(c.ssl);
  if (result == 1) {
    gate_.on_established(c.id);
    return dispatch(entry);
  }
  switch (SSL_get_error(c.ssl, result)) {
    case SSL_ERROR_WANT_READ:
      entry.events = POLLIN;
      break;
    case SSL_ERROR_WANT_WRITE:
      entry.events = POLLOUT;
      break;
    default:  // refused (the verify callback logged why) or not TLS at all
      ERR_clear_error();
      close_entry(c.id);
      break;
  }
}

void TlsAcceptor::dispatch(Entry& entry) {
  entry.state = State::kBusy;
  TlsConnection* connection = entry.connection.get();
  workers_->enqueue([this, connection] {
    bool keep = false;
    try {
      keep = serve_(*connection);
    } catch (...) {
      keep = false;  // a request that threw leaves the connection in an unknown state
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      returned_.push_back({connection->id, keep});
    }
    wake();
  });
}

void TlsAcceptor::take_returned() {
  std::vector<Returned> returned;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    returned.swap(returned_);
  }
  for (const Returned& r : returned) {
    auto it = entries_.find(r.id);
    if (it == entries_.end()) continue;
    if (!r.keep) {
      close_entry(r.id);
      continue;
    }
    Entry& entry = it->second;
    entry.state = State::kIdle;
    entry.events = POLLIN;
    entry.deadline = Steady::now() + timing_.keep_alive;
    // A pipelined request already decrypted by OpenSSL never shows on poll().
    if (SSL_pending(entry.connection->ssl) > 0) dispatch(entry);
  }
}

void TlsAcceptor::close_entry(ConnectionGate::Id id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  TlsConnection& c = *it->second.connection;
  if (it->second.state == State::kIdle) SSL_shutdown(c.ssl);  // close_notify, best effort
  SSL_free(c.ssl);
  ::close(c.fd);
  gate_.on_closed(id);
  entries_.erase(it);
}

}  // namespace xc
