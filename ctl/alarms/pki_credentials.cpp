#include "ctl/alarms/pki_credentials.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <utility>

#include "common/pki.h"
#include "ctl/access/access_store.h"
#include "ctl/hosts/pki_files.h"

namespace xc {
namespace {

namespace fs = std::filesystem;
constexpr uintmax_t kMaxCertificateBytes = 64 << 10;

// The certificate at `path` as a credential, with its serial; nullopt when
// it is absent or unreadable.
std::optional<std::pair<Credential, std::string>> read_credential(const fs::path& path,
                                                                  Credential c) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > kMaxCertificateBytes)
    return std::nullopt;
  std::ifstream in(path);
  auto facts = certificate_facts(std::string((std::istreambuf_iterator<char>(in)), {}));
  if (!facts.ok()) return std::nullopt;
  c.not_before_ms = facts->not_before * 1000;
  c.not_after_ms = facts->not_after * 1000;
  c.what += " (serial " + facts->serial_hex + ")";
  return std::pair{std::move(c), facts->serial_hex};
}

}  // namespace

Result<std::vector<Credential>> pki_credentials(const std::string& state_path) {
  std::vector<Credential> out;
  auto add = [&out](auto found) {
    if (found) out.push_back(std::move(found->first));
  };
  const fs::path pki(pki_files_for_state(state_path).dir);
  add(read_credential(pki / "ca.crt", {"certificate/ca", "the cloud's CA certificate", "",
                                       "xcloudctl ca rotate", 0, 0}));
  add(read_credential(pki / "controller.crt",
                      {"certificate/controller", "the controller's client certificate", "",
                       "xcloudctl ca renew-controller", 0, 0}));
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(pki / "hosts", ec)) {
    const std::string host = entry.path().filename().string();
    add(read_credential(entry.path() / "agent.crt",
                        {"certificate/host/" + host, "agent certificate of host " + host, host,
                         "xcloudctl host renew " + host, 0, 0}));
    add(read_credential(entry.path() / "qemu" / "server-cert.pem",
                        {"certificate/host/" + host + "/migration",
                         "migration (libvirt TLS) certificate of host " + host, host,
                         "xcloudctl host renew " + host + " --migration", 0, 0}));
  }
  // Only users' current certificates: the ones they replaced are on the CRL.
  auto access = AccessStore::open(state_path);
  if (!access.ok()) return access.status();
  auto users = (*access)->users();
  if (!users.ok()) return users.status();
  for (const UserRecord& u : *users) {
    // A second factor ages too: the rotation duty covers it.
    if (!u.totp_secret.empty() && !u.disabled)
      out.push_back({"totp/user/" + u.name, "TOTP secret of user " + u.name, "",
                     "xcloudctl user totp " + u.name, u.totp_set_ms, 0, false});
    if (u.cert_serial.empty()) continue;
    auto found =
        read_credential(pki / "users" / u.name / "issued.crt",
                        {"certificate/user/" + u.name, "client certificate of user " + u.name, "",
                         "xcloudctl user renew " + u.name, 0, 0});
    if (found && found->second == u.cert_serial) add(std::move(found));
  }
  return out;
}

}  // namespace xc
