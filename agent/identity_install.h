// Replacing the agent's own TLS certificate and key while it runs (`xcloudctl
// host renew`): the new pair is written beside the old as NAME.new, checked
// (valid now, matching, signed by the agent's CA), then renamed over the old
// pair key first. A crash between the two renames leaves the new key with
// the old certificate and CERT.new beside them; the next start finishes the
// install (finish_identity_install), so the agent never starts with a pair
// that does not match. Not thread-safe: callers serialize installs.
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
Status install_identity_files(const IdentityPaths& paths, const std::string& cert_pem,
                              const std::string& key_pem, UnixSeconds now);

// At start: completes an install that stopped between its renames, or drops
// the .new files of one that stopped before them. Returns what it did ("" when
// there was nothing), for the log.
Result<std::string> finish_identity_install(const IdentityPaths& paths, UnixSeconds now);

}  // namespace xc
