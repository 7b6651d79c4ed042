// The certificates a host's libvirt/QEMU use for migration over TLS
// (libvirt's migrate_tls), issued from the cloud's CA by `host enroll` into
// the host's bundle: <bundle>/qemu/ holds the five files libvirt expects in
// migrate_tls_x509_cert_dir (default /etc/pki/qemu). Stateless.
#pragma once

#include <string>
#include <vector>

#include "common/pki.h"
#include "common/status.h"

namespace xc {

inline constexpr const char* kQemuTlsBundleDir = "qemu";

// Writes DIR/{ca-cert,server-cert,server-key,client-cert,client-key}.pem
// (keys 0600), DIR made private. The server certificate names `names` (the
// host's name and the address the cloud reaches it at): the source QEMU
// checks the one in the target's migration URI, libvirt's hostname or
// qemu.conf's migration_host.
Status write_qemu_tls_bundle(const TlsIdentity& ca, const std::string& host,
                             const std::vector<std::string>& names, const std::string& dir,
                             UnixSeconds not_before, UnixSeconds not_after);

}  // namespace xc
