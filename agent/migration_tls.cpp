#include "agent/migration_tls.h"

#include <fstream>
#include <sstream>

namespace xc {
namespace {

constexpr std::streamsize kMaxQemuConf = 1 << 20;
constexpr std::streamsize kMaxPem = 64 << 10;  // a CA certificate is a few KiB

// The first `max` bytes of the file; "" when it cannot be read.
std::string read_at_most(const std::string& path, std::streamsize max) {
  std::string text;
  if (std::ifstream in(path, std::ios::binary); in) {
    text.resize(static_cast<size_t>(max));
    in.read(text.data(), max);
    text.resize(static_cast<size_t>(in.gcount()));
  }
  return text;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string unquote(const std::string& v) {
  if (v.size() >= 2 && v.front() == '"') {
    size_t close = v.find('"', 1);
    return close == std::string::npos ? v.substr(1) : v.substr(1, close - 1);
  }
  return trim(v.substr(0, v.find('#')));
}

// QEMU trusts every certificate in ca-cert.pem: it must be the cloud's CA
// file itself, not a bundle that also holds another CA.
bool same_file_text(const std::string& a, const std::string& b) {
  std::string ta = read_at_most(a, kMaxPem + 1), tb = read_at_most(b, kMaxPem + 1);
  return !ta.empty() && ta.size() <= static_cast<size_t>(kMaxPem) && ta == tb;
}

}  // namespace

QemuTlsSettings parse_qemu_tls_settings(const std::string& qemu_conf) {
  std::string default_dir, migrate_dir, default_verify, migrate_verify;
  std::istringstream in(qemu_conf);
  for (std::string line; std::getline(in, line);) {
    line = trim(line);
    size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq)), value = unquote(trim(line.substr(eq + 1)));
    if (key == "default_tls_x509_cert_dir") default_dir = value;
    if (key == "migrate_tls_x509_cert_dir") migrate_dir = value;
    if (key == "default_tls_x509_verify") default_verify = value;
    if (key == "migrate_tls_x509_verify") migrate_verify = value;
  }
  QemuTlsSettings s;
  if (!migrate_dir.empty())
    s.cert_dir = migrate_dir;
  else if (!default_dir.empty())
    s.cert_dir = default_dir;
  std::string verify = !migrate_verify.empty() ? migrate_verify : default_verify;
  if (!verify.empty()) s.verify = verify != "0";
  return s;
}

QemuTlsSettings read_qemu_tls_settings(const std::string& qemu_conf_path) {
  return parse_qemu_tls_settings(read_at_most(qemu_conf_path, kMaxQemuConf));
}

MigrationTls check_migration_tls(const std::string& qemu_conf_path,
                                 const std::string& cloud_ca_path, UnixSeconds now) {
  QemuTlsSettings settings = read_qemu_tls_settings(qemu_conf_path);
  MigrationTls out;
  out.cert_dir = settings.cert_dir;
  if (!settings.verify) {
    out.problem = qemu_conf_path + ": migrate_tls_x509_verify = 0 (client certificates unchecked)";
    return out;
  }
  const std::string dir = settings.cert_dir + "/";
  const std::string ca = dir + "ca-cert.pem";
  for (const char* role : {"server", "client"}) {
    std::string cert = dir + role + "-cert.pem", key = dir + role + "-key.pem";
    Status s = check_own_certificate(cert, key, ca, now);
    if (s.ok() && !cloud_ca_path.empty()) s = check_own_certificate(cert, key, cloud_ca_path, now);
    if (!s.ok()) {
      out.problem = s.message();
      return out;
    }
  }
  if (!cloud_ca_path.empty() && !same_file_text(ca, cloud_ca_path)) {
    out.problem = ca + " is not the cloud's CA (" + cloud_ca_path + ")";
    return out;
  }
  out.ready = true;
  return out;
}

}  // namespace xc
