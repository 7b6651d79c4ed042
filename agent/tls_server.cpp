#include "agent/tls_server.h"

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#define CPPHTTPLIB_OPENSSL_SUPPORT 1
#endif
#include <httplib.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "common/pki.h"

namespace xc {
namespace {

constexpr size_t kWorkerThreads = 32;
constexpr time_t kIdleSeconds = 2;
constexpr auto kWorkerIdleExit = std::chrono::seconds(60);
constexpr auto kQuietCheck = std::chrono::seconds(1);

using TimePoint = std::chrono::system_clock::time_point;

constexpr char kSessionContext[] = "xcloud-agent";
constexpr size_t kMaxBodyBytes = 64u << 20;
constexpr size_t kRequestsPerConnection = 1000;

// httplib serves a request start to finish on one pool thread, so the
// routing handlers hand the logger what it needs through thread-locals.
thread_local std::optional<TimePoint> t_request_start;
thread_local std::string t_rpc_method;

std::string format_utc_ms(TimePoint t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  auto seconds = static_cast<UnixSeconds>(ms / 1000);
  std::string text = format_utc(seconds);  // ...:SSZ
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(ms % 1000));
  return text.substr(0, text.size() - 1) + fraction;
}

// Client-chosen text (path, method) cannot break a log line or fake another.
std::string loggable(const std::string& text) {
  std::string out = text.substr(0, 128);
  for (char& c : out) {
    if (c <= ' ' || c == '"' || c == 0x7f) c = '?';
  }
  return out.empty() ? "-" : out;
}

std::string subject_of(X509* cert) {
  if (cert == nullptr) return "-";
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string subject(data, static_cast<size_t>(size));
  BIO_free(bio);
  return subject;
}

std::string peer_subject(const httplib::Request& req) {
  return subject_of(req.ssl ? SSL_get0_peer_certificate(req.ssl) : nullptr);
}

void reply_error(httplib::Response& res, int http_status, Code code, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", code_name(code)}, {"message", message}}}};
  res.status = http_status;
  res.set_content(body.dump(), "application/json");
}

std::string openssl_error() {
  char text[256] = "unknown OpenSSL error";
  if (unsigned long code = ERR_peek_last_error()) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

using VerifyCallback = int (*)(X509_STORE_CTX*, void*);

bool setup_context(SSL_CTX& ctx, const TlsServerConfig& config, VerifyCallback verify,
                   void* verify_arg, Status& status) {
  auto fail = [&](const std::string& what) {
    status = error(Code::kFailedPrecondition, what + ": " + openssl_error());
    return false;
  };
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  // No resumption: every connection gets a full client check at the current time.
  SSL_CTX_set_options(&ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_num_tickets(&ctx, 0);
  SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_session_id_context(&ctx, reinterpret_cast<const unsigned char*>(kSessionContext),
                                 sizeof(kSessionContext) - 1);
  if (SSL_CTX_use_certificate_chain_file(&ctx, config.cert_path.c_str()) != 1) {
    return fail("certificate " + config.cert_path);
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, config.key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    return fail("key " + config.key_path);
  }
  if (SSL_CTX_load_verify_locations(&ctx, config.ca_path.c_str(), nullptr) != 1) {
    return fail("CA certificate " + config.ca_path);
  }
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.ca_path.c_str())) {
    SSL_CTX_set_client_CA_list(&ctx, names);
  }
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(&ctx, verify, verify_arg);
  return true;
}

// httplib's ThreadPool starts all its workers up front. This one starts a
// worker when a connection finds none free (up to max_threads), lets one that
// sat idle for idle_exit end, and, once every worker is idle, hands the heap
// freed by finished requests back to the kernel (glibc keeps it otherwise: a
// domains.list reply on a large host frees megabytes). httplib calls on_idle()
// from its accept loop when no connection arrived for kQuietCheck.
class OnDemandPool final : public httplib::TaskQueue {
 public:
  OnDemandPool(size_t max_threads, std::chrono::seconds idle_exit)
      : max_threads_(max_threads), idle_exit_(idle_exit) {}

  void enqueue(std::function<void()> fn) override {
    std::vector<std::thread> ended;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      jobs_.push_back(std::move(fn));
      ended = take_ended();
      if (jobs_.size() > idle_ && workers_.size() < max_threads_) {
        try {
          workers_.emplace_back([this] { work(); });
        } catch (const std::system_error&) {
          // No thread to be had: the job waits until a worker comes free or
          // the next connection starts one.
        }
      }
    }
    cond_.notify_one();
    for (std::thread& t : ended) t.join();
  }

