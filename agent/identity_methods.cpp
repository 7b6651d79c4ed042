// host.install_identity: the controller's `host renew` (and `ca rotate`)
// hands the agent a renewed certificate and its key, and the CA file to
// trust, over the agent's own mutual TLS; the agent checks and installs them
// (agent/identity_install.h) and serves new connections with them at once,
// without a restart.
#include <chrono>

#include "agent/identity_install.h"
#include "agent/migration_tls.h"
#include "agent/migration_tls_install.h"
#include "agent/rpc_service.h"
#include "common/crl.h"

namespace xc {
namespace {

constexpr size_t kMaxPemBytes = 16 << 10;
constexpr size_t kMaxCaFileBytes = 64 << 10;
constexpr size_t kMaxCaCertificates = 8;

Result<nlohmann::json> install_identity(AgentContext& ctx, const nlohmann::json& params) {
  auto cert = param_string(params, "certificate");
  if (!cert.ok()) return cert.status();
  auto key = param_string(params, "key");
  if (!key.ok()) return key.status();
  if (cert->size() > kMaxPemBytes || key->size() > kMaxPemBytes)
    return error(Code::kInvalidArgument, "params: a certificate or key larger than 16 KiB");
  std::string ca;
  if (params.contains("ca")) {
    auto given = param_string(params, "ca");
    if (!given.ok()) return given.status();
    if (given->size() > kMaxCaFileBytes)
      return error(Code::kInvalidArgument, "params: a CA file larger than 64 KiB");
    auto cas = split_certificates(*given);
    if (!cas.ok()) return error(Code::kInvalidArgument, "params: ca: " + cas.status().message());
    if (cas->size() > kMaxCaCertificates)
      return error(Code::kInvalidArgument, "params: ca: more than 8 certificates");
    for (const std::string& pem : *cas) {
      auto facts = certificate_facts(pem);
      if (!facts.ok() || !facts->is_ca)
        return error(Code::kInvalidArgument, "params: ca: a certificate that is not a CA");
    }
    ca = *given;
  }
  if (!ctx.reload_identity)
    return error(Code::kFailedPrecondition,
                 "this agent serves over SSH (rpc mode) and has no TLS certificate to renew");
  auto lock = ctx.lock_object("agent identity");
  const IdentityPaths paths{ctx.config.tls_cert, ctx.config.tls_key, ctx.config.tls_ca};
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (Status s = install_identity_files(paths, *cert, *key, ca, now); !s.ok()) return s;
  auto serial = ctx.reload_identity();
  if (!serial.ok())
    return error(serial.status().code(),
                 "installed, but not yet served (at the next start): " + serial.status().message());
  return nlohmann::json{{"serial", *serial}, {"certificate", paths.cert}};
}

// host.install_migration_tls: the certificates this host's libvirt migrates
// with, renewed by `host renew --migration`, into qemu.conf's directory.
Result<nlohmann::json> install_migration_tls(AgentContext& ctx, const nlohmann::json& params) {
  MigrationTlsFiles files;
  const std::pair<const char*, std::string*> fields[] = {{"ca", &files.ca},
                                                         {"serverCertificate", &files.server_cert},
                                                         {"serverKey", &files.server_key},
                                                         {"clientCertificate", &files.client_cert},
                                                         {"clientKey", &files.client_key}};
  for (const auto& [name, out] : fields) {
    auto value = param_string(params, name);
    if (!value.ok()) return value.status();
    const size_t limit = std::string(name) == "ca" ? kMaxCaFileBytes : kMaxPemBytes;
    if (value->size() > limit)
      return error(Code::kInvalidArgument, std::string("params: ") + name + " is too large");
    *out = *value;
  }
  // Certificates before any file is touched.
  for (const std::string* pem : {&files.server_cert, &files.client_cert})
    if (!certificate_facts(*pem).ok())
      return error(Code::kInvalidArgument, "params: a certificate that is not PEM");
  if (!split_certificates(files.ca).ok())
    return error(Code::kInvalidArgument, "params: ca: no PEM certificate");
  if (!ctx.config.migration_tls)
    return error(Code::kFailedPrecondition,
                 "this agent's configuration turns migration over TLS off (migrationTls: false)");
  auto lock = ctx.lock_object("migration certificates");
  const std::string dir = read_qemu_tls_settings(ctx.config.qemu_conf).cert_dir;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (Status s = install_migration_tls_files(dir, files, now); !s.ok()) return s;
  MigrationTls check = check_migration_tls(ctx.config.qemu_conf, ctx.config.tls_ca, now);
  auto serial = certificate_facts(files.server_cert);
  return nlohmann::json{{"dir", dir},
                        {"serverSerial", serial.ok() ? serial->serial_hex : ""},
                        {"ready", check.ready},
                        {"problem", check.problem}};
}

}  // namespace

void add_identity_methods(MethodTable& table) {
  table["host.install_identity"] = install_identity;
  table["host.install_migration_tls"] = install_migration_tls;
}

}  // namespace xc
