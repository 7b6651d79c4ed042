#include "common/pki.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>

#include "common/crl.h"
#include "common/ip_address.h"
#include "common/openssl_util.h"

namespace xc {
namespace {

using ossl::Deleter;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using ossl::BioPtr;
using ossl::KeyPtr;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;

std::string openssl_error() {
  return ossl::last_error();
}

Status ssl_failure(const std::string& what) {
  return error(Code::kInternal, what + ": " + openssl_error());
}

Result<std::string> to_pem(const std::function<int(BIO*)>& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return ssl_failure("PEM encoding");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

X509Ptr parse_certificate(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

KeyPtr parse_private_key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return KeyPtr(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool valid_dns_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

Result<NamesPtr> make_subject_alt_names(const std::vector<std::string>& sans) {
  NamesPtr names(sk_GENERAL_NAME_new_null());
  for (const auto& san : sans) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (auto ip = parse_ip(san)) {
      ASN1_OCTET_STRING* octets = ASN1_OCTET_STRING_new();
      ASN1_OCTET_STRING_set(octets, ip->bytes.data(), ip->v6 ? 16 : 4);
      GENERAL_NAME_set0_value(name, GEN_IPADD, octets);
    } else if (valid_dns_name(san)) {
      ASN1_IA5STRING* text = ASN1_IA5STRING_new();
      ASN1_STRING_set(text, san.data(), static_cast<int>(san.size()));
      GENERAL_NAME_set0_value(name, GEN_DNS, text);
    } else {
      GENERAL_NAME_free(name);
      return error(Code::kInvalidArgument,
                   "subject alternative name \"" + san + "\": not a DNS name or IP address");
    }
    sk_GENERAL_NAME_push(names.get(), name);
  }
  return names;
}

// Adds one extension written in OpenSSL's config syntax (constant strings only).
bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return false;
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x01);  // positive, full length
  BnPtr serial(BN_bin2bn(bytes, sizeof bytes, nullptr));
  return serial && BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
}

struct CertificateSpec {
  std::string common_name;
  UnixSeconds not_before = 0;
  UnixSeconds not_after = 0;
  const char* basic_constraints = "critical,CA:FALSE";
  const char* key_usage = "critical,digitalSignature";
  const char* extended_key_usage = nullptr;
  GENERAL_NAMES* subject_alt_names = nullptr;
};

// Builds and signs a certificate for a fresh P-256 key. Without an issuer the
// certificate is self-signed.
Result<TlsIdentity> build(const CertificateSpec& spec, X509* issuer, EVP_PKEY* issuer_key) {
  if (spec.not_after <= spec.not_before) {
    return error(Code::kInvalidArgument, "certificate \"" + spec.common_name +
                                             "\": not_after must be later than not_before");
  }
  KeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  if (!key || !cert) return ssl_failure("certificate \"" + spec.common_name + "\"");
  X509* x = cert.get();
  bool ok = X509_set_version(x, X509_VERSION_3) == 1 && set_random_serial(x) &&
            ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(spec.not_before)) &&
            ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(spec.not_after)) &&
            X509_set_pubkey(x, key.get()) == 1;
  X509_NAME* subject = X509_get_subject_name(x);
  ok = ok && X509_NAME_add_entry_by_txt(
                 subject, "CN", MBSTRING_UTF8,
                 reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0) == 1;
  if (issuer == nullptr) {
    issuer = x;
    issuer_key = key.get();
  }
  ok = ok && X509_set_issuer_name(x, X509_get_subject_name(issuer)) == 1 &&
       add_extension(x, issuer, NID_basic_constraints, spec.basic_constraints) &&
       add_extension(x, issuer, NID_key_usage, spec.key_usage) &&
       add_extension(x, issuer, NID_subject_key_identifier, "hash") &&
       add_extension(x, issuer, NID_authority_key_identifier, "keyid:always");
  if (ok && spec.extended_key_usage != nullptr) {
    ok = add_extension(x, issuer, NID_ext_key_usage, spec.extended_key_usage);
  }
  if (ok && spec.subject_alt_names != nullptr) {
    ok = X509_add1_ext_i2d(x, NID_subject_alt_name, spec.subject_alt_names, 0,
                           X509V3_ADD_DEFAULT) == 1;
  }
  ok = ok && X509_sign(x, issuer_key, EVP_sha256()) > 0;
  if (!ok) return ssl_failure("certificate \"" + spec.common_name + "\"");
  auto cert_pem = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, x); });
  auto key_pem = to_pem([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!cert_pem.ok()) return cert_pem.status();
  if (!key_pem.ok()) return key_pem.status();
  return TlsIdentity{*cert_pem, *key_pem};
}

