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

}  // namespace xc
