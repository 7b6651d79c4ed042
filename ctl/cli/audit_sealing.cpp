// Routine sealing from the command line: the configured signing key and the
// seal after every command that changed the state.
#include <cstdlib>
#include <iostream>

#include "common/time.h"
#include "ctl/audit/audit_seal.h"
#include "ctl/cli/audit_cli.h"
#include "ctl/cli/cli.h"

namespace xc {

namespace audit_cli {

std::optional<Result<SealKey>> configured_seal_key(const CliContext& ctx) {
  const char* key = std::getenv("XCLOUD_AUDIT_KEY");
  if (key == nullptr || *key == '\0') return std::nullopt;
  Result<std::string> path = default_checkpoint_path(ctx);
  if (!path.ok()) return Result<SealKey>(path.status());
  return load_seal_key(key, *path);
}

}  // namespace audit_cli

void seal_after_change(CliContext& ctx) {
  auto key = audit_cli::configured_seal_key(ctx);
  if (!key) return;
  auto warn = [&](const std::string& why) {
    print_error(ctx, "warning: the audit trail was not sealed: " + why);
  };
  if (!key->ok()) return warn(key->status().message());
  Result<std::string> path = resolve_state_path(ctx);
  if (!path.ok()) return warn(path.status().message());
  auto store = open_store(*path, OpenMode::kExisting);
  if (!store.ok()) return warn(store.status().message());
  Result<SealOutcome> sealed =
      seal_audit_chain(**store, **key, SealPolicy{}, ctx.seal_always, system_now_ms());
  if (!sealed.ok()) warn(sealed.status().message());
}

}  // namespace xc
