// Who may run which xcloudctl command: every command belongs to one access
// class, and each role may use a fixed set of classes (tenant roles only
// inside their tenant subtree). The controller asks authorize() before it
// runs a command for an operator. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ctl/access/roles.h"

namespace xc {

enum class Access {
  kAnyone,         // validate, help, login: no state, no hosts
  kRead,           // state, metrics, alarms, bills (tenant roles: their subtree)
  kOperate,        // hosts, manifests, billing periods: sysadmin
  kOperateTenant,  // one VM's power, snapshots, backups (tenant roles: their subtree)
  kConsole,        // a VM's screen: its tenant's users only
  kRequest,        // ask for a VM from an offering, cancel it (tenant roles: their subtree)
  kApprove,        // approve or reject requests (tenant-admin: their subtree; the
                   // offering's approver role is checked by the command)
  kSecurity,       // the CA and hosts' certificates: secadmin
  kUsers,          // users and their roles: secadmin (tenant-admin: their subtree)
  kAuditRead,      // list, verify, export the audit trail
  kAuditManage,    // keys, checkpoints, retention of the audit trail
  kServiceOnly,    // init, serve: the service user, never through the controller
};

const char* access_name(Access access);

// The access class of a command given by its words ("vm start", "get"):
// the longest listed prefix; kServiceOnly for a command nobody listed, so a
// new command is closed until it is classified.
Access command_access(std::string_view words);

// Every command the table names, for the role matrix test and the README.
const std::vector<std::pair<std::string, Access>>& command_table();

struct Principal {
  std::string user;
  std::vector<Role> roles;
  std::string tenant_scope;  // "education" covers "education/schools"
};

bool has_role(const Principal& who, Role role);

struct Decision {
  bool allowed = false;
  std::string reason;  // why not, for the operator
};

// Whether `who` may run `words` against `target_tenant` ("" when the command
// names no tenant: a cloud-wide command, refused to tenant roles).
Decision authorize(const Principal& who, std::string_view words, const std::string& target_tenant);

// True when `tenant` is `scope` or below it in the tenant tree.
bool tenant_in_scope(const std::string& tenant, const std::string& scope);

}  // namespace xc
