#include "agent/tls_server.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <optional>

#include "agent/on_demand_pool.h"
#include "agent/private_key_mode.h"
#include "agent/request_limits.h"
#include "agent/volume_send.h"
#include "common/client_certificate_check.h"
#include "common/crl.h"
#include "common/pki.h"
#include "common/printable.h"

namespace xc {
namespace {

constexpr size_t kWorkerThreads = 32;
constexpr auto kWorkerIdleExit = std::chrono::seconds(60);
constexpr size_t kRequestsPerConnection = 1000;
// Headers and chunked framing around a body of kMaxRequestBytes.
constexpr size_t kRequestOverheadBytes = 256u << 10;
constexpr size_t kLoggedFieldBytes = 128;
constexpr size_t kMaxConsoleRequestBytes = 64u << 10;
// POST /v1/bytes carries its method and params in these, its result back in the last.
constexpr char kMethodHeader[] = "X-Xcloud-Method";
constexpr char kParamsHeader[] = "X-Xcloud-Params";
constexpr char kResultHeader[] = "X-Xcloud-Result";

using TimePoint = std::chrono::system_clock::time_point;

constexpr char kSessionContext[] = "xcloud-agent";

// A request is served start to finish on one worker, so the routing handlers
// hand the logger and the connection loop what they need through thread-locals.
thread_local std::optional<TimePoint> t_request_start;
thread_local std::string t_rpc_method;
thread_local bool t_close_connection = false;  // the request's body may be left unread
// A console opened by this request, run on the connection once answered.
thread_local std::unique_ptr<ConsoleTarget> t_console;
thread_local std::string t_console_what;
// A volume stream opened by this request, sent on the connection once answered.
thread_local std::optional<OfferedFile> t_volume_send;
thread_local std::string t_volume_what;

constexpr size_t kMaxVolumeStreamRequestBytes = 4u << 10;
constexpr auto kVolumeSendStall = std::chrono::seconds(30);

// Who a verified client certificate speaks for: the controller, one volume
// transfer (its ticket in `ticket`), or nobody an agent serves.
enum class ClientKind { kController, kTransfer, kOther };
ClientKind client_kind(const X509* cert, std::string* ticket = nullptr) {
  const std::string cn = cert != nullptr ? common_name_of(cert) : "";
  if (cn == kControllerCommonName) return ClientKind::kController;
  const std::string prefix = kTransferCommonNamePrefix;
  if (cn.size() > prefix.size() && cn.compare(0, prefix.size(), prefix) == 0) {
    if (ticket != nullptr) *ticket = cn.substr(prefix.size());
    return ClientKind::kTransfer;
  }
  return ClientKind::kOther;
}

std::string format_utc_ms(TimePoint t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  auto seconds = static_cast<UnixSeconds>(ms / 1000);
  std::string text = format_utc(seconds);  // ...:SSZ
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(ms % 1000));
  return text.substr(0, text.size() - 1) + fraction;
}

// Client-chosen text in a log line: escaped by printable() so it cannot end
// the line, and without quotes (nor, unless quoted, spaces) so it cannot add
// a field.
std::string log_field(const std::string& text, bool quoted = false) {
  std::string out;
  for (char c : printable(text.substr(0, kLoggedFieldBytes))) {
    if (c == ' ' && !quoted) {
      out += "\\x20";
    } else if (c == '"') {
      out += "\\x22";
    } else {
      out += c;
    }
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

void reply_error(httplib::Response& res, int http_status, Code code, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", code_name(code)}, {"message", message}}}};
  res.status = http_status;
  res.set_content(dump_json(body), "application/json");
}

// For a refusal that leaves the request's body unread: the connection ends.
void refuse(httplib::Response& res, int http_status, Code code, const std::string& message) {
  reply_error(res, http_status, code, message);
  res.set_header("Connection", "close");
  t_close_connection = true;
}

std::string openssl_error() {
  char text[256] = "unknown OpenSSL error";
  if (unsigned long code = ERR_peek_last_error()) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

using VerifyCallback = int (*)(X509_STORE_CTX*, void*);

Status setup_context(SSL_CTX& ctx, const TlsServerConfig& config, VerifyCallback verify,
                     void* verify_arg) {
  auto fail = [&](const std::string& what) {
    return error(Code::kFailedPrecondition, what + ": " + openssl_error());
  };
  SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
  // No resumption: every connection gets a full client check at the current time.
  SSL_CTX_set_options(&ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_num_tickets(&ctx, 0);
  SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_session_id_context(&ctx, reinterpret_cast<const unsigned char*>(kSessionContext),
                                 sizeof(kSessionContext) - 1);
  // Idle connections wait in the acceptor: release their buffers meanwhile.
  SSL_CTX_set_mode(&ctx, SSL_MODE_RELEASE_BUFFERS);
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
  return Status::ok_status();
}

// A listening socket on address:port (port 0: any free port), non-blocking.
// No SO_REUSEPORT: that would let another process bind the agent's port and
// take its connections.
Result<int> listen_on(const std::string& address, int port, int& bound_port) {
  std::string where = address + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
    return error(Code::kUnavailable, "listen " + where + ": cannot bind the address");
  }
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // Accepted connections inherit this. Without it the tail of a large reply
    // waits for the client's delayed ACK (tens of ms) behind Nagle's algorithm.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return error(Code::kUnavailable, "listen " + where + ": cannot bind the address");
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  bound_port = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6&>(addr).sin6_port
                                                : reinterpret_cast<sockaddr_in&>(addr).sin_port);
  return fd;
}

bool is_identity(const std::string& coding) {
  return coding.empty() || strcasecmp(coding.c_str(), "identity") == 0;
}

}  // namespace

// httplib's request handling (parsing, routing, replies) on a stream the
// acceptor hands over, one request per call.
class HttpRoutes final : public httplib::Server {
 public:
  bool serve(httplib::Stream& stream, SSL* ssl, bool last, bool& close) {
    return process_request(stream, last, close, [ssl](httplib::Request& req) { req.ssl = ssl; });
  }
};

TlsServer::TlsServer(RpcHandler handler, std::ostream& log, Clock clock)
    : handler_(std::move(handler)), log_(log), clock_(std::move(clock)) {}

TlsServer::~TlsServer() {
  acceptor_.reset();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  SSL_CTX_free(ctx_);
}

Result<std::unique_ptr<TlsServer>> TlsServer::create(const TlsServerConfig& config,
                                                     RpcHandler handler, std::ostream& log,
                                                     Clock clock) {
  Status key_mode = check_private_key_mode(config.key_path);
  if (!key_mode.ok()) return key_mode;
  auto now = std::chrono::system_clock::to_time_t(clock());
  Status own = check_own_certificate(config.cert_path, config.key_path, config.ca_path, now);
  if (!own.ok()) return own;

  std::unique_ptr<TlsServer> server(new TlsServer(std::move(handler), log, std::move(clock)));
  server->ctx_ = SSL_CTX_new(TLS_server_method());
  if (server->ctx_ == nullptr) return error(Code::kInternal, "TLS context: " + openssl_error());
  Status setup = setup_context(*server->ctx_, config, &TlsServer::verify_client, server.get());
  if (!setup.ok()) return setup;
  server->config_ = config;
  server->stream_limits_ = config.stream;
  server->console_limits_ = config.console;
  if (server->stream_limits_.receive_bytes == 0) {
    server->stream_limits_.receive_bytes = kMaxRequestBytes + kRequestOverheadBytes;
  }
  server->routes_ = std::make_unique<HttpRoutes>();
  server->install_routes();
  // What the replies' Keep-Alive header announces; the acceptor enforces it.
  auto keep_alive = std::chrono::duration_cast<std::chrono::seconds>(config.timing.keep_alive);
  server->routes_->set_keep_alive_timeout(std::max<time_t>(1, keep_alive.count()));
  server->routes_->set_keep_alive_max_count(kRequestsPerConnection);
  server->routes_->set_payload_max_length(kMaxRequestBytes);
  auto fd = listen_on(config.listen_address, config.port, server->port_);
  if (!fd.ok()) return fd.status();
  server->listen_fd_ = *fd;
  TlsServer* self = server.get();
  server->acceptor_ = std::make_unique<TlsAcceptor>(
      server->listen_fd_, server->ctx_, config.limits, config.timing,
      std::make_unique<OnDemandPool>(kWorkerThreads, kWorkerIdleExit),
      [self](TlsConnection& c) { return self->serve_request(c); },
      [self](const std::string& line) {
        self->write_log(format_utc_ms(self->clock_()) + " " + line + "\n");
      });
  return server;
}

Result<std::string> TlsServer::reload_identity() {
  std::lock_guard<std::mutex> lock(ctx_mutex_);
  Status key_mode = check_private_key_mode(config_.key_path);
  if (!key_mode.ok()) return key_mode;
  auto now = std::chrono::system_clock::to_time_t(clock_());
  Status own = check_own_certificate(config_.cert_path, config_.key_path, config_.ca_path, now);
  if (!own.ok()) return own;
  SSL_CTX* fresh = SSL_CTX_new(TLS_server_method());
  if (fresh == nullptr) return error(Code::kInternal, "TLS context: " + openssl_error());
  if (Status s = setup_context(*fresh, config_, &TlsServer::verify_client, this); !s.ok()) {
    SSL_CTX_free(fresh);
    return s;
  }
  acceptor_->replace_context(fresh);
  SSL_CTX_free(ctx_);
  ctx_ = fresh;
  std::string serial = serial_hex_of(SSL_CTX_get0_certificate(fresh));
  write_log(format_utc_ms(clock_()) + " TLS identity reloaded: certificate " + serial + "\n");
  return serial;
}

// Verifies the client's chain at the injected clock's time, then insists the
// leaf is an end-entity certificate meant for TLS clients. Refusals are logged
// (no request line follows them), so an operator sees why a controller failed.
int TlsServer::verify_client(X509_STORE_CTX* ctx, void* arg) {
  auto* self = static_cast<TlsServer*>(arg);
  TimePoint now = self->clock_();
  X509_STORE_CTX_set_time(ctx, 0, std::chrono::system_clock::to_time_t(now));
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  std::string reason = client_chain_refusal(ctx);
  // Users' and hosts' certificates come from the same CA: only the
  // controller's (or a transfer's, held to one stream) may call an agent.
  if (reason.empty() && client_kind(leaf) == ClientKind::kOther) {
    reason = "certificate CN=" + common_name_of(leaf) +
             " is not the controller's; an agent serves only " + kControllerCommonName;
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
  }
  if (reason.empty()) return 1;
  // The subject of a certificate not (yet) verified is anyone's text.
  self->write_log(format_utc_ms(now) + " TLS refused client=\"" +
                  log_field(subject_of(leaf), true) + "\" reason=\"" + reason + "\"\n");
  return 0;
}

namespace {

// A request refused before its body was read leaves the body in flight.
// Closing then would make the kernel reset the connection, and the client
// could lose the answer it has not read yet; so what is still coming is read
// and dropped first, within a small budget of time and bytes.
void drain_unread_body(TlsConnection& connection) {
  StreamLimits linger;
  linger.io_timeout = std::chrono::milliseconds(500);
  linger.receive_deadline = std::chrono::milliseconds(2000);
  linger.receive_bytes = kMaxRequestBytes;
  TlsStream stream(connection.ssl, connection.fd, linger);
  char discard[16 * 1024];
  while (stream.read(discard, sizeof discard) > 0) {
  }
}

}  // namespace

bool TlsServer::serve_request(TlsConnection& connection) {
  TlsStream stream(connection.ssl, connection.fd, stream_limits_);
  bool last = ++connection.requests >= kRequestsPerConnection;
  bool closed = false;
  t_close_connection = false;
  bool written = routes_->serve(stream, connection.ssl, last, closed);
  if (run_console(connection, written)) return false;  // the session used the connection up
  if (run_volume_send(connection, written)) return false;
  if (written && t_close_connection && !stream.over_limits()) drain_unread_body(connection);
  return written && !closed && !last && !t_close_connection && !stream.over_limits();
}

namespace {

int http_status_of(Code code) {
  switch (code) {
    case Code::kInvalidArgument:
      return 400;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kFailedPrecondition:
    case Code::kConflict:
      return 409;
    case Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

// Reads a request's body, counted as it arrives (after any chunked framing)
// so that one past `limit` is never held whole. False when it was too large
// (`too_large` set) or incomplete. Room for the declared length (at most
// `limit`; at most 18 digits, so stoull cannot overflow) is taken at once:
// growing a megabyte body 4 KiB at a time copied it
// twice over and faulted in fresh pages at each doubling.
bool read_bounded_body(const httplib::Request& req, const httplib::ContentReader& read_body,
                       size_t limit, std::string& body, bool& too_large) {
  too_large = false;
  const std::string declared = req.get_header_value("Content-Length");
  if (!declared.empty() && declared.size() <= 18 &&
      declared.find_first_not_of("0123456789") == std::string::npos)
    body.reserve(static_cast<size_t>(std::min<unsigned long long>(std::stoull(declared), limit)));
  bool complete = read_body([&](const char* data, size_t size) {
    if (body.size() + size > limit) {
      too_large = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  return complete && !too_large;
}

// The answer to a request body read_bounded_body could not take.
void refuse_body(httplib::Response& res, bool too_large) {
  if (too_large)
    refuse(res, 413, Code::kInvalidArgument,
           "request body: larger than " + std::to_string(kMaxRequestBytes) + " bytes");
  else
    refuse(res, 400, Code::kInvalidArgument, "request body: incomplete");
}

}  // namespace

void TlsServer::install_routes() {
  HttpRoutes& s = *routes_;
  // Before any body is read: only the two endpoints are served, and /v1/rpc
  // only a body that can be counted as it arrives.
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request_start = clock_();
    t_rpc_method = "-";
    // Without a byte handler, /v1/bytes is no endpoint, as on an agent from
    // before it: the controller then sends those methods as JSON.
    bool rpc = req.method == "POST" &&
               (req.path == "/v1/rpc" || req.path == "/v1/console" ||
                req.path == "/v1/volume-stream" || (req.path == "/v1/bytes" && byte_handler_));
    // A transfer's certificate opens its volume stream and nothing else.
    const bool by_transfer =
        req.ssl != nullptr &&
        client_kind(SSL_get0_peer_certificate(req.ssl)) == ClientKind::kTransfer;
    if (by_transfer && !(req.method == "POST" && req.path == "/v1/volume-stream")) {
      refuse(res, 403, Code::kPermissionDenied,
             printable(req.method) + " " + printable(req.path) +
                 ": a transfer certificate opens only POST /v1/volume-stream");
      return httplib::Server::HandlerResponse::Handled;
    }
    bool get = req.method == "GET" && (req.path == "/v1/health" || req.path == "/metrics");
    if (!rpc && !get) {
      refuse(res, 404, Code::kNotFound,
             printable(req.method) + " " + printable(req.path) + ": no such endpoint");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!rpc) return httplib::Server::HandlerResponse::Unhandled;
    std::string coding = req.get_header_value("Content-Encoding");
    std::string transfer = req.get_header_value("Transfer-Encoding");
    std::string length = req.get_header_value("Content-Length");
    uint64_t bytes = 0;
    auto parsed = std::from_chars(length.data(), length.data() + length.size(), bytes);
    if (!is_identity(coding)) {
      refuse(res, 415, Code::kInvalidArgument,
             "request body: Content-Encoding " + printable(coding) +
                 " is not accepted; send the body uncompressed");
    } else if (!transfer.empty() && strcasecmp(transfer.c_str(), "chunked") != 0) {
      refuse(res, 400, Code::kInvalidArgument,
             "request body: Transfer-Encoding " + printable(transfer) + " is not accepted");
    } else if (transfer.empty() && length.empty()) {
      refuse(res, 411, Code::kInvalidArgument, "request body: Content-Length is required");
    } else if (transfer.empty() &&
               (parsed.ec != std::errc() || parsed.ptr != length.data() + length.size())) {
      refuse(res, 400, Code::kInvalidArgument, "request body: bad Content-Length");
    } else if (bytes > kMaxRequestBytes) {
      refuse(res, 413, Code::kInvalidArgument,
             "request body: larger than " + std::to_string(kMaxRequestBytes) + " bytes");
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    return httplib::Server::HandlerResponse::Handled;
  });
  s.Post("/v1/rpc", [this](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& read_body) {
    std::string body;
    bool too_large = false;
    if (!read_bounded_body(req, read_body, kMaxRequestBytes, body, too_large)) {
      return refuse_body(res, too_large);
    }
    auto request = parse_request(body);
    if (!request.ok()) {
      return reply_error(res, 400, Code::kInvalidArgument,
                         "request body: " + request.status().message());
    }
    body = std::string();
    if (auto m = request->find("method"); m != request->end() && m->is_string()) {
      t_rpc_method = m->get<std::string>();
    }
    try {
      // set_content would copy the body, which can be a megabyte.
      res.body = handler_(*request).dump();
      res.set_header("Content-Type", "application/json");
      res.status = 200;
    } catch (const std::exception& e) {
      reply_error(res, 500, Code::kInternal,
                  "method " + printable(t_rpc_method) + ": " + printable(e.what()));
    }
  });
  // A bulk-bytes method (volume.read, volume.write, image.write, backup.read):
  // the method and its JSON params in headers, the input bytes as the body,
  // the output bytes as the answer's body and the JSON result in a header.
  s.Post("/v1/bytes", [this](const httplib::Request& req, httplib::Response& res,
                             const httplib::ContentReader& read_body) {
    t_rpc_method = req.get_header_value(kMethodHeader);
    std::string input;
    bool too_large = false;
    if (!read_bounded_body(req, read_body, kMaxRequestBytes, input, too_large)) {
      return refuse_body(res, too_large);
    }
    // The same size, depth and count limits as a /v1/rpc body.
    auto params = parse_request(req.get_header_value(kParamsHeader));
    if (!params.ok())
      return reply_error(res, 400, Code::kInvalidArgument,
                         std::string(kParamsHeader) + ": " + params.status().message());
    Result<ByteReply> reply = error(Code::kInternal, "not run");
    try {
      reply = byte_handler_(t_rpc_method, *params, input);
    } catch (const std::exception& e) {
      reply =
          error(Code::kInternal, "method " + printable(t_rpc_method) + ": " + printable(e.what()));
    }
    if (!reply.ok())
      return reply_error(res, http_status_of(reply.status().code()), reply.status().code(),
                         reply.status().message());
    // ASCII only: a header cannot carry raw UTF-8 reliably.
    res.set_header(kResultHeader,
                   reply->result.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    res.body = reply->data ? std::move(*reply->data) : std::string();
    res.set_header("Content-Type", "application/octet-stream");
    res.status = 200;
  });
  s.Post("/v1/console", [this](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& read_body) {
    std::string body;
    bool too_large = false;
    if (!read_bounded_body(req, read_body, kMaxConsoleRequestBytes, body, too_large))
      return refuse(res, too_large ? 413 : 400, Code::kInvalidArgument,
                    "console request: too large or incomplete");
    t_rpc_method = "console";
    open_console(body, req, res);
  });
  s.Post("/v1/volume-stream", [this](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& read_body) {
    std::string body;
    bool too_large = false;
    if (!read_bounded_body(req, read_body, kMaxVolumeStreamRequestBytes, body, too_large))
      return refuse(res, too_large ? 413 : 400, Code::kInvalidArgument,
                    "volume stream request: too large or incomplete");
    t_rpc_method = "volume-stream";
    open_volume_stream(body, req, res);
  });
  s.Get("/v1/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"ok":true})", "application/json");
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    if (!metrics_source_)
      return reply_error(res, 404, Code::kNotFound, "GET /metrics: not served by this agent");
    auto text = metrics_source_();
    if (!text.ok())
      return reply_error(res, http_status_of(text.status().code()), text.status().code(),
                         text.status().message());
    res.body = std::move(*text);
    res.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    res.status = 200;
  });
  s.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status >= 400 && res.body.empty()) {
      // httplib's own refusals (a bad request line, headers too long).
      reply_error(res, res.status, Code::kInvalidArgument,
                  printable(req.method) + " " + printable(req.path) + ": bad request");
      t_close_connection = true;
    }
  });
  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    TimePoint start = t_request_start ? *t_request_start : clock_();
    const SSL* ssl = req.ssl;
    log_request(log_field(req.method), log_field(req.path), log_field(t_rpc_method),
                log_field(subject_of(ssl ? SSL_get0_peer_certificate(ssl) : nullptr), true),
                res.status, start);
    t_request_start.reset();
    t_rpc_method.clear();
  });
}

