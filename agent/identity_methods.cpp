// host.install_identity: the controller's `host renew` (and `ca rotate`)
// hands the agent a renewed certificate and its key, and the CA file to
// trust, over the agent's own mutual TLS; the agent checks and installs them
// (agent/identity_install.h) and serves new connections with them at once,
// without a restart.
#include <chrono>

#include "agent/identity_install.h"
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

}  // namespace

void add_identity_methods(MethodTable& table) {
  table["host.install_identity"] = install_identity;
}

}  // namespace xc
