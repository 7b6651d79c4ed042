#include "ctl/hosts/console_tunnel.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/printable.h"
#include "common/tcp_connect.h"
#include "ctl/hosts/host_clients.h"

namespace xc {
namespace {

constexpr size_t kMaxResponseHead = 16 * 1024;
constexpr size_t kMaxErrorBody = 64 * 1024;

std::string openssl_error() {
  char text[256] = "unknown TLS error";
  if (unsigned long code = ERR_peek_last_error()) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

void set_io_timeout(int fd, long seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool write_all(SSL* ssl, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    int n = SSL_write(ssl, data.data() + done, static_cast<int>(data.size() - done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

ConsoleTunnel::~ConsoleTunnel() {
  if (ssl_ != nullptr) {
    SSL_shutdown(ssl_);  // close_notify, best effort
    SSL_free(ssl_);
  }
  if (fd_ >= 0) ::close(fd_);
  SSL_CTX_free(ctx_);
}

ByteChannel& ConsoleTunnel::channel() {
  if (!channel_) channel_ = std::make_unique<TlsChannel>(ssl_, fd_);
  return *channel_;
}

Result<std::unique_ptr<ConsoleTunnel>> ConsoleTunnel::open(const TlsTransportConfig& agent,
                                                           const std::string& domain,
                                                           const std::string& type) {
  bool v6 = agent.host.find(':') != std::string::npos;
  const std::string where =
      "agent " + (v6 ? "[" + agent.host + "]" : agent.host) + ":" + std::to_string(agent.port);
  std::unique_ptr<ConsoleTunnel> t(new ConsoleTunnel());
  t->ctx_ = SSL_CTX_new(TLS_client_method());
  if (t->ctx_ == nullptr) return error(Code::kInternal, where + ": " + openssl_error());
  SSL_CTX_set_min_proto_version(t->ctx_, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(t->ctx_, agent.cert_path.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(t->ctx_, agent.key_path.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(t->ctx_, agent.ca_path.c_str(), nullptr) != 1)
    return error(Code::kFailedPrecondition,
                 where + ": controller certificate or CA: " + openssl_error());
  SSL_CTX_set_verify(t->ctx_, SSL_VERIFY_PEER, nullptr);

  auto fd =
      tcp_connect(agent.host, agent.port, std::chrono::seconds(agent.connect_timeout_seconds));
  if (!fd.ok()) return error(Code::kUnavailable, where + ": " + fd.status().message());
  t->fd_ = *fd;
  set_io_timeout(t->fd_, 30);
  t->ssl_ = SSL_new(t->ctx_);
  SSL_set_fd(t->ssl_, t->fd_);
  // The agent's certificate must name the address we dialled, as curl checks for RPCs.
  unsigned char ip[16];
  bool is_ip = inet_pton(AF_INET, agent.host.c_str(), ip) == 1 ||
               inet_pton(AF_INET6, agent.host.c_str(), ip) == 1;
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl_), agent.host.c_str());
  } else {
    SSL_set1_host(t->ssl_, agent.host.c_str());
    SSL_set_tlsext_host_name(t->ssl_, agent.host.c_str());
  }
  if (SSL_connect(t->ssl_) != 1) {
    long verify = SSL_get_verify_result(t->ssl_);
    std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : openssl_error();
    return error(Code::kUnavailable, where + ": TLS handshake failed: " + why);
  }

  const std::string body = nlohmann::json{{"name", domain}, {"type", type}}.dump();
  const std::string request =
      "POST /v1/console HTTP/1.1\r\nHost: " + agent.host +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: Upgrade\r\nUpgrade: xcloud-console\r\n\r\n" + body;
  if (!write_all(t->ssl_, request))
    return error(Code::kUnavailable, where + ": sending the console request failed");
  // The answer's head, one byte at a time: what follows it is the console's.
  std::string head;
  while (head.size() < kMaxResponseHead &&
         (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0)) {
    char c;
    if (SSL_read(t->ssl_, &c, 1) != 1)
      return error(Code::kUnavailable, where + ": no answer to the console request");
    head += c;
  }
  int status = 0;
  size_t sp = head.find(' ');
  if (head.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos ||
      std::from_chars(head.data() + sp + 1, head.data() + head.size(), status).ec != std::errc())
    return error(Code::kUnavailable, where + ": not an HTTP answer to the console request");
  if (status != 101) {
    std::string rest;
    char buf[4096];
    int n;
    while (rest.size() < kMaxErrorBody && (n = SSL_read(t->ssl_, buf, sizeof buf)) > 0)
      rest.append(buf, static_cast<size_t>(n));
    auto reply = nlohmann::json::parse(rest, nullptr, false);
    if (reply.is_object() && reply.contains("error") && reply["error"].is_object())
      return error(code_from_name(reply["error"].value("code", "internal")),
                   reply["error"].value("message", "console refused"));
    return error(Code::kUnavailable,
                 where + ": console refused with HTTP " + std::to_string(status));
  }
  set_io_timeout(t->fd_, 0);
  return t;
}

}  // namespace xc
