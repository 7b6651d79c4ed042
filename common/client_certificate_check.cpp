#include "common/client_certificate_check.h"

#include <openssl/x509v3.h>

namespace xc {

std::string client_chain_refusal(X509_STORE_CTX* ctx) {
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  std::string reason;
  if (X509_verify_cert(ctx) != 1) {
    return X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  }
  if (X509_check_ca(leaf) != 0) {
    reason = "a CA certificate is not a client certificate";
  } else if ((X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) == 0 ||
             (X509_get_extended_key_usage(leaf) & XKU_SSL_CLIENT) == 0) {
    reason = "certificate lacks the clientAuth extended key usage";
  }
  if (!reason.empty()) X509_STORE_CTX_set_error(ctx, X509_V_ERR_INVALID_PURPOSE);
  return reason;
}

std::string certificate_common_name(const X509* cert) {
  if (cert == nullptr) return "";
  const X509_NAME* subject = X509_get_subject_name(cert);
  int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (at < 0) return "";
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, value);
  if (n < 0) return "";
  std::string name(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return name;
}

}  // namespace xc
