#include "ctl/hosts/ca_identity.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/crl.h"

namespace xc {
namespace {

// For other readers of the CRL: serve --api checks its signature, not its
// age, and every revocation rewrites it.
constexpr UnixSeconds kCrlValidSeconds = 400 * 86400;

bool read_whole(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

}  // namespace

Result<TlsIdentity> load_ca_identity(const PkiFiles& pki) {
  TlsIdentity ca;
  if (!read_whole(pki.ca_cert(), ca.certificate_pem) ||
      !read_whole(pki.ca_key(), ca.private_key_pem))
    return error(Code::kFailedPrecondition,
                 "no CA in " + pki.dir + "; run 'xcloudctl ca init' first");
  return ca;
}

Result<std::string> renew_controller_certificate(const PkiFiles& pki, const TlsIdentity& ca,
                                                 int days, UnixSeconds now) {
  auto id = issue_certificate(ca, kControllerCommonName, {}, CertificateUsage::kClient, now - 300,
                              now + static_cast<UnixSeconds>(days) * 86400);
  if (!id.ok()) return id.status();
  auto facts = certificate_facts(id->certificate_pem);
  if (!facts.ok()) return facts.status();
  const std::string cert_new = pki.controller_cert() + ".new";
  const std::string key_new = pki.controller_key() + ".new";
  Status w = write_pem_file(cert_new, id->certificate_pem, kCertificateFileMode);
  if (w.ok()) w = write_pem_file(key_new, id->private_key_pem, kPrivateKeyFileMode);
  if (!w.ok()) return w;
  if (std::rename(key_new.c_str(), pki.controller_key().c_str()) != 0 ||
      std::rename(cert_new.c_str(), pki.controller_cert().c_str()) != 0)
    return error(Code::kIo, pki.controller_cert() + ": cannot be replaced");
  return facts->serial_hex;
}

Status resign_users_crl(const PkiFiles& pki, const TlsIdentity& ca, UnixSeconds now) {
  std::string pem;
  if (!read_whole(users_crl(pki), pem)) return {};
  return add_to_users_crl(pki, ca, "", now);
}

Status add_to_users_crl(const PkiFiles& pki, const TlsIdentity& ca, const std::string& serial_hex,
                        UnixSeconds now) {
  std::vector<RevokedCertificate> revoked;
  std::string pem;
  if (read_whole(users_crl(pki), pem)) {
    auto entries = crl_entries(pem, ca.certificate_pem);
    if (!entries.ok())
      return error(Code::kFailedPrecondition, users_crl(pki) + ": " + entries.status().message());
    revoked = std::move(*entries);
  }
  bool listed = false;
  for (const auto& r : revoked) listed = listed || r.serial_hex == serial_hex;
  if (!listed && !serial_hex.empty()) revoked.push_back({serial_hex, now});
  auto crl = make_crl(ca, revoked, now - 300, now + kCrlValidSeconds);
  if (!crl.ok()) return crl.status();
  const std::string temp = users_crl(pki) + ".new";
  if (Status w = write_pem_file(temp, *crl, kCertificateFileMode); !w.ok()) return w;
  if (std::rename(temp.c_str(), users_crl(pki).c_str()) != 0)
    return error(Code::kIo, users_crl(pki) + ": cannot be replaced");
  return {};
}

}  // namespace xc
