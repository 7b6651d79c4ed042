#include "ctl/cli/api_server.h"

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>

#include "common/build_info.h"
#include "common/client_certificate_check.h"
#include "common/crl.h"
#include "common/pki.h"
#include "common/printable.h"
#include "common/program_run.h"
#include "common/time.h"
#include "ctl/access/access_store.h"
#include "ctl/access/command_policy.h"
#include "ctl/access/operator_request.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/api_revocations.h"
#include "ctl/cli/api_routes.h"
#include "ctl/cli/api_tls.h"
#include "ctl/cli/caller.h"
#include "ctl/cli/remote_command.h"
#include "ctl/hosts/ca_identity.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/store/inventory.h"

namespace xc {
namespace {

using nlohmann::json;

constexpr int64_t kDeniedAuditEveryMs = 60'000;  // per user: refusals are logged, audited sparsely
constexpr size_t kLoggedPathBytes = 200;

// httplib's pool, bounded: when `waiting` connections wait for a worker,
// enqueue (httplib's accept loop) waits too, and new clients queue in the
// kernel's backlog instead of in memory.
class BoundedPool final : public httplib::TaskQueue {
 public:
  BoundedPool(size_t workers, size_t waiting) : waiting_(waiting) {
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }
  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [this] { return jobs_.size() < waiting_ || stopping_; });
    jobs_.push_back(std::move(fn));
    ready_.notify_one();
  }
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      room_.notify_one();
      job();
    }
  }
  const size_t waiting_;
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// "127.0.0.1:8443" -> {"127.0.0.1", 8443}; "[::1]:8443" -> {"::1", 8443}.
Result<std::pair<std::string, int>> parse_listen(const std::string& text) {
  auto bad = error(Code::kInvalidArgument,
                   "--api \"" + printable(text) + "\": expected ADDRESS:PORT, e.g. 10.8.0.2:8443");
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return bad;
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return bad;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return bad;
  }
  int port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return bad;
    port = port * 10 + (c - '0');
  }
  if (port > 65535 || host.empty()) return bad;
  return std::pair{host, port};
}

std::string this_host() {
  char name[256] = "";
  ::gethostname(name, sizeof name - 1);
  return name;
}

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void reply_error(httplib::Response& res, int status, Code code, const std::string& message) {
  reply(res, status, {{"error", {{"code", code_name(code)}, {"message", message}}}});
}

}  // namespace

struct ApiServer::Impl {
  ApiServerOptions options;
  LoopLog& log;
  std::string exe;
  std::unique_ptr<ApiTlsMaterial> tls;  // follows pki/ca.crt (ca rotate)
  RevocationWatch revocations;
  std::unique_ptr<httplib::SSLServer> server;
  int port = 0;
  std::mutex denied_mutex;
  std::map<std::string, int64_t> denied_audited_ms;  // per user

  Impl(ApiServerOptions o, LoopLog& l, std::unique_ptr<ApiTlsMaterial> t, const std::string& crl,
       const std::string& ca_path)
      : options(std::move(o)), log(l), tls(std::move(t)), revocations(crl, ca_path) {}

  static int verify_client(X509_STORE_CTX* ctx, void* arg);
  bool setup(SSL_CTX& ctx);
  void handle(const httplib::Request& req, httplib::Response& res);
  json platform(const std::string& state);
  void answer(const ApiRoute& route, const std::string& user, httplib::Response& res);
  void audit_denied(const std::string& user, const std::string& what, const std::string& why);
  struct Identity {
    std::optional<UserRecord> user;  // the certificate's user, when one exists
    std::string why;                 // why they may not act at all: "" when they may
  };
  Result<Identity> identify(const std::string& cn, const std::string& serial);
  void handle_command(const httplib::Request& req, httplib::Response& res);
  void receive_command(const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& read);

  // Bytes of command bodies received or being received (command_body_budget).
  std::mutex body_mutex;
  size_t body_bytes = 0;
};

