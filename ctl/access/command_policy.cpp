#include "ctl/access/command_policy.h"

#include <algorithm>

#include "common/printable.h"

namespace xc {
namespace {

bool role_may(Role role, Access access) {
  switch (access) {
    case Access::kAnyone:
      return true;
    case Access::kRead:
      return role == Role::kSysadmin || role == Role::kSecadmin || role == Role::kMonitor ||
             role == Role::kSupervisor || is_tenant_role(role);
    case Access::kOperate:
      return role == Role::kSysadmin;
    case Access::kOperateTenant:
      return role == Role::kSysadmin || is_tenant_role(role);
    case Access::kConsole:
      return is_tenant_role(role);
    case Access::kRequest:
      return role == Role::kSysadmin || is_tenant_role(role);
    case Access::kApprove:
      return role == Role::kSysadmin || role == Role::kTenantAdmin;
    case Access::kSecurity:
      return role == Role::kSecadmin;
    case Access::kUsers:
      return role == Role::kSecadmin || role == Role::kTenantAdmin;
    case Access::kAuditRead:
      return role == Role::kAuditadmin || role == Role::kSupervisor;
    case Access::kAuditManage:
      return role == Role::kAuditadmin;
    case Access::kServiceOnly:
      return false;
  }
  return false;
}

bool scoped_access(Access access) {
  return access == Access::kRead || access == Access::kOperateTenant ||
         access == Access::kConsole || access == Access::kUsers || access == Access::kRequest ||
         access == Access::kApprove;
}

}  // namespace

const char* access_name(Access access) {
  switch (access) {
    case Access::kAnyone:
      return "anyone";
    case Access::kRead:
      return "read";
    case Access::kOperate:
      return "operate";
    case Access::kOperateTenant:
      return "operate-vm";
    case Access::kConsole:
      return "console";
    case Access::kRequest:
      return "request";
    case Access::kApprove:
      return "approve";
    case Access::kSecurity:
      return "security";
    case Access::kUsers:
      return "users";
    case Access::kAuditRead:
      return "audit-read";
    case Access::kAuditManage:
      return "audit-manage";
    case Access::kServiceOnly:
      return "service-only";
  }
  return "?";
}

const std::vector<std::pair<std::string, Access>>& command_table() {
  static const std::vector<std::pair<std::string, Access>> table = {
      {"validate", Access::kAnyone},
      {"login", Access::kAnyone},
      {"logout", Access::kAnyone},
      {"init", Access::kServiceOnly},
      {"serve", Access::kServiceOnly},
      {"ca", Access::kSecurity},
      {"host enroll", Access::kSecurity},
      {"host renew", Access::kSecurity},
      {"host upgrade", Access::kOperate},
      {"host maintenance", Access::kOperate},
      {"host drain", Access::kOperate},
      {"host fence", Access::kOperate},
      {"host evacuate", Access::kOperate},
      {"diff", Access::kRead},
      {"apply", Access::kOperate},
      {"adopt", Access::kOperate},  // reads hosts' domains, writes files on the control host
      {"get", Access::kRead},
      {"describe", Access::kRead},
      {"delete", Access::kOperate},
      {"audit list", Access::kAuditRead},
      {"audit verify", Access::kAuditRead},
      {"audit export", Access::kAuditRead},
      {"audit checkpoint", Access::kAuditManage},
      {"audit keygen", Access::kAuditManage},
      {"audit prune", Access::kAuditManage},
      {"audit note", Access::kOperate},
      {"quota", Access::kRead},
      {"bill", Access::kRead},
      {"bill close", Access::kOperate},
      {"bill adjust", Access::kOperate},
      {"prices", Access::kRead},
      {"report", Access::kRead},
      {"vm start", Access::kOperateTenant},
      {"vm stop", Access::kOperateTenant},
      {"vm shutdown", Access::kOperateTenant},
      {"vm reboot", Access::kOperateTenant},
      {"vm migrate", Access::kOperate},
      {"vm clone", Access::kOperate},  // a new VM outside the manifests: quota, billing
      {"console", Access::kConsole},
      {"heartbeat", Access::kOperate},
      {"events", Access::kRead},
      {"events pull", Access::kOperate},
      {"collect", Access::kOperate},
      {"top", Access::kRead},
      {"sla", Access::kRead},
      {"capacity", Access::kRead},
      {"alarms", Access::kRead},
      {"alarms list", Access::kRead},
      {"alarms show", Access::kRead},
      {"alarms evaluate", Access::kOperate},
      {"alarms ack", Access::kOperate},
      {"alarms assign", Access::kOperate},
      {"alarms severity", Access::kOperate},
      {"alarms comment", Access::kOperate},
      {"alarms clear", Access::kOperate},
      {"snapshot create", Access::kOperateTenant},
      {"snapshot list", Access::kRead},
      {"snapshot revert", Access::kOperateTenant},
      {"snapshot delete", Access::kOperateTenant},
      {"backup run", Access::kOperateTenant},
      {"backup list", Access::kRead},
      {"backup verify", Access::kOperateTenant},
      {"backup restore", Access::kOperateTenant},
      {"backup prune", Access::kOperate},
      {"backup schedule", Access::kOperate},  // every tenant's policies; --now runs them
      {"image", Access::kOperate},
      {"image import", Access::kOperate},  // reads a file on the control host
      {"image push", Access::kOperate},
      // Runs drain, migrate, apply and adopt steps as those commands, each checked again.
      {"play", Access::kOperate},
      {"image capture", Access::kOperate},  // a VM's disk into the controller's store
      {"user roles", Access::kAnyone},
      {"user add", Access::kUsers},
      {"user list", Access::kUsers},
      {"user show", Access::kUsers},
      {"user disable", Access::kUsers},
      {"user enable", Access::kUsers},
      {"user delete", Access::kUsers},
      {"user reset", Access::kUsers},
      {"user totp", Access::kUsers},
      {"user cert", Access::kSecurity},  // issued by the cloud CA
      {"user revoke-cert", Access::kSecurity},
      {"user renew", Access::kSecurity},
      {"grant console", Access::kUsers},  // a tenant's leave, given by its tenant-admin
      {"grant list", Access::kUsers},
      {"grant revoke", Access::kUsers},
      {"request create", Access::kRequest},
      {"request cancel", Access::kRequest},
      {"request list", Access::kRead},
      {"request show", Access::kRead},
      {"request approve", Access::kApprove},
      {"request reject", Access::kApprove},
      {"webhook deliver", Access::kOperate},
      {"webhook status", Access::kRead},
  };
  return table;
}

Access command_access(std::string_view words) {
  const std::pair<std::string, Access>* best = nullptr;
  for (const auto& entry : command_table()) {
    const std::string& w = entry.first;
    bool prefix = words.size() >= w.size() && words.substr(0, w.size()) == w &&
                  (words.size() == w.size() || words[w.size()] == ' ');
    if (prefix && (best == nullptr || w.size() > best->first.size())) best = &entry;
  }
  return best ? best->second : Access::kServiceOnly;
}

bool has_role(const Principal& who, Role role) {
  return std::find(who.roles.begin(), who.roles.end(), role) != who.roles.end();
}

bool tenant_in_scope(const std::string& tenant, const std::string& scope) {
  if (scope.empty() || tenant.empty()) return false;
  return tenant == scope ||
         (tenant.size() > scope.size() && tenant.compare(0, scope.size(), scope) == 0 &&
          tenant[scope.size()] == '/');
}

Decision authorize(const Principal& who, std::string_view words, const std::string& target_tenant) {
  const Access access = command_access(words);
  const std::string what = "\"" + printable(words) + "\" (" + access_name(access) + ")";
  if (access == Access::kServiceOnly)
    return {false, what + " runs only as the service user on the control host"};
  bool scope_failed = false;
  for (Role role : who.roles) {
    if (!role_may(role, access)) continue;
    if (!is_tenant_role(role) || !scoped_access(access)) return {true, ""};
    if (tenant_in_scope(target_tenant, who.tenant_scope)) return {true, ""};
    scope_failed = true;
  }
  if (scope_failed)
    return {false, what + ": " + who.user + " acts only inside tenant " +
                       printable(who.tenant_scope) +
                       (target_tenant.empty() ? "; name one with --tenant"
                                              : ", not " + printable(target_tenant))};
  return {false, what + " is not allowed to " + who.user + " (" + role_list(who.roles) + ")"};
}

}  // namespace xc
