// The built-in roles and the separation of duties (三权分立) among them: no
// user holds two of sysadmin, secadmin and auditadmin. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace xc {

enum class Role {
  kSysadmin,     // operates hosts and VMs
  kSecadmin,     // users, roles, certificates, security policy
  kAuditadmin,   // reads, verifies and exports the audit trail
  kTenantAdmin,  // a tenant subtree's VMs, bills, quotas and users
  kTenantUser,   // a tenant subtree's VMs, bills and quotas
  kMonitor,      // reads state, metrics and alarms
  kSupervisor,   // the district's supervision platform: reads
};

const std::vector<Role>& all_roles();
const char* role_name(Role role);
std::optional<Role> parse_role(std::string_view name);
bool is_tenant_role(Role role);

// The roles of one user, checked: known names, no two of the three
// administrators, a tenant scope exactly when a tenant role is held.
Result<std::vector<Role>> checked_roles(const std::vector<std::string>& names,
                                        const std::string& tenant_scope);

// "sysadmin,monitor".
std::string role_list(const std::vector<Role>& roles);

// "sysadmin,monitor" -> {"sysadmin", "monitor"}.
std::vector<std::string> split_roles(const std::string& list);

}  // namespace xc