// The certificate's user: it must exist, be enabled and hold this certificate.
Result<ApiServer::Impl::Identity> ApiServer::Impl::identify(const std::string& cn,
                                                            const std::string& serial) {
  auto access = AccessStore::open(options.state_path);
  if (!access.ok()) return access.status();
  auto record = (*access)->user(cn);
  if (!record.ok()) return record.status();
  Identity id{*record, ""};
  if (!id.user) {
    id.why = "certificate CN=" + printable(cn) + ": no such xcloud user";
  } else if (id.user->disabled) {
    id.why = "user " + id.user->name + " is disabled";
  } else if (id.user->cert_serial != serial) {
    id.why = "certificate " + serial + " is not user " + id.user->name + "'s current certificate";
  }
  return id;
}

// POST /v1/command: a remote operator's command (ctl/cli/remote_command.h).
void ApiServer::Impl::handle_command(const httplib::Request& req, httplib::Response& res) {
  const X509* peer = req.ssl ? SSL_get0_peer_certificate(req.ssl) : nullptr;
  const std::string cn = peer ? common_name_of(peer) : "";
  RemoteCommandSetup setup{options.state_path, exe, "https " + options.listen};
  // Whoever holds the controller's own key is the service user, who may read
  // the state file anyway.
  if (peer != nullptr && tls->is_controller(peer)) {
    serve_remote_command(setup, nullptr, req, res, log);
    log.event("api: " + printable(req.remote_addr) +
              " the controller's certificate (the service "
              "user) POST /v1/command " +
              std::to_string(res.status));
    return;
  }
  auto who = identify(cn, peer ? serial_hex_of(peer) : "");
  std::string why = who.ok() ? who->why : who.status().message();
  if (why.empty()) {
    serve_remote_command(setup, &*who->user, req, res, log);
  } else {
    if (who.ok() && who->user) audit_denied(who->user->name, "POST /v1/command", why);
    res.status = 403;
    res.set_content(json{{"exit", kExitDenied}, {"error", why}}.dump(
                        -1, ' ', false, json::error_handler_t::replace),
                    "application/json");
  }
  log.event("api: " + printable(req.remote_addr) + " CN=" + printable(cn) + " POST /v1/command " +
            std::to_string(res.status) + (why.empty() ? "" : ": " + why));
}

// POST /v1/command's body, read only within the server's budget: sixteen
// workers may each take a 64 MiB body, but not all at once.
void ApiServer::Impl::receive_command(const httplib::Request& req, httplib::Response& res,
                                      const httplib::ContentReader& read) {
  const std::string header = req.get_header_value("Content-Length");
  char* end = nullptr;
  const unsigned long long length = std::strtoull(header.c_str(), &end, 10);
  if (header.empty() || *end != '\0')
    return reply_error(res, 411, Code::kInvalidArgument,
                       "POST /v1/command: a Content-Length is required");
  if (length > kMaxRequestBytes)
    return reply_error(res, 413, Code::kInvalidArgument,
                       "POST /v1/command: at most 64 MiB of command and files");
  {
    std::lock_guard<std::mutex> lock(body_mutex);
    if (body_bytes + length > options.command_body_budget)
      return reply_error(res, 503, Code::kUnavailable,
                         "POST /v1/command: the controller holds " +
                             std::to_string(body_bytes >> 20) +
                             " MiB of commands' files already "
                             "(at most " +
                             std::to_string(options.command_body_budget >> 20) +
                             " MiB at once); try again shortly");
    body_bytes += length;
  }
  struct Release {
    Impl* self;
    size_t bytes;
    ~Release() {
      std::lock_guard<std::mutex> lock(self->body_mutex);
      self->body_bytes -= bytes;
    }
  } release{this, static_cast<size_t>(length)};
  httplib::Request with_body = req;
  with_body.body.reserve(length);
  const bool whole = read([&](const char* data, size_t n) {
    if (with_body.body.size() + n > length) return false;
    with_body.body.append(data, n);
    return true;
  });
  if (!whole || with_body.body.size() != length)
    return reply_error(res, 400, Code::kInvalidArgument,
                       "POST /v1/command: the body does not match its Content-Length");
  handle_command(with_body, res);
}

