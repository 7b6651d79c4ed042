// The cloud's certificates (ECDSA P-256): a CA and the server/client certificates
// it issues, plus the start-up check a TLS endpoint runs on its own certificate.
// Stateless; safe to call from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

// The common name of the controller's client certificate: the only client an
// agent serves. User and host names may not take it.
inline constexpr char kControllerCommonName[] = "xcloudctl";
// The common name of a one-transfer client certificate starts with this and
// ends with its ticket: the certificate opens that volume stream and nothing
// else (agent/volume_offers.h). The space keeps it apart from any user or host.
inline constexpr char kTransferCommonNamePrefix[] = "xcloud-transfer ";

// A certificate and its private key, both PEM (the key unencrypted PKCS#8).
struct TlsIdentity {
  std::string certificate_pem;
  std::string private_key_pem;
};

// kQemuServer/kQemuClient: the same, with keyEncipherment beside
// digitalSignature in the critical keyUsage, which QEMU's TLS credentials
// (libvirt's migrate_tls) demand of every leaf certificate.
enum class CertificateUsage { kServer, kClient, kQemuServer, kQemuClient };

// Seconds since the Unix epoch, UTC. Passed explicitly so callers (and tests)
// decide the validity window; nothing here reads the clock.
using UnixSeconds = int64_t;

// A self-signed CA: basicConstraints CA:TRUE (critical), keyUsage
// keyCertSign and cRLSign (critical), random 128-bit serial.
Result<TlsIdentity> create_ca(const std::string& common_name, UnixSeconds not_before,
                              UnixSeconds not_after);

// A certificate signed by `ca`. Each entry of `subject_alt_names` that parses
// as an IPv4/IPv6 address becomes an IP SAN, anything else a DNS SAN.
// extendedKeyUsage is serverAuth or clientAuth; basicConstraints CA:FALSE
// unless `is_ca` (tests use that to make a CA certificate pose as a leaf).
Result<TlsIdentity> issue_certificate(const TlsIdentity& ca, const std::string& common_name,
                                      const std::vector<std::string>& subject_alt_names,
                                      CertificateUsage usage, UnixSeconds not_before,
                                      UnixSeconds not_after, bool is_ca = false);

inline constexpr mode_t kPrivateKeyFileMode = 0600;
inline constexpr mode_t kCertificateFileMode = 0644;

// Writes `pem` to `path` with exactly `mode` (also when the file existed with
// a wider mode: the mode is set before any byte is written).
Status write_pem_file(const std::string& path, const std::string& pem, mode_t mode);

// What a TLS endpoint checks before it starts serving: the certificate at
// `cert_pem_path` is valid at `now`, matches the key, and is signed by the CA.
// Messages start with the certificate, e.g.
// `certificate /etc/xcloud/agent.pem expired on 2026-01-02T00:00:00Z`.
Status check_own_certificate(const std::string& cert_pem_path, const std::string& key_pem_path,
                             const std::string& ca_pem_path, UnixSeconds now);

// What the alarms and renewals read off a certificate.
struct CertificateFacts {
  std::string common_name;
  std::string serial_hex;
  std::vector<std::string> subject_alt_names;  // DNS names and IP addresses, as text
  UnixSeconds not_before = 0;
  UnixSeconds not_after = 0;
  bool is_ca = false;
};
// The first certificate of `pem`; kInvalidArgument when there is none.
Result<CertificateFacts> certificate_facts(const std::string& pem);

// Each certificate of a PEM bundle, re-encoded as PEM, in file order (a CA
// file during a rotation holds the new CA, then the previous one).
// kInvalidArgument when there is none.
Result<std::vector<std::string>> split_certificates(const std::string& pem);

// Whether the first certificate of `certificate_pem` carries a signature
// made with the key of the first certificate of `issuer_pem`.
Result<bool> certificate_issued_by(const std::string& certificate_pem,
                                   const std::string& issuer_pem);

// "2026-01-02T00:00:00Z".
std::string format_utc(UnixSeconds t);

}  // namespace xc
