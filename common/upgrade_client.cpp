#include "common/upgrade_client.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/tcp_connect.h"

namespace xc {
namespace {

constexpr size_t kMaxResponseHead = 16 * 1024;
constexpr size_t kMaxErrorBody = 64 * 1024;

std::string tls_error_text() {
  char text[256] = "unknown TLS error";
  if (unsigned long code = ERR_peek_last_error()) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

void set_socket_timeout(int fd, std::chrono::seconds timeout) {
  timeval tv{static_cast<time_t>(timeout.count()), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool ssl_write_all(SSL* ssl, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    int n = SSL_write(ssl, data.data() + done, static_cast<int>(data.size() - done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// The client certificate and key from PEM text.
bool use_pem_identity(SSL_CTX* ctx, const std::string& cert_pem, const std::string& key_pem) {
  BIO* cert_bio = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* cert = cert_bio ? PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(cert_bio);
  BIO* key_bio = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = key_bio ? PEM_read_bio_PrivateKey(key_bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(key_bio);
  bool ok = cert != nullptr && key != nullptr && SSL_CTX_use_certificate(ctx, cert) == 1 &&
            SSL_CTX_use_PrivateKey(ctx, key) == 1;
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

bool use_identity(SSL_CTX* ctx, const UpgradeClientIdentity& id) {
  bool own = id.cert_path.empty()
                 ? use_pem_identity(ctx, id.cert_pem, id.key_pem)
                 : SSL_CTX_use_certificate_chain_file(ctx, id.cert_path.c_str()) == 1 &&
                       SSL_CTX_use_PrivateKey_file(ctx, id.key_path.c_str(), SSL_FILETYPE_PEM) == 1;
  return own && SSL_CTX_load_verify_locations(ctx, id.ca_path.c_str(), nullptr) == 1;
}

}  // namespace

void UpgradedConnection::set_io_timeout(std::chrono::seconds timeout) {
  set_socket_timeout(fd_, timeout);
}

UpgradedConnection::~UpgradedConnection() {
  if (ssl_ != nullptr) {
    SSL_shutdown(ssl_);  // close_notify, best effort
    SSL_free(ssl_);
  }
  if (fd_ >= 0) ::close(fd_);
  SSL_CTX_free(ctx_);
}

Result<std::unique_ptr<UpgradedConnection>> open_upgraded(const UpgradeRequest& request,
                                                          const UpgradeClientIdentity& identity) {
  bool v6 = request.host.find(':') != std::string::npos;
  std::unique_ptr<UpgradedConnection> c(new UpgradedConnection());
  c->where_ = "agent " + (v6 ? "[" + request.host + "]" : request.host) + ":" +
              std::to_string(request.port);
  const std::string& where = c->where_;
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  if (c->ctx_ == nullptr) return error(Code::kInternal, where + ": " + tls_error_text());
  SSL_CTX_set_min_proto_version(c->ctx_, TLS1_2_VERSION);
  if (!use_identity(c->ctx_, identity))
    return error(Code::kFailedPrecondition,
                 where + ": client certificate or CA: " + tls_error_text());
  SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER, nullptr);

  auto fd = tcp_connect(request.host, request.port, request.connect_timeout);
  if (!fd.ok()) return error(Code::kUnavailable, where + ": " + fd.status().message());
  c->fd_ = *fd;
  set_socket_timeout(c->fd_, request.io_timeout);
  c->ssl_ = SSL_new(c->ctx_);
  SSL_set_fd(c->ssl_, c->fd_);
  // The server's certificate must name the address dialled, as curl checks for RPCs.
  unsigned char ip[16];
  bool is_ip = inet_pton(AF_INET, request.host.c_str(), ip) == 1 ||
               inet_pton(AF_INET6, request.host.c_str(), ip) == 1;
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl_), request.host.c_str());
  } else {
    SSL_set1_host(c->ssl_, request.host.c_str());
    SSL_set_tlsext_host_name(c->ssl_, request.host.c_str());
  }
  if (SSL_connect(c->ssl_) != 1) {
    long verify = SSL_get_verify_result(c->ssl_);
    std::string why =
        verify != X509_V_OK ? X509_verify_cert_error_string(verify) : tls_error_text();
    return error(Code::kUnavailable, where + ": TLS handshake failed: " + why);
  }

  const std::string head = "POST " + request.path + " HTTP/1.1\r\nHost: " + request.host +
                           "\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(request.body.size()) +
                           "\r\nConnection: Upgrade\r\nUpgrade: " + request.protocol + "\r\n\r\n";
  if (!ssl_write_all(c->ssl_, head + request.body))
    return error(Code::kUnavailable, where + ": sending the request failed");
  // The answer's head, one byte at a time: what follows it is the raw stream's.
  std::string answer;
  while (answer.size() < kMaxResponseHead &&
         (answer.size() < 4 || answer.compare(answer.size() - 4, 4, "\r\n\r\n") != 0)) {
    char ch;
    if (SSL_read(c->ssl_, &ch, 1) != 1)
      return error(Code::kUnavailable, where + ": no answer to POST " + request.path);
    answer += ch;
  }
  int status = 0;
  size_t sp = answer.find(' ');
  if (answer.rfind("HTTP/1.", 0) != 0 || sp == std::string::npos ||
      std::from_chars(answer.data() + sp + 1, answer.data() + answer.size(), status).ec !=
          std::errc())
    return error(Code::kUnavailable, where + ": not an HTTP answer to POST " + request.path);
  if (status != 101) {
    std::string rest;
    char buf[4096];
    int n;
    while (rest.size() < kMaxErrorBody && (n = SSL_read(c->ssl_, buf, sizeof buf)) > 0)
      rest.append(buf, static_cast<size_t>(n));
    auto reply = nlohmann::json::parse(rest, nullptr, false);
    const nlohmann::json* e = reply.is_object() ? &reply["error"] : nullptr;
    if (e != nullptr && e->is_object() && e->contains("message") && (*e)["message"].is_string()) {
      const bool named = e->contains("code") && (*e)["code"].is_string();
      return error(code_from_name(named ? (*e)["code"].get<std::string>() : "internal"),
                   (*e)["message"].get<std::string>());
    }
    return error(Code::kUnavailable,
                 where + ": POST " + request.path + " refused with HTTP " + std::to_string(status));
  }
  return c;
}

}  // namespace xc
