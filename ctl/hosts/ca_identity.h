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

// Adds `serial_hex` to pki/users.crl (made when missing; an existing one
// must be signed by `ca`), signed again with nextUpdate 400 days on, and
// replaces the file whole, so a server reading it never sees half of one.
Status add_to_users_crl(const PkiFiles& pki, const TlsIdentity& ca, const std::string& serial_hex,
                        UnixSeconds now);

}  // namespace xc
