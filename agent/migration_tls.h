// Whether this host's libvirt can migrate over TLS (libvirt's migrate_tls)
// with certificates from the cloud's CA: the certificate directory named by
// qemu.conf holds ca-cert.pem, server-cert.pem/-key.pem and
// client-cert.pem/-key.pem, valid now, signed by the CA the agent itself
// trusts, and client certificates are verified. Stateless.
#pragma once

#include <string>

#include "common/pki.h"

namespace xc {

// What qemu.conf says about migration TLS (libvirt's defaults where unset).
struct QemuTlsSettings {
  std::string cert_dir = "/etc/pki/qemu";  // migrate_ or else default_tls_x509_cert_dir
  bool verify = true;                      // migrate_ or else default_tls_x509_verify
};

// Parses qemu.conf's text (libvirt's `key = value` lines, # comments).
QemuTlsSettings parse_qemu_tls_settings(const std::string& qemu_conf);
// The same of the file at `qemu_conf_path` (its first MiB; missing: defaults).
QemuTlsSettings read_qemu_tls_settings(const std::string& qemu_conf_path);

struct MigrationTls {
  bool ready = false;
  std::string cert_dir;
  std::string problem;  // why not ready, naming the file
};

// Reads `qemu_conf_path` (a missing file means libvirt's defaults) and checks
// the certificates at `now`; `cloud_ca_path` is the agent's own CA ("" when
// the agent has none: then only the directory's ca-cert.pem is checked).
MigrationTls check_migration_tls(const std::string& qemu_conf_path,
                                 const std::string& cloud_ca_path, UnixSeconds now);

}  // namespace xc
