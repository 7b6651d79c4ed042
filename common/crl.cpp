#include "common/crl.h"

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "common/openssl_util.h"

namespace xc {
namespace {

using ossl::BioPtr;
using ossl::Deleter;
using ossl::KeyPtr;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using IntPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using RevokedPtr = std::unique_ptr<X509_REVOKED, Deleter<X509_REVOKED_free>>;

Status failure(const std::string& what) {
  return error(Code::kInternal, what + ": " + ossl::last_error());
}

BioPtr memory_bio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

X509Ptr parse_certificate(const std::string& pem) {
  BioPtr bio = memory_bio(pem);
  return X509Ptr(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

Result<std::string> serial_text(const ASN1_INTEGER* serial) {
  BnPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
  char* hex = bn ? BN_bn2hex(bn.get()) : nullptr;
  if (hex == nullptr) return failure("serial number");
  std::string out(hex);
  OPENSSL_free(hex);
  return out;
}

UnixSeconds unix_time(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<UnixSeconds>(timegm(&tm));
}

}  // namespace

std::string serial_hex_of(const X509* certificate) {
  auto text = serial_text(X509_get0_serialNumber(certificate));
  return text.ok() ? *text : "";
}

std::string common_name_of(const X509* certificate) {
  char name[256] = "";
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name,
                                    sizeof name);
  return n < 0 ? "" : std::string(name, static_cast<size_t>(n));
}

Result<std::string> certificate_serial_hex(const std::string& certificate_pem) {
  X509Ptr cert = parse_certificate(certificate_pem);
  if (!cert) return error(Code::kInvalidArgument, "certificate: not a PEM certificate");
  return serial_text(X509_get0_serialNumber(cert.get()));
}

Result<std::string> certificate_common_name(const std::string& certificate_pem) {
  X509Ptr cert = parse_certificate(certificate_pem);
  if (!cert) return error(Code::kInvalidArgument, "certificate: not a PEM certificate");
  std::string name = common_name_of(cert.get());
  if (name.empty()) return error(Code::kInvalidArgument, "certificate: no common name");
  return name;
}

Result<std::string> make_crl(const TlsIdentity& ca, const std::vector<RevokedCertificate>& revoked,
                             UnixSeconds this_update, UnixSeconds next_update) {
  X509Ptr ca_cert = parse_certificate(ca.certificate_pem);
  BioPtr key_bio = memory_bio(ca.private_key_pem);
  KeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!ca_cert || !key) return error(Code::kInvalidArgument, "CA: not a certificate and key");
  CrlPtr crl(X509_CRL_new());
  TimePtr last(ASN1_TIME_set(nullptr, this_update));
  TimePtr next(ASN1_TIME_set(nullptr, next_update));
  if (!crl || !last || !next || X509_CRL_set_version(crl.get(), 1) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_cert.get())) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), last.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next.get()) != 1)
    return failure("CRL");
  for (const RevokedCertificate& r : revoked) {
    BIGNUM* raw = nullptr;
    if (r.serial_hex.empty() || r.serial_hex.size() > 40 ||
        BN_hex2bn(&raw, r.serial_hex.c_str()) != static_cast<int>(r.serial_hex.size())) {
      BN_free(raw);
      return error(Code::kInvalidArgument, "CRL: bad serial \"" + r.serial_hex + "\"");
    }
    BnPtr bn(raw);
    IntPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
    TimePtr when(ASN1_TIME_set(nullptr, r.revoked_at));
    RevokedPtr entry(X509_REVOKED_new());
    if (!serial || !when || !entry ||
        X509_REVOKED_set_serialNumber(entry.get(), serial.get()) != 1 ||
        X509_REVOKED_set_revocationDate(entry.get(), when.get()) != 1 ||
        X509_CRL_add0_revoked(crl.get(), entry.get()) != 1)
      return failure("CRL entry");
    entry.release();  // the CRL owns it now
  }
  if (X509_CRL_sort(crl.get()) != 1 || X509_CRL_sign(crl.get(), key.get(), EVP_sha256()) <= 0)
    return failure("CRL signature");
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_X509_CRL(out.get(), crl.get()) != 1) return failure("CRL PEM");
  char* data = nullptr;
  long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Result<std::vector<RevokedCertificate>> crl_entries(const std::string& crl_pem,
                                                    const std::string& ca_certificate_pem) {
  BioPtr bio = memory_bio(crl_pem);
  CrlPtr crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!crl) return error(Code::kInvalidArgument, "CRL: not a PEM CRL");
  // Any CA of the file: during a rotation it holds the new CA and the previous one.
  bool signed_by_ca = false;
  auto cas = split_certificates(ca_certificate_pem);
  for (const std::string& pem : cas.ok() ? *cas : std::vector<std::string>{}) {
    X509Ptr ca = parse_certificate(pem);
    EVP_PKEY* ca_key = ca ? X509_get0_pubkey(ca.get()) : nullptr;
    signed_by_ca = signed_by_ca || (ca_key != nullptr && X509_CRL_verify(crl.get(), ca_key) == 1);
  }
  if (!signed_by_ca) {
    ossl::last_error();  // clear the queue
    return error(Code::kInvalidArgument, "CRL: not signed by the CA");
  }
  std::vector<RevokedCertificate> out;
  STACK_OF(X509_REVOKED)* list = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(list); ++i) {
    const X509_REVOKED* r = sk_X509_REVOKED_value(list, i);
    auto serial = serial_text(X509_REVOKED_get0_serialNumber(r));
    if (!serial.ok()) return serial.status();
    out.push_back({*serial, unix_time(X509_REVOKED_get0_revocationDate(r))});
  }
  return out;
}

}  // namespace xc