  void shutdown() override {
    std::vector<std::thread> all;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      shutdown_ = true;
      all = std::move(workers_);
      workers_.clear();
      ended_.clear();
    }
    cond_.notify_all();
    for (std::thread& t : all) t.join();
  }

  void on_idle() override {
    std::vector<std::thread> ended;
    bool trim = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ended = take_ended();
      trim = served_ && jobs_.empty() && idle_ == workers_.size();
      if (trim) served_ = false;
    }
    for (std::thread& t : ended) t.join();
    if (trim) malloc_trim(0);
  }

 private:
  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      ++idle_;
      cond_.wait_for(lock, idle_exit_, [this] { return !jobs_.empty() || shutdown_; });
      --idle_;
      if (jobs_.empty()) {  // shut down, or idle for idle_exit_
        if (!shutdown_) ended_.push_back(std::this_thread::get_id());
        return;
      }
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      job = nullptr;  // the connection's captures go before the lock is taken
      lock.lock();
      served_ = true;
    }
  }

  // Workers that ended on their own, to be joined outside the lock.
  std::vector<std::thread> take_ended() {
    std::vector<std::thread> ended;
    for (std::thread::id id : ended_) {
      auto it = std::find_if(workers_.begin(), workers_.end(),
                             [id](const std::thread& t) { return t.get_id() == id; });
      if (it == workers_.end()) continue;
      ended.push_back(std::move(*it));
      workers_.erase(it);
    }
    ended_.clear();
    return ended;
  }

  const size_t max_threads_;
  const std::chrono::seconds idle_exit_;
  std::mutex mutex_;
  std::condition_variable cond_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> workers_;
  std::vector<std::thread::id> ended_;  // workers that returned from work()
  size_t idle_ = 0;                     // workers waiting for a job
  bool served_ = false;                 // a job ran since the last trim
  bool shutdown_ = false;
};

}  // namespace

TlsServer::TlsServer(RpcHandler handler, std::ostream& log, Clock clock)
    : handler_(std::move(handler)), log_(log), clock_(std::move(clock)) {}

TlsServer::~TlsServer() {
  std::lock_guard<std::mutex> lock(lifecycle_mutex_);
  if (!running_) close_unused_listener();
}

void TlsServer::close_unused_listener() {
  if (listen_fd_ < 0) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  listen_fd_ = -1;
}

Result<std::unique_ptr<TlsServer>> TlsServer::create(const TlsServerConfig& config,
                                                     RpcHandler handler, std::ostream& log,
                                                     Clock clock) {
  auto now = std::chrono::system_clock::to_time_t(clock());
  Status own = check_own_certificate(config.cert_path, config.key_path, config.ca_path, now);
  if (!own.ok()) return own;

  std::unique_ptr<TlsServer> server(new TlsServer(std::move(handler), log, std::move(clock)));
  Status setup;
  TlsServer* self = server.get();
  server->server_ = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    return setup_context(ctx, config, &TlsServer::verify_client, self, setup);
  });
  if (!server->server_->is_valid()) {
    return setup.ok() ? error(Code::kInternal, "TLS context: " + openssl_error()) : setup;
  }
  server->install_routes();
  std::string where = config.listen_address + ":" + std::to_string(config.port);
  server->binding_ = true;
  if (config.port == 0) {
    server->port_ = server->server_->bind_to_any_port(config.listen_address);
  } else if (server->server_->bind_to_port(config.listen_address, config.port)) {
    server->port_ = config.port;
  } else {
    server->port_ = -1;
  }
  server->binding_ = false;
  if (server->port_ <= 0) {
    server->listen_fd_ = -1;  // httplib closed every socket it tried
    return error(Code::kUnavailable, "listen " + where + ": cannot bind the address");
  }
  return server;
}

