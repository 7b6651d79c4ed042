// Replacing the agent's own TLS certificate and key while it runs (`xcloudctl
// host renew`), and with them, during a CA rotation (`xcloudctl ca rotate`),
// the CA file it trusts: the new files are written beside the old as
// NAME.new, checked (valid now, matching, signed by a CA of the new CA file
// or, without one, of the current), then renamed over the old ones: key,
// certificate, CA file. A crash after the key's rename leaves CERT.new (and
// CA.new) beside them; the next start finishes the install
// (finish_identity_install), so the agent never starts with a pair that does
// not match or a certificate its CA file does not vouch for. Not
// thread-safe: callers serialize installs.
#pragma once

#include <string>

#include "common/pki.h"
#include "common/status.h"

namespace xc {

struct IdentityPaths {
  std::string cert, key, ca;
};

// kFailedPrecondition/kInvalidArgument when the new pair does not pass the
// checks (nothing is changed then); kIo when a file cannot be written.
// `ca_pem` empty: the CA file is kept.
Status install_identity_files(const IdentityPaths& paths, const std::string& cert_pem,
                              const std::string& key_pem, const std::string& ca_pem,
                              UnixSeconds now);

// At start: completes an install that stopped between its renames, or drops
// the .new files of one that stopped before them. Returns what it did ("" when
// there was nothing), for the log.
Result<std::string> finish_identity_install(const IdentityPaths& paths, UnixSeconds now);

}  // namespace xc
