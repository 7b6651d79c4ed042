#include "ctl/cli/operator_admission.h"

#include "common/time.h"
#include "ctl/access/access_store.h"
#include "ctl/access/command_policy.h"
#include "ctl/access/service_paths.h"
#include "ctl/audit/audit_log.h"
#include "ctl/cli/request_admission.h"
#include "ctl/cli/vm_target.h"
#include "ctl/store/store.h"

namespace xc {

std::optional<std::string> foreign_state_option(const std::vector<std::string>& argv) {
  for (const auto& arg : argv)
    if (arg == "--state" || arg.rfind("--state=", 0) == 0)
      return "--state: the controller serves one state; leave it out";
  return std::nullopt;
}

Admission admit_command(const std::string& state, const UserRecord& u, const OperatorRequest& r) {
  Principal p;
  p.user = u.name;
  p.tenant_scope = u.tenant_scope;
  for (const auto& name : split_roles(u.roles))
    if (auto role = parse_role(name)) p.roles.push_back(*role);
  std::string words = command_words(r.argv);
  if (words.empty()) return {true, u.name, "", u};  // --help, --version
  if (auto why = service_path_refusal(r.argv, words, r.passed_file))
    return {false, u.name, *why, u};
  // restore --as makes a new VM, as vm clone does: classified as vm clone.
  if (words == "backup restore" && !option_value(r.argv, "--as").empty()) words = "vm clone";
  std::string tenant = option_value(r.argv, "--tenant");
  std::string vm_name;
  Access access_class = command_access(words);
  if (tenant.empty() && words.rfind("request ", 0) == 0) {
    auto store = open_store(state, OpenMode::kRead);
    if (!store.ok()) return {false, u.name, store.status().message(), u};
    tenant = request_command_tenant(**store, r.argv, words, u.tenant_scope);
  }
  if (tenant.empty() && words == "grant revoke") {
    // The grant's own tenant decides.
    auto access = AccessStore::open(state);
    if (!access.ok()) return {false, u.name, access.status().message(), u};
    const std::string id = first_operand(r.argv, words);
    if (!id.empty() && id.size() < 19 && id.find_first_not_of("0123456789") == std::string::npos)
      if (auto g = (*access)->console_grant(std::stoll(id)); g.ok() && *g) tenant = (**g).tenant;
  }
  if (access_class == Access::kOperateTenant || access_class == Access::kConsole ||
      words == "snapshot list" || words == "backup list" || words == "grant console") {
    // The VM it names decides the tenant.
    std::string vm = first_operand(r.argv, words);
    auto store = open_store(state, OpenMode::kRead);
    if (!store.ok()) return {false, u.name, store.status().message(), u};
    auto target = find_vm(**store, vm, tenant);
    if (target.ok()) {
      if (tenant.empty()) tenant = target->record.key().tenant;
      vm_name = target->record.key().name;
    }
  }
  Decision d = authorize(p, words, tenant);
  if (!d.allowed && access_class == Access::kConsole && has_role(p, Role::kSysadmin) &&
      !vm_name.empty()) {
    // A sysadmin opens a tenant's console only with the tenant's grant.
    auto access = AccessStore::open(state);
    if (!access.ok()) return {false, u.name, access.status().message(), u};
    auto grant = (*access)->console_grant_for(u.name, tenant, vm_name, system_now_ms());
    if (!grant.ok()) return {false, u.name, grant.status().message(), u};
    if (*grant) return {true, u.name, "", u};
    d.reason += "; a tenant-admin of " + tenant + " can grant it: xcloudctl grant console " +
                vm_name + " --to " + u.name;
  }
  return {d.allowed, u.name, d.reason, u};
}

void audit_refusal(const std::string& state, const std::string& actor,
                   const std::vector<std::string>& argv, const std::string& reason) {
  auto store = open_store(state, OpenMode::kExisting);
  if (!store.ok()) return;
  std::vector<std::string> full = {"xcloudctl"};
  full.insert(full.end(), argv.begin(), argv.end());
  AuditIdentity who = current_identity(full, "", "");
  who.actor = actor;
  AuditRecord record = who.record("User", "", actor, "denied");
  record.result = kAuditError;
  record.message = reason;
  (void)AuditLog(**store).append(record);
}

}  // namespace xc