void TlsServer::open_console(const std::string& body, const httplib::Request& req,
                             httplib::Response& res) {
  auto params = parse_request(body);
  if (!params.ok())
    return reply_error(res, 400, Code::kInvalidArgument,
                       "console request: " + params.status().message());
  if (!console_opener_)
    return reply_error(res, 404, Code::kNotFound, "console: not served by this agent");
  // Counted before opening, so a burst cannot exceed the limit.
  if (console_sessions_.fetch_add(1) >= console_limits_.sessions) {
    --console_sessions_;
    return reply_error(res, 503, Code::kUnavailable,
                       "console: " + std::to_string(console_limits_.sessions) +
                           " sessions are open, the agent's limit; try again later");
  }
  auto target = console_opener_(*params);
  if (!target.ok()) {
    --console_sessions_;
    return reply_error(res, http_status_of(target.status().code()), target.status().code(),
                       target.status().message());
  }
  const SSL* ssl = req.ssl;
  t_console_what = "domain=" + log_field(params->value("name", "")) + " target=\"" +
                   log_field((*target)->describe(), true) + "\" client=\"" +
                   log_field(subject_of(ssl ? SSL_get0_peer_certificate(ssl) : nullptr), true) +
                   "\"";
  t_console = std::move(*target);
  res.status = 101;
  res.set_header("Upgrade", "xcloud-console");
  res.set_header("Connection", "Upgrade");
}

