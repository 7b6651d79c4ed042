#include "ctl/cli/api_tls.h"

#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <vector>

#include "common/pki.h"
#include "common/time.h"
#include "ctl/hosts/ca_identity.h"

namespace xc {
namespace {

constexpr int64_t kApiCertificateSeconds = 730 * 86400;  // two years, as at start
constexpr size_t kMaxCaFileBytes = 64 << 10;             // as host.install_identity's ca

int64_t modified_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

X509* parse_certificate(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  return cert;
}

EVP_PKEY* parse_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  return key;
}

Result<std::string> read_ca_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(Code::kNotFound, path + ": cannot read");
  std::string text(kMaxCaFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxCaFileBytes)
    return error(Code::kInvalidArgument, path + ": larger than 64 KiB");
  return text;
}

}  // namespace

ApiTlsMaterial::Current::~Current() {
  X509_free(certificate);
  EVP_PKEY_free(key);
  sk_X509_pop_free(cas, X509_free);
}

Result<std::unique_ptr<ApiTlsMaterial>> ApiTlsMaterial::load(const PkiFiles& pki, std::string host,
                                                             LoopLog& log) {
  std::unique_ptr<ApiTlsMaterial> m(new ApiTlsMaterial(pki, std::move(host), log));
  std::lock_guard<std::mutex> lock(m->mutex_);
  if (Status s = m->reload(); !s.ok()) return s;
  return m;
}

ApiTlsMaterial::FileStamp ApiTlsMaterial::stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {st.st_ino, st.st_size, modified_ns(st)};
}

bool ApiTlsMaterial::is_controller(const X509* peer) {
  std::lock_guard<std::mutex> lock(controller_mutex_);
  const FileStamp now = stamp_of(pki_.controller_cert());
  if (!controller_ || !(now == controller_stamp_)) {
    controller_stamp_ = now;
    BIO* bio = BIO_new_file(pki_.controller_cert().c_str(), "r");
    controller_.reset(bio ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr);
    BIO_free(bio);
  }
  return controller_ && peer != nullptr && X509_cmp(controller_.get(), peer) == 0;
}

std::shared_ptr<const ApiTlsMaterial::Current> ApiTlsMaterial::current() {
  std::lock_guard<std::mutex> lock(mutex_);
  const FileStamp now = stamp_of(pki_.ca_cert());
  if (now.size >= 0 && !(now == ca_stamp_)) {
    if (Status s = reload(); !s.ok())
      log_.event("api: " + s.message() + "; the door keeps its previous CAs and certificate");
  }
  return current_;
}

// Called with mutex_ held. Remembers the file's identity even when it cannot
// be used, so a broken file is logged once, not at every handshake.
Status ApiTlsMaterial::reload() {
  if (FileStamp now = stamp_of(pki_.ca_cert()); now.size >= 0) ca_stamp_ = now;
  auto text = read_ca_file(pki_.ca_cert());
  if (!text.ok()) return text.status();
  auto pems = split_certificates(*text);
  if (!pems.ok())
    return error(pems.status().code(), pki_.ca_cert() + ": " + pems.status().message());
  auto next = std::make_shared<Current>();
  next->cas = sk_X509_new_null();
  for (const std::string& pem : *pems) {
    X509* ca = parse_certificate(pem);
    if (ca == nullptr || sk_X509_push(next->cas, ca) == 0) {
      X509_free(ca);
      return error(Code::kInvalidArgument, pki_.ca_cert() + ": a certificate cannot be parsed");
    }
  }
  // The server's certificate stays while a CA of the file verifies it.
  bool keep = false;
  for (const std::string& pem : *pems) {
    if (certificate_pem_.empty()) break;
    auto issued = certificate_issued_by(certificate_pem_, pem);
    if (issued.ok() && *issued) keep = true;
  }
  std::string certificate_pem = certificate_pem_;
  std::string key_pem;
  if (keep) {
    next->key = current_->key;
    EVP_PKEY_up_ref(next->key);
  } else {
    auto ca = load_ca_identity(pki_);
    if (!ca.ok()) return ca.status();
    const int64_t now = system_now_ms() / 1000;
    auto id = issue_certificate(*ca, "xcloud supervision API", {host_}, CertificateUsage::kServer,
                                now - 300, now + kApiCertificateSeconds);
    if (!id.ok()) return error(id.status().code(), "server certificate: " + id.status().message());
    certificate_pem = id->certificate_pem;
    next->key = parse_key(id->private_key_pem);
    if (current_) log_.event("api: the server certificate was issued again by the cloud's new CA");
  }
  next->certificate = parse_certificate(certificate_pem);
  if (next->certificate == nullptr || next->key == nullptr)
    return error(Code::kInternal, "the server certificate or key cannot be parsed");
  certificate_pem_ = certificate_pem;
  current_ = std::move(next);
  return {};
}

int ApiTlsMaterial::select_certificate(SSL* ssl, void* arg) {
  auto material = static_cast<ApiTlsMaterial*>(arg)->current();
  return SSL_use_certificate(ssl, material->certificate) == 1 &&
                 SSL_use_PrivateKey(ssl, material->key) == 1
             ? 1
             : 0;
}

}  // namespace xc
