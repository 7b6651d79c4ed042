// The HTTPS door's TLS material, following pki/ca.crt while serve runs: the
// CAs a client certificate may chain to, and the server's own certificate.
// `ca rotate` adds the new CA: it is trusted from the next handshake and the
// server keeps its certificate (the operators' old ca.crt still verifies
// it). `ca rotate --finish` drops the old CA: its certificates are refused
// from the next handshake and the server's certificate is issued again by
// the new CA. So a running `serve --api` needs no restart. Thread-safe.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "ctl/controller/loop.h"
#include "ctl/hosts/pki_files.h"

namespace xc {

class ApiTlsMaterial {
 public:
  struct Current {
    X509* certificate = nullptr;
    EVP_PKEY* key = nullptr;
    STACK_OF(X509) * cas = nullptr;  // the CA file's certificates, in order
    Current() = default;
    Current(const Current&) = delete;
    Current& operator=(const Current&) = delete;
    ~Current();
  };

  // `host` names the server certificate (its SAN). Fails when the CA cannot
  // be read or the certificate not issued.
  static Result<std::unique_ptr<ApiTlsMaterial>> load(const PkiFiles& pki, std::string host,
                                                      LoopLog& log);

  // What the next handshake uses: reread when ca.crt changed. A CA file that
  // cannot be used keeps the material as it was (logged once per change).
  std::shared_ptr<const Current> current();

  // Whether `peer` is the controller's own certificate (pki/controller.crt,
  // reread only when the file changes: ca rotate renews it).
  bool is_controller(const X509* peer);

  // For SSL_CTX_set_cert_cb (arg: this): the current certificate and key.
  static int select_certificate(SSL* ssl, void* arg);

 private:
  ApiTlsMaterial(PkiFiles pki, std::string host, LoopLog& log)
      : pki_(std::move(pki)), host_(std::move(host)), log_(log) {}
  Status reload();  // under mutex_
  // A file's identity, to notice it was replaced or rewritten.
  struct FileStamp {
    ino_t inode = 0;
    off_t size = -1;
    int64_t mtime_ns = -1;
    bool operator==(const FileStamp& o) const {
      return inode == o.inode && size == o.size && mtime_ns == o.mtime_ns;
    }
  };
  static FileStamp stamp_of(const std::string& path);

  const PkiFiles pki_;
  const std::string host_;
  LoopLog& log_;
  std::mutex mutex_;
  std::shared_ptr<const Current> current_;
  std::string certificate_pem_;  // current_'s certificate
  FileStamp ca_stamp_;
  std::mutex controller_mutex_;
  FileStamp controller_stamp_;
  std::unique_ptr<X509, void (*)(X509*)> controller_{nullptr, X509_free};
};

}  // namespace xc
