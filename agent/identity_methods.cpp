// host.install_identity: the controller's `host renew` hands the agent a
// renewed certificate and its key (over the agent's own mutual TLS); the
// agent checks and installs them (agent/identity_install.h) and serves new
// connections with them at once, without a restart.
#include <chrono>

#include "agent/identity_install.h"
#include "agent/rpc_service.h"
#include "common/crl.h"

namespace xc {
namespace {

constexpr size_t kMaxPemBytes = 16 << 10;

Result<nlohmann::json> install_identity(AgentContext& ctx, const nlohmann::json& params) {
  auto cert = param_string(params, "certificate");
  if (!cert.ok()) return cert.status();
  auto key = param_string(params, "key");
  if (!key.ok()) return key.status();
  if (cert->size() > kMaxPemBytes || key->size() > kMaxPemBytes)
    return error(Code::kInvalidArgument, "params: a certificate or key larger than 16 KiB");
  if (!ctx.reload_identity)
    return error(Code::kFailedPrecondition,
                 "this agent serves over SSH (rpc mode) and has no TLS certificate to renew");
  auto lock = ctx.lock_object("agent identity");
  const IdentityPaths paths{ctx.config.tls_cert, ctx.config.tls_key, ctx.config.tls_ca};
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (Status s = install_identity_files(paths, *cert, *key, now); !s.ok()) return s;
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
