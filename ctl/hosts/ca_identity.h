// The cloud CA's files in <state dir>/pki: its certificate and key, for the
// commands that issue certificates (host enroll, user cert) and the
// supervision API's server certificate; and the users' CRL it signs.
// Thread-safe apart from two writers of the CRL (callers hold the state lock).
#pragma once

#include <string>

#include "common/pki.h"
#include "common/status.h"
#include "ctl/hosts/pki_files.h"

namespace xc {

// Operators' client certificates (user names are validated labels) and the
// CA's list of the revoked ones.
inline std::string users_dir(const PkiFiles& pki) {
  return pki.dir + "/users";
}
inline std::string user_dir(const PkiFiles& pki, const std::string& user) {
  return users_dir(pki) + "/" + user;
}
inline std::string users_crl(const PkiFiles& pki) {
  return pki.dir + "/users.crl";
}

// kFailedPrecondition "no CA in DIR; run 'xcloudctl ca init' first" when
// either file cannot be read.
Result<TlsIdentity> load_ca_identity(const PkiFiles& pki);

// During a CA rotation (`ca rotate` until `ca rotate --finish`): the previous
// CA's certificate and key, kept beside the new ones; pki/ca.crt then holds
// the new CA first and the previous one after it, so both are trusted.
inline std::string ca_previous_cert(const PkiFiles& pki) {
  return pki.dir + "/ca-previous.crt";
}
inline std::string ca_previous_key(const PkiFiles& pki) {
  return pki.dir + "/ca-previous.key";
}

// A new client certificate for the controller from `ca`, written beside
// pki/controller.crt and .key and renamed in (key first): a connection
// starting meanwhile finds the old pair or the new one. Returns its serial.
Result<std::string> renew_controller_certificate(const PkiFiles& pki, const TlsIdentity& ca,
                                                 int days, UnixSeconds now);

// Signs pki/users.crl again with `ca` (its entries kept; it must be signed by
// a CA of ca.certificate_pem). Nothing to do without a CRL.
Status resign_users_crl(const PkiFiles& pki, const TlsIdentity& ca, UnixSeconds now);

// Adds `serial_hex` to pki/users.crl (made when missing; an existing one
// must be signed by `ca`), signed again with nextUpdate 400 days on, and
// replaces the file whole, so a server reading it never sees half of one.
Status add_to_users_crl(const PkiFiles& pki, const TlsIdentity& ca, const std::string& serial_hex,
                        UnixSeconds now);

}  // namespace xc
