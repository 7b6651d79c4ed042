// Certificate revocation lists of the cloud's CA (X.509 v2 CRLs, PEM): the
// serial of a certificate, a CRL made and signed by the CA, and the entries
// of a CRL the CA signed. Stateless; safe to call from any thread.
#pragma once

#include <string>
#include <vector>

#include "common/pki.h"
#include "common/status.h"

struct x509_st;  // OpenSSL's X509

namespace xc {

struct RevokedCertificate {
  std::string serial_hex;  // uppercase hex, as certificate_serial_hex gives it
  UnixSeconds revoked_at = 0;
};

// The serial number of the PEM certificate, uppercase hex ("1F03...").
Result<std::string> certificate_serial_hex(const std::string& certificate_pem);

// The common name of the PEM certificate's subject.
Result<std::string> certificate_common_name(const std::string& certificate_pem);

// The same two of a parsed certificate ("" when it has none).
std::string serial_hex_of(const x509_st* certificate);
std::string common_name_of(const x509_st* certificate);

// A CRL listing `revoked`, signed by `ca`, valid from `this_update` until
// `next_update` (after which OpenSSL refuses it: re-issue before then).
Result<std::string> make_crl(const TlsIdentity& ca, const std::vector<RevokedCertificate>& revoked,
                             UnixSeconds this_update, UnixSeconds next_update);

// The entries of a PEM CRL, after checking that a certificate of
// `ca_certificate_pem` (a CA file: one CA, or two during a rotation) signed
// it (kInvalidArgument when not, or when it is not a CRL).
Result<std::vector<RevokedCertificate>> crl_entries(const std::string& crl_pem,
                                                    const std::string& ca_certificate_pem);

}  // namespace xc
