#include "ctl/hosts/qemu_tls_bundle.h"

#include "ctl/hosts/pki_files.h"

namespace xc {

Status write_qemu_tls_bundle(const TlsIdentity& ca, const std::string& host,
                             const std::vector<std::string>& names, const std::string& dir,
                             UnixSeconds not_before, UnixSeconds not_after) {
  // The client half would pass an agent's check for the controller.
  if (host == kControllerCommonName)
    return error(Code::kInvalidArgument,
                 "host " + host + ": the name is the controller's; give the host another name");
  auto server =
      issue_certificate(ca, host, names, CertificateUsage::kQemuServer, not_before, not_after);
  if (!server.ok()) return server.status();
  auto client =
      issue_certificate(ca, host, {}, CertificateUsage::kQemuClient, not_before, not_after);
  if (!client.ok()) return client.status();
  if (Status made = make_private_dir(dir); !made.ok()) return made;
  struct File {
    const char* name;
    const std::string& pem;
    mode_t mode;
  };
  const File files[] = {{"ca-cert.pem", ca.certificate_pem, kCertificateFileMode},
                        {"server-cert.pem", server->certificate_pem, kCertificateFileMode},
                        {"server-key.pem", server->private_key_pem, kPrivateKeyFileMode},
                        {"client-cert.pem", client->certificate_pem, kCertificateFileMode},
                        {"client-key.pem", client->private_key_pem, kPrivateKeyFileMode}};
  for (const File& f : files)
    if (Status w = write_pem_file(dir + "/" + f.name, f.pem, f.mode); !w.ok()) return w;
  return {};
}

}  // namespace xc
