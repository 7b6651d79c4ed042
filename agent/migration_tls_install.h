// Replacing the certificates libvirt migrates with (migrate_tls; `xcloudctl
// host renew --migration`): the five files of qemu.conf's certificate
// directory are written beside the old ones as NAME.new, each keeping the
// owner and mode of the file it replaces (QEMU may read them as another
// user), checked (each pair valid now, matching, signed by a CA of the new
// ca-cert.pem), then renamed in: keys and certificates first, ca-cert.pem
// last. QEMU reads them when a migration starts, so nothing restarts; a
// migration starting during the renames may fail and is retried. Not
// thread-safe: callers serialize installs.
#pragma once

#include <string>

#include "common/pki.h"
#include "common/status.h"

namespace xc {

struct MigrationTlsFiles {
  std::string ca, server_cert, server_key, client_cert, client_key;  // PEM
};

// kInvalidArgument/kFailedPrecondition when a pair does not pass the checks
// (nothing is changed then); kIo when a file cannot be written.
Status install_migration_tls_files(const std::string& dir, const MigrationTlsFiles& files,
                                   UnixSeconds now);

}  // namespace xc