Result<std::string> read_file(const std::string& what, const std::string& path) {
  std::unique_ptr<FILE, Deleter<::fclose>> file(std::fopen(path.c_str(), "rb"));
  if (!file) return error(Code::kIo, what + " " + path + ": cannot read: " + std::strerror(errno));
  std::string text;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
  return text;
}

UnixSeconds to_unix(const ASN1_TIME* t) {
  std::tm tm{};
  ASN1_TIME_to_tm(t, &tm);
  return static_cast<UnixSeconds>(timegm(&tm));
}

}  // namespace

std::string format_utc(UnixSeconds t) {
  time_t seconds = static_cast<time_t>(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

Result<std::vector<std::string>> split_certificates(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<std::string> out;
  while (bio) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    auto text = to_pem([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
    if (!text.ok()) return text.status();
    out.push_back(std::move(*text));
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (out.empty()) return error(Code::kInvalidArgument, "no PEM certificate");
  return out;
}

Result<bool> certificate_issued_by(const std::string& certificate_pem,
                                   const std::string& issuer_pem) {
  X509Ptr cert = parse_certificate(certificate_pem);
  X509Ptr issuer = parse_certificate(issuer_pem);
  if (!cert || !issuer) {
    ERR_clear_error();
    return error(Code::kInvalidArgument, "not a PEM certificate");
  }
  EVP_PKEY* key = X509_get0_pubkey(issuer.get());
  const bool signed_by = key != nullptr && X509_verify(cert.get(), key) == 1;
  ERR_clear_error();
  return signed_by;
}

Result<CertificateFacts> certificate_facts(const std::string& pem) {
  X509Ptr cert = parse_certificate(pem);
  if (!cert) {
    ERR_clear_error();
    return error(Code::kInvalidArgument, "not a PEM certificate");
  }
  CertificateFacts f;
  f.common_name = common_name_of(cert.get());
  f.serial_hex = serial_hex_of(cert.get());
  f.not_before = to_unix(X509_get0_notBefore(cert.get()));
  f.not_after = to_unix(X509_get0_notAfter(cert.get()));
  f.is_ca = X509_check_ca(cert.get()) != 0;
  NamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_STRING* dns = name->d.dNSName;
      f.subject_alt_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                       static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[INET6_ADDRSTRLEN] = "";
      int len = ASN1_STRING_length(ip);
      if ((len == 4 || len == 16) &&
          inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text, sizeof text))
        f.subject_alt_names.emplace_back(text);
    }
  }
  ERR_clear_error();
  return f;
}

Result<TlsIdentity> create_ca(const std::string& common_name, UnixSeconds not_before,
                              UnixSeconds not_after) {
  CertificateSpec spec{common_name, not_before, not_after};
  spec.basic_constraints = "critical,CA:TRUE";
  spec.key_usage = "critical,keyCertSign,cRLSign";
  return build(spec, nullptr, nullptr);
}

Result<TlsIdentity> issue_certificate(const TlsIdentity& ca, const std::string& common_name,
                                      const std::vector<std::string>& subject_alt_names,
                                      CertificateUsage usage, UnixSeconds not_before,
                                      UnixSeconds not_after, bool is_ca) {
  X509Ptr ca_cert = parse_certificate(ca.certificate_pem);
  KeyPtr ca_key = parse_private_key(ca.private_key_pem);
  if (!ca_cert || !ca_key || X509_check_private_key(ca_cert.get(), ca_key.get()) != 1) {
    ERR_clear_error();
    return error(Code::kInvalidArgument, "CA: certificate and private key do not form a pair");
  }
  auto names = make_subject_alt_names(subject_alt_names);
  if (!names.ok()) return names.status();
  CertificateSpec spec{common_name, not_before, not_after};
  if (is_ca) {
    spec.basic_constraints = "critical,CA:TRUE";
    spec.key_usage = "critical,digitalSignature,keyCertSign,cRLSign";
  }
  bool server = usage == CertificateUsage::kServer || usage == CertificateUsage::kQemuServer;
  spec.extended_key_usage = server ? "serverAuth" : "clientAuth";
  if (!is_ca && (usage == CertificateUsage::kQemuServer || usage == CertificateUsage::kQemuClient))
    spec.key_usage = "critical,digitalSignature,keyEncipherment";
  spec.subject_alt_names = subject_alt_names.empty() ? nullptr : names->get();
  return build(spec, ca_cert.get(), ca_key.get());
}

Status write_pem_file(const std::string& path, const std::string& pem, mode_t mode) {
  auto fail = [&] { return error(Code::kIo, path + ": cannot write: " + std::strerror(errno)); };
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, mode);
  if (fd < 0) return fail();
  if (::fchmod(fd, mode) != 0 || ::ftruncate(fd, 0) != 0) {
    Status status = fail();
    ::close(fd);
    return status;
  }
  size_t written = 0;
  while (written < pem.size()) {
    ssize_t n = ::write(fd, pem.data() + written, pem.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status status = fail();
      ::close(fd);
      return status;
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return fail();
  return {};
}

Status check_own_certificate(const std::string& cert_pem_path, const std::string& key_pem_path,
                             const std::string& ca_pem_path, UnixSeconds now) {
  auto cert_text = read_file("certificate", cert_pem_path);
  if (!cert_text.ok()) return cert_text.status();
  auto key_text = read_file("key", key_pem_path);
  if (!key_text.ok()) return key_text.status();
  auto ca_text = read_file("CA certificate", ca_pem_path);
  if (!ca_text.ok()) return ca_text.status();

  X509Ptr cert = parse_certificate(*cert_text);
  if (!cert) {
    ERR_clear_error();
    return error(Code::kInvalidArgument,
                 "certificate " + cert_pem_path + ": not a PEM certificate");
  }
  KeyPtr key = parse_private_key(*key_text);
  if (!key) {
    ERR_clear_error();
    return error(Code::kInvalidArgument, "key " + key_pem_path + ": not a PEM private key");
  }
  UnixSeconds not_after = to_unix(X509_get0_notAfter(cert.get()));
  if (now > not_after) {
    return error(Code::kFailedPrecondition,
                 "certificate " + cert_pem_path + " expired on " + format_utc(not_after));
  }
  UnixSeconds not_before = to_unix(X509_get0_notBefore(cert.get()));
  if (now < not_before) {
    return error(Code::kFailedPrecondition,
                 "certificate " + cert_pem_path + " is not valid until " + format_utc(not_before));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return error(Code::kFailedPrecondition,
                 "certificate " + cert_pem_path + " does not match key " + key_pem_path);
  }

  StorePtr store(X509_STORE_new());
  BioPtr bio(BIO_new_mem_buf(ca_text->data(), static_cast<int>(ca_text->size())));
  int ca_count = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store.get(), ca);
    X509_free(ca);
    ++ca_count;
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (ca_count == 0) {
    return error(Code::kInvalidArgument,
                 "CA certificate " + ca_pem_path + ": no PEM certificate in the file");
  }
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now));
  if (X509_verify_cert(ctx.get()) != 1) {
    std::string reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return error(Code::kFailedPrecondition, "certificate " + cert_pem_path +
                                                " is not signed by CA " + ca_pem_path + " (" +
                                                reason + ")");
  }
  return {};
}

}  // namespace xc
