// Whether the controller runs an operator's command, once it knows who asks
// (the socket's peer uid, or the HTTPS client certificate) and their session
// is checked: the command policy for their roles, in the tenant the command
// acts on. Shared by both of the controller's doors. Each call opens its own
// stores; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ctl/access/operator_request.h"
#include "ctl/access/user_records.h"

namespace xc {

struct Admission {
  bool allowed = false;
  std::string caller;  // the xcloud user for XCLOUD_CALLER; "" for the service user
  std::string reason;  // why not
  std::optional<UserRecord> user;
};

// Refuses a command line that names another state (the controller serves one).
std::optional<std::string> foreign_state_option(const std::vector<std::string>& argv);

// The policy decision for user `u`'s command `r` (session already checked).
Admission admit_command(const std::string& state, const UserRecord& u, const OperatorRequest& r);

// An audit record of a refused command; `actor` is the user, or the OS login
// when no user is known.
void audit_refusal(const std::string& state, const std::string& actor,
                   const std::vector<std::string>& argv, const std::string& reason);

}  // namespace xc
