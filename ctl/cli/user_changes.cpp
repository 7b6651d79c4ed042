#include "ctl/cli/user_changes.h"

#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"

namespace xc {

OpenedUsers open_users(CliContext& ctx, const CLI::App& cmd, bool change) {
  OpenedUsers o;
  o.store = change ? open_state_for_change(ctx, cmd) : open_state_store(ctx);
  if (!o.store) return o;
  auto path = resolve_state_path(ctx);
  auto access =
      path.ok() ? AccessStore::open(*path) : Result<std::unique_ptr<AccessStore>>(path.status());
  if (!access.ok()) {
    fail(ctx, access.status().message(), kExitFailure);
    o.store.reset();
    return o;
  }
  o.access = std::move(*access);
  return o;
}

void audited_access_change(CliContext& ctx, OpenedUsers& o, AuditRecord record,
                           const std::string& note, const std::function<Status()>& change) {
  AuditLog log(*o.store);
  if (Status w = log.check_writable(); !w.ok()) return fail(ctx, w.message(), kExitFailure);
  Status done = change();
  record.result = done.ok() ? kAuditOk : kAuditError;
  record.message = done.ok() ? note : note.empty() ? done.message() : note + ": " + done.message();
  auto written = log.append(record);
  if (!done.ok())
    return fail(ctx, done.message(),
                done.code() == Code::kNotFound || done.code() == Code::kAlreadyExists ||
                        done.code() == Code::kInvalidArgument ||
                        done.code() == Code::kPermissionDenied
                    ? kExitUsage
                    : kExitFailure);
  if (!written.ok())
    return fail(ctx,
                "the change is made but its audit record failed: " + written.status().message(),
                kExitFailure);
}

void audited_user_change(CliContext& ctx, const CLI::App& cmd, OpenedUsers& o,
                         const std::string& name, const std::string& action,
                         const std::function<Status()>& change) {
  audited_access_change(ctx, o, audit_identity_for(cmd).record("User", "", name, action), "",
                        change);
}

}  // namespace xc
