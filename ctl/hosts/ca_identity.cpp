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
  if (!listed) revoked.push_back({serial_hex, now});
  auto crl = make_crl(ca, revoked, now - 300, now + kCrlValidSeconds);
  if (!crl.ok()) return crl.status();
  const std::string temp = users_crl(pki) + ".new";
  if (Status w = write_pem_file(temp, *crl, kCertificateFileMode); !w.ok()) return w;
  if (std::rename(temp.c_str(), users_crl(pki).c_str()) != 0)
    return error(Code::kIo, users_crl(pki) + ": cannot be replaced");
  return {};
}

}  // namespace xc
