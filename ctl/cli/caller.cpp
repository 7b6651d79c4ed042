#include "ctl/cli/caller.h"

#include <cstdlib>

#include "ctl/access/access_store.h"

namespace xc {

Result<std::optional<Principal>> caller_principal(CliContext& ctx) {
  const char* name = std::getenv(kCallerEnv);
  if (name == nullptr || *name == '\0') return std::optional<Principal>();
  auto path = resolve_state_path(ctx);
  if (!path.ok()) return path.status();
  auto access = AccessStore::open(*path);
  if (!access.ok()) return access.status();
  auto user = (*access)->user(name);
  if (!user.ok()) return user.status();
  if (!*user) return error(Code::kPermissionDenied, std::string("unknown caller ") + name);
  Principal p;
  p.user = (*user)->name;
  p.tenant_scope = (*user)->tenant_scope;
  for (const auto& r : split_roles((*user)->roles))
    if (auto role = parse_role(r)) p.roles.push_back(*role);
  return std::optional<Principal>(p);
}

}  // namespace xc
