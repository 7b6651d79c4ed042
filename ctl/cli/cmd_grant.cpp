#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common/duration.h"
#include "common/printable.h"
#include "common/time.h"
#include "ctl/access/access_store.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/caller.h"
#include "ctl/cli/grant_commands.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"
#include "ctl/cli/user_changes.h"
#include "ctl/cli/vm_target.h"

namespace xc {
namespace {

using nlohmann::json;
constexpr size_t kMaxGrantReason = 1024;
// Live grants per tenant: a tenant-admin cannot grow the table
// (and every console admission's lookup) without bound.
constexpr size_t kMaxLiveGrantsPerTenant = 256;

struct GrantOptions {
  std::string vm, to, tenant, duration = "1h", reason, output = "table";
  int64_t id = 0;
};

json grant_json(const ConsoleGrant& g) {
  return {{"id", g.id},
          {"tenant", g.tenant},
          {"vm", g.vm},
          {"grantee", g.grantee},
          {"grantedBy", g.granted_by},
          {"reason", g.reason},
          {"created", format_time_ms(g.created_ms)},
          {"expires", format_time_ms(g.expires_ms)}};
}

// Writes the grant change's audit record (kind ConsoleGrant) after it.
void audited_grant(CliContext& ctx, const CLI::App& cmd, OpenedUsers& o, const ConsoleGrant& g,
                   const std::string& action, const std::function<Status()>& change) {
  audited_access_change(ctx, o,
                        audit_identity_for(cmd).record("ConsoleGrant", g.tenant, g.vm, action),
                        "console of " + g.tenant + "/" + g.vm + " for " + g.grantee + " until " +
                            format_time_ms(g.expires_ms),
                        change);
}

void grant_console_run(CliContext& ctx, const GrantOptions& o, const CLI::App& cmd) {
  auto duration = parse_duration("--for", o.duration, std::chrono::hours(24 * 7));
  if (!duration.ok()) return fail(ctx, duration.status().message(), kExitUsage);
  if (duration->count() < 60) return fail(ctx, "--for: at least 1m", kExitUsage);
  if (o.reason.size() > kMaxGrantReason)
    return fail(ctx, "--reason: at most 1024 bytes", kExitUsage);
  OpenedUsers u = open_users(ctx, cmd, true);
  if (!u.store) return;
  auto target = find_vm(*u.store, o.vm, o.tenant);
  if (!target.ok()) return fail(ctx, target.status().message(), kExitUsage);
  auto grantee = u.access->user(o.to);
  if (!grantee.ok()) return fail(ctx, grantee.status().message(), kExitFailure);
  if (!*grantee) return fail(ctx, "user \"" + printable(o.to) + "\" not found", kExitUsage);
  const int64_t now = system_now_ms();
  ConsoleGrant g;
  g.tenant = target->record.key().tenant;
  g.vm = target->record.key().name;
  g.grantee = o.to;
  g.granted_by = audit_identity_for(cmd).actor;
  g.reason = o.reason;
  g.created_ms = now;
  g.expires_ms = now + duration->count() * 1000;
  audited_grant(ctx, cmd, u, g, "grant", [&]() -> Status {
    auto live = u.access->live_console_grants(now, g.tenant);
    if (!live.ok()) return live.status();
    if (live->size() >= kMaxLiveGrantsPerTenant)
      return error(Code::kFailedPrecondition,
                   "tenant " + g.tenant + " has " + std::to_string(live->size()) +
                       " live console grants, the most allowed; revoke some first (xcloudctl "
                       "grant list --tenant " +
                       g.tenant + ")");
    auto id = u.access->add_console_grant(g);
    if (!id.ok()) return id.status();
    g.id = *id;
    return {};
  });
  if (ctx.exit_code != kExitOk) return;
  ctx.out << "grant " << g.id << ": " << printable(g.grantee) << " may open the console of "
          << printable(g.tenant + "/" + g.vm) << " until " << format_time_ms(g.expires_ms) << "\n";
}

void grant_list_run(CliContext& ctx, const GrantOptions& o, const CLI::App& cmd) {
  OpenedUsers u = open_users(ctx, cmd, false);
  if (!u.store) return;
  auto grants = u.access->live_console_grants(system_now_ms(), o.tenant);
  if (!grants.ok()) return fail(ctx, grants.status().message(), kExitFailure);
  json out = json::array();
  Table table({"ID", "TENANT", "VM", "USER", "UNTIL", "BY", "REASON"});
  for (const auto& g : *grants) {
    out.push_back(grant_json(g));
    table.add({std::to_string(g.id), g.tenant, g.vm, g.grantee, format_time_ms(g.expires_ms),
               g.granted_by, g.reason});
  }
  if (o.output == "json")
    ctx.out << json_text(out) << "\n";
  else if (o.output == "yaml")
    ctx.out << json_to_yaml(out);
  else if (grants->empty())
    ctx.out << "No live console grants\n";
  else
    table.print(ctx.out);
}

void grant_revoke_run(CliContext& ctx, const GrantOptions& o, const CLI::App& cmd) {
  OpenedUsers u = open_users(ctx, cmd, true);
  if (!u.store) return;
  auto found = u.access->console_grant(o.id);
  if (!found.ok()) return fail(ctx, found.status().message(), kExitFailure);
  if (!*found) return fail(ctx, "console grant " + std::to_string(o.id) + " not found", kExitUsage);
  audited_grant(ctx, cmd, u, **found, "revoke",
                [&] { return u.access->revoke_console_grant(o.id, system_now_ms()); });
  if (ctx.exit_code == kExitOk) ctx.out << "grant " << o.id << " revoked\n";
}

}  // namespace

void add_grant_command(CLI::App& app, CliContext& ctx) {
  auto* grant = app.add_subcommand(
      "grant", "Tenant grants: let one operator open one VM's console for a while");
  grant->require_subcommand(1);
  grant->footer(
      "A sysadmin opens no tenant VM's console without a grant from the tenant: a\n"
      "tenant-admin (or a secadmin) gives one for one VM, one user and a limited time.\n\n"
      "Examples:\n"
      "  xcloudctl grant console edu-portal-web-1 --to sam --for 2h --reason INC-311\n"
      "  xcloudctl grant list --tenant education\n"
      "  xcloudctl grant revoke 4");
  auto o = std::make_shared<GrantOptions>();
  auto* console = grant->add_subcommand("console", "Let a user open one VM's console");
  console->add_option("VM", o->vm, "The VM")->required();
  console->add_option("--to", o->to, "The xcloud user allowed")->required();
  console->add_option("--for", o->duration, "How long (1m to 7d)")->capture_default_str();
  console->add_option("--tenant", o->tenant, "The VM's tenant, when its name is not unique");
  console->add_option("--reason", o->reason, "Why, for the audit trail (a ticket)");
  console->footer("Example:\n  xcloudctl grant console edu-portal-web-1 --to sam --for 2h");
  console->callback([&ctx, o, console] { grant_console_run(ctx, *o, *console); });

  auto l = std::make_shared<GrantOptions>();
  auto* list = grant->add_subcommand("list", "The grants not expired nor revoked");
  list->add_option("--tenant", l->tenant, "Only this tenant's");
  add_output_option(*list, l->output, {"table", "json", "yaml"});
  list->footer("Example:\n  xcloudctl grant list --tenant education -o json");
  list->callback([&ctx, l, list] { grant_list_run(ctx, *l, *list); });

  auto r = std::make_shared<GrantOptions>();
  auto* revoke = grant->add_subcommand("revoke", "End a grant now");
  revoke->add_option("ID", r->id, "The grant's id (grant list)")->required();
  revoke->footer("Example:\n  xcloudctl grant revoke 4");
  revoke->callback([&ctx, r, revoke] { grant_revoke_run(ctx, *r, *revoke); });
}

}  // namespace xc