// The client's chain must lead to the CA, its leaf be a client certificate
// and not revoked; a refusal ends the handshake and is logged (no request
// line follows it).
int ApiServer::Impl::verify_client(X509_STORE_CTX* ctx, void* arg) {
  auto* self = static_cast<Impl*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  // The CAs of the file now, not at start: a `ca rotate --finish` drops one.
  auto material = self->tls->current();
  X509_STORE_CTX_set0_trusted_stack(ctx, material->cas);
  std::string reason = client_chain_refusal(ctx);
  if (reason.empty()) reason = self->revocations.refusal(serial_hex_of(leaf));
  if (reason.empty()) return 1;
  X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_REJECTED);
  self->log.event("api: handshake refused: client CN=" +
                  printable(leaf ? common_name_of(leaf) : "-") + ": " + reason);
  return 0;
}

bool ApiServer::Impl::setup(SSL_CTX& ctx) {
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  // No resumption: every connection's certificate is checked now, CRL included.
  SSL_CTX_set_options(&ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_num_tickets(&ctx, 0);
  SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
  // The certificate of each handshake is the one of the CA file then.
  auto material = tls->current();
  bool ok = SSL_CTX_use_certificate(&ctx, material->certificate) == 1 &&
            SSL_CTX_use_PrivateKey(&ctx, material->key) == 1;
  SSL_CTX_set_cert_cb(&ctx, &ApiTlsMaterial::select_certificate, tls.get());
  for (int i = 0; ok && i < sk_X509_num(material->cas); ++i) {
    X509* ca = sk_X509_value(material->cas, i);
    ok = X509_STORE_add_cert(SSL_CTX_get_cert_store(&ctx), ca) == 1 &&
         SSL_CTX_add_client_CA(&ctx, ca) == 1;
  }
  if (!ok) return false;
  SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(&ctx, &Impl::verify_client, this);
  return true;
}

void ApiServer::Impl::audit_denied(const std::string& user, const std::string& what,
                                   const std::string& why) {
  const int64_t now = system_now_ms();
  {
    std::lock_guard<std::mutex> lock(denied_mutex);
    int64_t& last = denied_audited_ms[user];
    if (last != 0 && now - last < kDeniedAuditEveryMs) return;
    last = now;
  }
  auto store = open_store(options.state_path, OpenMode::kExisting);
  if (!store.ok()) return;
  AuditIdentity who = current_identity({"xcloudctl", "serve", "--api"}, "", "");
  who.actor = user;
  who.command = what;
  AuditRecord record = who.record("User", "", user, "denied");
  record.result = kAuditError;
  record.message = "supervision API: " + why;
  (void)AuditLog(**store).append(record);
}

json ApiServer::Impl::platform(const std::string& state) {
  auto store = open_store(state, OpenMode::kRead);
  if (!store.ok()) throw std::runtime_error(store.status().message());
  auto inv = load_inventory(**store);
  if (!inv.ok()) throw std::runtime_error(inv.status().message());
  auto tenants = (*store)->list_resources(std::string("Tenant"));
  if (!tenants.ok()) throw std::runtime_error(tenants.status().message());
  json hosts = json::object(), vms = json::object();
  for (const auto& h : inv->hosts) hosts[h.state] = hosts.value(h.state, 0) + 1;
  for (const auto& v : inv->vms) vms[v.state] = vms.value(v.state, 0) + 1;
  const BuildInfo& b = build_info();
  return {{"version", b.version},
          {"commit", b.commit},
          {"time", format_time_ms(system_now_ms())},
          {"hosts", {{"total", inv->hosts.size()}, {"byState", hosts}}},
          {"vms", {{"total", inv->vms.size()}, {"byState", vms}}},
          {"tenants", tenants->size()}};
}

// Runs the route's command for `user` and answers with its JSON.
void ApiServer::Impl::answer(const ApiRoute& route, const std::string& user,
                             httplib::Response& res) {
  if (route.args.empty()) {
    try {
      return reply(res, 200, platform(options.state_path));
    } catch (const std::exception& e) {
      return reply_error(res, 500, Code::kInternal, printable(e.what()));
    }
  }
  std::vector<std::string> argv = {exe, "--state", options.state_path};
  argv.insert(argv.end(), route.args.begin(), route.args.end());
  ProgramOptions po;
  po.timeout = std::chrono::seconds(options.command_timeout_s);
  po.max_stdout = options.max_response_bytes + 1;
  po.env_set = {std::string(kCallerEnv) + "=" + user,
                std::string(kCallerViaEnv) + "=https " + options.listen};
  auto run = run_program_bounded(argv, po);
  if (!run.ok()) return reply_error(res, 500, Code::kInternal, run.status().message());
  std::string why = run->err.empty() ? "" : printable(run->err.substr(0, 1024));
  if (run->timed_out)
    return reply_error(
        res, 504, Code::kUnavailable,
        route.endpoint + ": took longer than " + std::to_string(options.command_timeout_s) + " s");
  if (run->exit_code == 2) return reply_error(res, 400, Code::kInvalidArgument, why);
  if (run->exit_code != 0) return reply_error(res, 500, Code::kInternal, why);
  if (run->out.size() > options.max_response_bytes)
    return reply_error(res, 500, Code::kInternal,
                       route.endpoint + ": the answer is larger than " +
                           std::to_string(options.max_response_bytes) + " bytes");
  json body = json::parse(run->out, nullptr, false);
  if (body.is_discarded()) return reply_error(res, 500, Code::kInternal, "answer is not JSON");
  if (!route.system.empty() && body.is_array()) {
    json only = json::array();
    for (auto& vm : body)
      if (vm.is_object() && vm.value("system", "") == route.system) only.push_back(std::move(vm));
    body = std::move(only);
  }
  if (route.endpoint == "/v1/audit") {
    int64_t limit = std::stoll(route.args[route.args.size() - 3]);  // ... --limit N -o json
    json next = nullptr;
    if (body.is_array() && !body.empty() && static_cast<int64_t>(body.size()) == limit)
      next = body.back().value("seq", int64_t{0});
    body = {{"records", body}, {"limit", limit}, {"nextAfter", next}};
  }
  reply(res, 200, body);
}

void ApiServer::Impl::handle(const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  const X509* peer = req.ssl ? SSL_get0_peer_certificate(req.ssl) : nullptr;
  const std::string cn = peer ? common_name_of(peer) : "";
  const std::string serial = peer ? serial_hex_of(peer) : "";
  std::string user = "-";
  [&] {
    ApiQuery query(req.params.begin(), req.params.end());
    auto route = route_request(req.path, query);
    if (!route.ok()) {
      Code c = route.status().code();
      return reply_error(res, c == Code::kNotFound ? 404 : 400, c, route.status().message());
    }
    auto who = identify(cn, serial);
    if (!who.ok()) return reply_error(res, 500, Code::kInternal, who.status().message());
    std::string why = who->why;
    if (who->user) {
      user = who->user->name;
      if (why.empty()) {
        Principal p;
        p.user = user;
        p.tenant_scope = who->user->tenant_scope;
        for (const auto& name : split_roles(who->user->roles))
          if (auto role = parse_role(name)) p.roles.push_back(*role);
        Decision d = authorize(p, route->words, route->tenant);
        if (!d.allowed) why = "GET " + route->endpoint + ": " + d.reason;
      }
    }
    if (!why.empty()) {
      if (who->user) audit_denied(user, "GET " + printable(req.target.substr(0, 256)), why);
      return reply_error(res, 403, Code::kPermissionDenied, why);
    }
    answer(*route, user, res);
  }();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  log.event("api: " + printable(req.remote_addr) + " user=" + user + " CN=" + printable(cn) +
            " GET " + printable(req.target.substr(0, kLoggedPathBytes)) + " " +
            std::to_string(res.status) + " " + std::to_string(res.body.size()) + " bytes " +
            std::to_string(ms) + " ms");
}

ApiServer::ApiServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  thread_ = std::thread([this] { impl_->server->listen_after_bind(); });
}