// Verifies the client's chain at the injected clock's time, then insists the
// leaf is an end-entity certificate meant for TLS clients. Refusals are logged
// (no request line follows them), so an operator sees why a controller failed.
int TlsServer::verify_client(X509_STORE_CTX* ctx, void* arg) {
  auto* self = static_cast<TlsServer*>(arg);
  TimePoint now = self->clock_();
  X509_STORE_CTX_set_time(ctx, 0, std::chrono::system_clock::to_time_t(now));
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  std::string reason;
  if (X509_verify_cert(ctx) != 1) {
    reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  } else if (X509_check_ca(leaf) != 0) {
    reason = "a CA certificate is not a client certificate";
  } else if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) == 0 ||
             (X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT) == 0) {
    reason = "certificate lacks the clientAuth extended key usage";
  }
  if (reason.empty()) return 1;
  if (X509_STORE_CTX_get_error(ctx) == X509_V_OK) {
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_INVALID_PURPOSE);
  }
  self->write_log(format_utc_ms(now) + " TLS refused client=\"" + subject_of(leaf) +
                  "\" reason=\"" + reason + "\"\n");
  return 0;
}

void TlsServer::install_routes() {
  httplib::SSLServer& s = *server_;
  // Replaces httplib's default, which also sets SO_REUSEPORT: that would let
  // another process bind the agent's port and take its connections.
  s.set_socket_options([this](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // Accepted connections inherit this. Without it the tail of a large reply
    // waits for the client's delayed ACK (tens of ms) behind Nagle's algorithm.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (binding_) listen_fd_ = fd;  // the last socket tried is the one bound
  });
  s.set_keep_alive_max_count(kRequestsPerConnection);
  // httplib holds a worker thread per open connection. Controllers keep a few
  // connections per host, and a killed controller's connections linger until
  // the keep-alive timeout, so allow spare workers and a short idle timeout;
  // they start only when needed, since each one costs memory (its stack).
  s.new_task_queue = [] { return new OnDemandPool(kWorkerThreads, kWorkerIdleExit); };
  s.set_idle_interval(kQuietCheck);
  s.set_keep_alive_timeout(kIdleSeconds);
  s.set_payload_max_length(kMaxBodyBytes);
  s.set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
    t_request_start = clock_();
    t_rpc_method = "-";
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.Post("/v1/rpc", [this](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json request;
    try {
      request = nlohmann::json::parse(req.body);
    } catch (const nlohmann::json::exception& e) {
      std::string what = e.what();
      auto bracket = what.find("] ");
      if (bracket != std::string::npos) what = what.substr(bracket + 2);
      return reply_error(res, 400, Code::kInvalidArgument, "request body: invalid JSON: " + what);
    }
    if (!request.is_object()) {
      return reply_error(res, 400, Code::kInvalidArgument, "request body: not a JSON object");
    }
    if (auto m = request.find("method"); m != request.end() && m->is_string()) {
      t_rpc_method = m->get<std::string>();
    }
    try {
      // set_content would copy the body, which can be a megabyte.
      res.body = handler_(request).dump();
      res.set_header("Content-Type", "application/json");
      res.status = 200;
    } catch (const std::exception& e) {
      reply_error(res, 500, Code::kInternal, "method " + t_rpc_method + ": " + e.what());
    }
  });
  s.Get("/v1/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"ok":true})", "application/json");
  });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      reply_error(res, 404, Code::kNotFound, req.method + " " + req.path + ": no such endpoint");
    }
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    TimePoint start = t_request_start ? *t_request_start : clock_();
    log_request(loggable(req.method), loggable(req.path), loggable(t_rpc_method), peer_subject(req),
                res.status, start);
    t_request_start.reset();
    t_rpc_method.clear();
  });
}

void TlsServer::log_request(const std::string& http_method, const std::string& path,
                            const std::string& rpc_method, const std::string& client, int status,
                            TimePoint start) {
  TimePoint end = clock_();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(end - start).count();
  std::string line = format_utc_ms(end) + " " + http_method + " " + path + " method=" + rpc_method +
                     " client=\"" + client + "\" status=" + std::to_string(status) +
                     " ms=" + std::to_string(ms) + "\n";
  write_log(line);
}

void TlsServer::write_log(const std::string& line) {
  std::lock_guard<std::mutex> lock(log_mutex_);
  log_ << line << std::flush;
}

void TlsServer::run() {
  {
    std::lock_guard<std::mutex> lock(lifecycle_mutex_);
    if (stop_requested_ || running_) return;
    running_ = true;
  }
  server_->listen_after_bind();  // from here on httplib owns the socket
  run_finished_ = true;
}

void TlsServer::stop() {
  {
    std::lock_guard<std::mutex> lock(lifecycle_mutex_);
    stop_requested_ = true;
    if (!running_) return close_unused_listener();
  }
  // httplib ignores stop() until its accept loop runs.
  while (!server_->is_running() && !run_finished_) std::this_thread::yield();
  server_->stop();
}

}  // namespace xc