bool TlsServer::run_console(TlsConnection& connection, bool response_written) {
  if (!t_console) return false;
  std::unique_ptr<ConsoleTarget> target = std::move(t_console);
  if (response_written) {
    PumpResult r =
        pump_tls(connection.ssl, connection.fd, target->fd(), target->fd(), console_limits_.pump);
    write_log(format_utc_ms(clock_()) + " console end " + t_console_what + " to_guest=" +
              std::to_string(r.from_remote) + " from_guest=" + std::to_string(r.to_remote) +
              " ms=" + std::to_string(r.elapsed.count()) + " reason=\"" + pump_end_text(r.end) +
              "\"\n");
  }
  target.reset();
  --console_sessions_;
  return true;
}

void TlsServer::open_volume_stream(const std::string& body, const httplib::Request& req,
                                   httplib::Response& res) {
  auto params = parse_request(body);
  if (!params.ok())
    return reply_error(res, 400, Code::kInvalidArgument,
                       "volume stream request: " + params.status().message());
  if (!volume_stream_opener_)
    return reply_error(res, 404, Code::kNotFound, "volume stream: not served by this agent");
  std::string named;
  const X509* peer = req.ssl != nullptr ? SSL_get0_peer_certificate(req.ssl) : nullptr;
  const std::string ticket = params->value("ticket", std::string());
  // The certificate was issued for this one ticket.
  if (client_kind(peer, &named) != ClientKind::kTransfer || named != ticket)
    return reply_error(res, 403, Code::kPermissionDenied,
                       "volume stream: the client certificate is not this ticket's");
  auto file = volume_stream_opener_(ticket);
  if (!file.ok())
    return reply_error(res, http_status_of(file.status().code()), file.status().code(),
                       file.status().message());
  t_volume_what = "file=" + log_field(file->path) + " size=" + std::to_string(file->size);
  t_volume_send = std::move(*file);
  res.status = 101;
  res.set_header("Upgrade", "xcloud-volume");
  res.set_header("Connection", "Upgrade");
}

bool TlsServer::run_volume_send(TlsConnection& connection, bool response_written) {
  if (!t_volume_send) return false;
  OfferedFile file = std::move(*t_volume_send);
  t_volume_send.reset();
  if (!response_written) return true;
  auto start = std::chrono::steady_clock::now();
  VolumeSendResult sent = send_offered_file(connection.ssl, connection.fd, file, kVolumeSendStall);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  write_log(format_utc_ms(clock_()) + " volume-stream end " + t_volume_what +
            " sent=" + std::to_string(sent.bytes) + " ms=" + std::to_string(ms) + " result=\"" +
            log_field(sent.error.empty() ? "complete" : sent.error, true) + "\"\n");
  return true;
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
  acceptor_->run();
}

void TlsServer::stop() {
  acceptor_->stop();
}

}  // namespace xc
