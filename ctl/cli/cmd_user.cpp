// xcloudctl user add|list|show|disable|enable|delete|reset: the operators of
// the cloud, their roles (separation of duties checked) and tenant scope, in
// the state database; every change audited. CLI wiring; one run per process.
#include <pwd.h>

#include <CLI/CLI.hpp>
#include <algorithm>

#include "common/base32.h"
#include "common/domain_spec.h"
#include "common/otpauth_uri.h"
#include "common/pki.h"
#include "common/printable.h"
#include "common/time.h"
#include "common/totp.h"
#include "ctl/access/access_store.h"
#include "ctl/access/command_policy.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/caller.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/table.h"
#include "ctl/cli/user_changes.h"

namespace xc {
namespace {

using nlohmann::json;

void print_listing(CliContext& ctx, const std::string& output, const json& out,
                   const Table& table) {
  if (output == "json")
    ctx.out << json_text(out) << "\n";
  else if (output == "yaml")
    ctx.out << json_to_yaml(out);
  else
    table.print(ctx.out);
}

json user_json(const UserRecord& u) {
  return {{"name", u.name},
          {"osUser", u.os_user},
          {"roles", u.roles},
          {"tenant", u.tenant_scope},
          {"totp", !u.totp_secret.empty()},
          {"totpAlgorithm", u.totp_algorithm},
          {"disabled", u.disabled},
          {"created", format_time_ms(u.created_ms)},
          {"updated", format_time_ms(u.updated_ms)}};
}

// A tenant-admin acting through the controller manages only tenant users of
// their own subtree; secadmin (and the service user) anyone.
Status may_manage(CliContext& ctx, const std::string& roles, const std::string& tenant) {
  auto caller = caller_principal(ctx);
  if (!caller.ok()) return caller.status();
  if (!*caller) return {};
  const Principal& who = **caller;
  if (std::find(who.roles.begin(), who.roles.end(), Role::kSecadmin) != who.roles.end()) return {};
  for (const auto& r : split_roles(roles))
    if (r != "tenant-admin" && r != "tenant-user")
      return error(Code::kPermissionDenied,
                   "a tenant-admin gives only tenant-admin and tenant-user, not " + printable(r));
  if (!tenant_in_scope(tenant, who.tenant_scope))
    return error(Code::kPermissionDenied,
                 who.user + " manages users only inside tenant " + printable(who.tenant_scope));
  return {};
}

struct AddOptions {
  std::string name, os_user, tenant, algorithm = "SHA1";
  std::vector<std::string> roles;
};

// A new TOTP secret for `u` (base32 in the record) and what the operator's
// authenticator needs, printed once.
Status enroll_totp(UserRecord& u, const std::string& algorithm, std::string& shown) {
  auto algo = totp::parse_algorithm(algorithm);
  if (!algo) return error(Code::kInvalidArgument, "--totp: expected SHA1, SHA256 or SM3");
  auto secret = totp::generate_secret();
  if (!secret.ok()) return secret.status();
  totp::Params params;
  params.algorithm = *algo;
  auto uri = totp::otpauth_uri("xcloud", u.name, *secret, params);
  if (!uri.ok()) return uri.status();
  u.totp_secret = base32_encode(*secret);
  u.totp_algorithm = totp::algorithm_name(*algo);
  u.last_totp_step = 0;
  u.totp_set_ms = system_now_ms();
  shown = "TOTP secret for " + u.name + " (" + u.totp_algorithm +
          ", 6 digits, 30 s; give it to them once, over a trusted channel):\n  " + u.totp_secret +
          "\n  " + *uri + "\n";
  return {};
}

void run_add(CliContext& ctx, const AddOptions& a, const CLI::App& cmd) {
  if (!is_dns_label(a.name, 32))
    return fail(ctx,
                "user add: \"" + printable(a.name) +
                    "\": expected a lowercase name of letters, digits and '-' (at most 32)",
                kExitUsage);
  // An agent serves the certificate of that name: a user's would reach every host.
  if (a.name == kControllerCommonName)
    return fail(ctx, "user add: \"xcloudctl\" is the controller's name; choose another",
                kExitUsage);
  auto roles = checked_roles(a.roles, a.tenant);
  if (!roles.ok()) return fail(ctx, "user add: " + roles.status().message(), kExitUsage);
  std::string os_user = a.os_user.empty() ? a.name : a.os_user;
  if (os_user.size() > 32 || getpwnam(os_user.c_str()) == nullptr)
    return fail(ctx,
                "user add: no OS user \"" + printable(os_user) +
                    "\" on this host (the socket knows operators by their login; --os-user)",
                kExitUsage);
  if (Status s = may_manage(ctx, role_list(*roles), a.tenant); !s.ok())
    return fail(ctx, "user add: " + s.message(), kExitUsage);
  OpenedUsers o = open_users(ctx, cmd, true);
  if (!o.store) return;
  UserRecord u;
  u.name = a.name;
  u.os_user = os_user;
  u.roles = role_list(*roles);
  u.tenant_scope = a.tenant;
  u.created_ms = u.updated_ms = system_now_ms();
  std::string shown;
  if (Status s = enroll_totp(u, a.algorithm, shown); !s.ok())
    return fail(ctx, "user add: " + s.message(), kExitUsage);
  audited_user_change(ctx, cmd, o, a.name, "user-add", [&] { return o.access->add_user(u); });
  if (ctx.exit_code != kExitOk) return;
  ctx.out << "user " << a.name << " added: " << u.roles
          << (a.tenant.empty() ? "" : " in " + printable(a.tenant)) << ", OS user "
          << printable(os_user) << "\n"
          << shown;
}

void run_list(CliContext& ctx, const std::string& output) {
  auto store = open_state_store(ctx);
  if (!store) return;
  auto path = resolve_state_path(ctx);
  auto access = AccessStore::open(*path);
  if (!access.ok()) return fail(ctx, access.status().message(), kExitFailure);
  auto users = (*access)->users();
  if (!users.ok()) return fail(ctx, users.status().message(), kExitFailure);
  auto caller = caller_principal(ctx);
  if (!caller.ok()) return fail(ctx, caller.status().message(), kExitFailure);
  json out = json::array();
  Table table({"NAME", "ROLES", "TENANT", "OS USER", "TOTP", "STATE"});
  for (const auto& u : *users) {
    // A tenant-admin sees the users of their subtree only.
    if (*caller && !has_role(**caller, Role::kSecadmin) &&
        !tenant_in_scope(u.tenant_scope, (*caller)->tenant_scope))
      continue;
    out.push_back(user_json(u));
    table.add({u.name, u.roles, u.tenant_scope.empty() ? "-" : u.tenant_scope, u.os_user,
               u.totp_secret.empty() ? "no" : u.totp_algorithm,
               u.disabled ? "disabled" : "enabled"});
  }
  print_listing(ctx, output, out, table);
}

void run_show(CliContext& ctx, const std::string& name, const std::string& output) {
  auto store = open_state_store(ctx);
  if (!store) return;
  auto access = AccessStore::open(*resolve_state_path(ctx));
  if (!access.ok()) return fail(ctx, access.status().message(), kExitFailure);
  auto u = (*access)->user(name);
  if (!u.ok()) return fail(ctx, u.status().message(), kExitFailure);
  if (!*u) return fail(ctx, "user \"" + printable(name) + "\" not found", kExitUsage);
  if (Status s = may_manage(ctx, "tenant-user", (*u)->tenant_scope); !s.ok())
    return fail(ctx, "user show: " + s.message(), kExitUsage);
  json j = user_json(**u);
  if (output == "json")
    ctx.out << json_text(j) << "\n";
  else
    ctx.out << json_to_yaml(j);
}

// disable, enable, reset: a change of one user's record.
void run_change(CliContext& ctx, const std::string& name, const std::string& action,
                const CLI::App& cmd) {
  OpenedUsers o = open_users(ctx, cmd, true);
  if (!o.store) return;
  auto u = o.access->user(name);
  if (!u.ok()) return fail(ctx, u.status().message(), kExitFailure);
  if (!*u) return fail(ctx, "user \"" + printable(name) + "\" not found", kExitUsage);
  if (Status s = may_manage(ctx, (*u)->roles, (*u)->tenant_scope); !s.ok())
    return fail(ctx, "user " + action + ": " + s.message(), kExitUsage);
  UserRecord changed = **u;
  changed.updated_ms = system_now_ms();
  std::string shown;
  audited_user_change(ctx, cmd, o, name, "user-" + action, [&]() -> Status {
    if (action == "delete") return o.access->delete_user(name);
    if (action == "disable") changed.disabled = true;
    if (action == "enable") changed.disabled = false;
    if (action == "reset") {
      if (Status s = o.access->clear_login_failures(name); !s.ok()) return s;
    }
    if (action == "totp") {
      if (Status s = enroll_totp(changed, changed.totp_algorithm, shown); !s.ok()) return s;
    }
    // Disabling, resetting or deleting a user ends their sessions at once.
    if (action != "enable")
      if (Status s = o.access->end_sessions(name, ""); !s.ok()) return s;
    return o.access->update_user(changed);
  });
  if (ctx.exit_code != kExitOk) return;
  ctx.out << "user " << name << ": "
          << (action == "reset"  ? "failed logins cleared, sessions ended"
              : action == "totp" ? "a new second factor; the old one and the sessions are void"
                                 : action + "d")
          << "\n"
          << shown;
}

// The role matrix by access class, from the policy the controller applies.
void run_roles(CliContext& ctx, const std::string& output) {
  std::vector<std::string> headers = {"CLASS", "COMMANDS"};
  for (Role r : all_roles()) headers.push_back(role_name(r));
  Table table(headers);
  json out = json::array();
  for (Access a :
       {Access::kAnyone, Access::kRead, Access::kOperate, Access::kOperateTenant, Access::kConsole,
        Access::kRequest, Access::kApprove, Access::kSecurity, Access::kUsers, Access::kAuditRead,
        Access::kAuditManage, Access::kServiceOnly}) {
    std::string commands, sample;
    for (const auto& [words, klass] : command_table())
      if (klass == a) {
        commands += (commands.empty() ? "" : ", ") + words;
        if (sample.empty()) sample = words;
      }
    std::vector<std::string> row = {access_name(a), commands};
    json cell = {{"class", access_name(a)}, {"commands", commands}};
    for (Role r : all_roles()) {
      Principal who{"u", {r}, is_tenant_role(r) ? "t" : ""};
      std::string may =
          authorize(who, sample, "t/x").allowed
              ? (is_tenant_role(r) && !authorize(who, sample, "").allowed ? "own tenant" : "yes")
              : "-";
      row.push_back(may);
      cell[role_name(r)] = may;
    }
    table.add(row);
    out.push_back(cell);
  }
  print_listing(ctx, output, out, table);
}

}  // namespace

void add_user_command(CLI::App& app, CliContext& ctx) {
  auto* user = app.add_subcommand("user", "Operators: their roles, tenant scope and state");
  user->require_subcommand(1);
  user->footer(
      "Examples:\n  xcloudctl user add alice --role sysadmin\n"
      "  xcloudctl user add li-wei --role tenant-admin --tenant education --os-user liwei\n"
      "  xcloudctl user list\n\n"
      "Roles: sysadmin, secadmin, auditadmin (one user holds at most one of these three),\n"
      "tenant-admin, tenant-user (need --tenant), monitor, supervisor.");

  auto roles_output = std::make_shared<std::string>();
  auto* roles = user->add_subcommand("roles", "Show which role may run which commands");
  add_output_option(*roles, *roles_output, {"table", "json", "yaml"});
  roles->footer(
      "Example:\n  xcloudctl user roles\n\n\"own tenant\": only for the tenant subtree the user "
      "is scoped to.");
  roles->callback([&ctx, roles_output] { run_roles(ctx, *roles_output); });

  auto add = std::make_shared<AddOptions>();
  auto* a = user->add_subcommand("add", "Add an operator with roles");
  a->add_option("name", add->name, "User name (a lowercase label)")->required();
  a->add_option("--role", add->roles, "A role; repeat for several")->required();
  a->add_option("--tenant", add->tenant, "Tenant subtree of tenant-admin and tenant-user");
  a->add_option("--os-user", add->os_user, "Login on the control host (default: the name)");
  a->add_option("--totp", add->algorithm, "TOTP algorithm: SHA1 (every authenticator), SHA256, SM3")
      ->capture_default_str();
  a->footer("Example:\n  xcloudctl user add alice --role sysadmin --os-user alice");
  a->callback([&ctx, add, a] { run_add(ctx, *add, *a); });

  auto list_output = std::make_shared<std::string>();
  auto* l = user->add_subcommand("list", "List operators");
  add_output_option(*l, *list_output, {"table", "wide", "json", "yaml"});
  l->footer("Example:\n  xcloudctl user list -o json");
  l->callback([&ctx, list_output] { run_list(ctx, *list_output); });

  auto show = std::make_shared<std::pair<std::string, std::string>>();
  auto* s = user->add_subcommand("show", "Show one operator");
  s->add_option("name", show->first, "User name")->required();
  add_output_option(*s, show->second, {"yaml", "json"});
  s->footer("Example:\n  xcloudctl user show alice");
  s->callback([&ctx, show] { run_show(ctx, show->first, show->second); });

  for (const char* action : {"disable", "enable", "delete", "reset", "totp"}) {
    auto name = std::make_shared<std::string>();
    std::string what = std::string(action) == "reset"
                           ? "Clear a locked-out operator's failed logins and end "
                             "their sessions"
                       : std::string(action) == "totp"
                           ? "Give an operator a new TOTP secret (a lost phone)"
                           : std::string(1, static_cast<char>(std::toupper(action[0]))) +
                                 (action + 1) + " an operator (ends their sessions)";
    auto* c = user->add_subcommand(action, what);
    c->add_option("name", *name, "User name")->required();
    c->footer(std::string("Example:\n  xcloudctl user ") + action + " alice");
    std::string act = action;
    c->callback([&ctx, name, act, c] { run_change(ctx, *name, act, *c); });
  }
}

void add_login_commands(CLI::App& app, CliContext& ctx) {
  auto* login = app.add_subcommand(
      "login", "Open a session with the controller: the code from your authenticator (TOTP)");
  login->add_option("--code", "The 6-digit code (asked for when not given)");
  login->footer(
      "Example:\n  xcloudctl login\n\nOperators on the control host reach the controller's "
      "socket (XCLOUD_CONTROLLER,\ndefault /run/xcloud/controller.sock); the session lasts 8 "
      "hours and is kept in\n~/.cache/xcloud/session. Five wrong codes lock the user for 15 "
      "minutes.");
  auto* logout = app.add_subcommand("logout", "End your session with the controller");
  logout->footer("Example:\n  xcloudctl logout");
  for (CLI::App* c : {login, logout})
    c->callback([&ctx] {
      print_error(ctx,
                  "login and logout are with the controller: set XCLOUD_CONTROLLER to its socket "
                  "(the service user needs no login)");
      ctx.exit_code = kExitUsage;
    });
}

}  // namespace xc