ApiServer::~ApiServer() {
  impl_->server->stop();
  thread_.join();
}

int ApiServer::port() const {
  return impl_->port;
}

Result<std::unique_ptr<ApiServer>> ApiServer::start(const ApiServerOptions& options, LoopLog& log) {
  auto listen = parse_listen(options.listen);
  if (!listen.ok()) return listen.status();
  PkiFiles pki = pki_files_for_state(options.state_path);
  const auto& [host, port] = *listen;
  std::string san = host == "0.0.0.0" || host == "::" ? this_host() : host;
  auto tls = ApiTlsMaterial::load(pki, san, log);
  if (!tls.ok()) return error(tls.status().code(), "--api: " + tls.status().message());
  std::vector<char> exe(4096);
  ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  if (n <= 0) return error(Code::kInternal, "cannot find this program (/proc/self/exe)");

  auto impl = std::make_unique<Impl>(options, log, std::move(*tls), users_crl(pki), pki.ca_cert());
  impl->exe.assign(exe.data(), static_cast<size_t>(n));
  Impl* self = impl.get();
  impl->server =
      std::make_unique<httplib::SSLServer>([self](SSL_CTX& ctx) { return self->setup(ctx); });
  if (!impl->server->is_valid())
    return error(Code::kInternal, "--api: TLS setup failed (the CA or the server certificate)");
  httplib::SSLServer& s = *impl->server;
  const size_t workers = options.workers, waiting = options.waiting;
  s.new_task_queue = [workers, waiting] { return new BoundedPool(workers, waiting); };
  s.set_read_timeout(options.io_timeout_s, 0);
  s.set_write_timeout(options.io_timeout_s, 0);
  s.set_keep_alive_timeout(options.keep_alive_s);
  s.set_keep_alive_max_count(100);
  // Every endpoint is a GET, but for remote operators' commands with the
  // manifests they send.
  s.set_payload_max_length(options.remote_commands ? kMaxRequestBytes : 4096);
  if (options.remote_commands)
    s.Post("/v1/command",
           [self](const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& read) { self->receive_command(req, res, read); });
  s.Get(R"(/.*)",
        [self](const httplib::Request& req, httplib::Response& res) { self->handle(req, res); });
  auto get_only = [](const httplib::Request& req, httplib::Response& res) {
    reply_error(res, 405, Code::kInvalidArgument,
                printable(req.method) + " " + printable(req.path.substr(0, kLoggedPathBytes)) +
                    ": the supervision API answers GET only");
  };
  s.Post(R"(/.*)", get_only);
  s.Put(R"(/.*)", get_only);
  s.Delete(R"(/.*)", get_only);
  s.Patch(R"(/.*)", get_only);
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.body.empty())
      reply_error(res, res.status, Code::kInvalidArgument,
                  printable(req.method.substr(0, 16)) + " " +
                      printable(req.path.substr(0, kLoggedPathBytes)) + ": bad request");
  });
  if (port == 0) {
    impl->port = s.bind_to_any_port(host);
  } else {
    impl->port = s.bind_to_port(host, port) ? port : -1;
  }
  if (impl->port <= 0)
    return error(Code::kUnavailable, "--api " + printable(options.listen) +
                                         ": cannot listen there (in use, or not this host's)");
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(impl)));
}

}  // namespace xc
