#include "ctl/access/roles.h"

#include <algorithm>

#include "common/printable.h"

namespace xc {

const std::vector<Role>& all_roles() {
  static const std::vector<Role> roles = {Role::kSysadmin,    Role::kSecadmin,   Role::kAuditadmin,
                                          Role::kTenantAdmin, Role::kTenantUser, Role::kMonitor,
                                          Role::kSupervisor};
  return roles;
}

const char* role_name(Role role) {
  switch (role) {
    case Role::kSysadmin:
      return "sysadmin";
    case Role::kSecadmin:
      return "secadmin";
    case Role::kAuditadmin:
      return "auditadmin";
    case Role::kTenantAdmin:
      return "tenant-admin";
    case Role::kTenantUser:
      return "tenant-user";
    case Role::kMonitor:
      return "monitor";
    case Role::kSupervisor:
      return "supervisor";
  }
  return "?";
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : all_roles())
    if (name == role_name(r)) return r;
  return std::nullopt;
}

bool is_tenant_role(Role role) {
  return role == Role::kTenantAdmin || role == Role::kTenantUser;
}

Result<std::vector<Role>> checked_roles(const std::vector<std::string>& names,
                                        const std::string& tenant_scope) {
  if (names.empty()) return error(Code::kInvalidArgument, "a user needs at least one role");
  if (names.size() > all_roles().size()) return error(Code::kInvalidArgument, "too many roles");
  std::vector<Role> roles;
  for (const auto& n : names) {
    auto r = parse_role(n);
    if (!r) {
      std::string known;
      for (Role k : all_roles()) known += std::string(known.empty() ? "" : ", ") + role_name(k);
      return error(Code::kInvalidArgument,
                   "unknown role \"" + printable(n) + "\"; expected one of " + known);
    }
    if (std::find(roles.begin(), roles.end(), *r) == roles.end()) roles.push_back(*r);
  }
  int admins = 0;
  for (Role r : roles)
    admins += r == Role::kSysadmin || r == Role::kSecadmin || r == Role::kAuditadmin;
  if (admins > 1)
    return error(Code::kInvalidArgument,
                 "separation of duties: one user may hold only one of sysadmin, secadmin and "
                 "auditadmin (" +
                     role_list(roles) + ")");
  bool tenant = std::any_of(roles.begin(), roles.end(), is_tenant_role);
  if (tenant && tenant_scope.empty())
    return error(Code::kInvalidArgument,
                 "tenant-admin and tenant-user need --tenant (their scope)");
  if (!tenant && !tenant_scope.empty())
    return error(Code::kInvalidArgument,
                 "--tenant scopes only tenant-admin and tenant-user; the other roles are "
                 "cloud-wide");
  std::sort(roles.begin(), roles.end());
  return roles;
}

std::string role_list(const std::vector<Role>& roles) {
  std::string out;
  for (Role r : roles) out += std::string(out.empty() ? "" : ",") + role_name(r);
  return out;
}

std::vector<std::string> split_roles(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size() && !list.empty()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace xc
