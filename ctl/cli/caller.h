// Who a command runs for when the controller runs it (xcloudctl serve
// --socket): the operator it authenticated, passed in XCLOUD_CALLER. Direct
// runs (the service user on the state file) have no caller. Not thread-safe.
#pragma once

#include <optional>

#include "ctl/access/command_policy.h"
#include "ctl/cli/cli.h"

namespace xc {

// Environment variables the controller sets for the command it runs.
inline constexpr const char* kCallerEnv = "XCLOUD_CALLER";         // the xcloud user
inline constexpr const char* kCallerViaEnv = "XCLOUD_CALLER_VIA";  // "socket uid=1001(liwei)"

// The controller refused the operator this command (sysexits' EX_NOPERM).
inline constexpr int kExitDenied = 77;

// The caller's user and roles from the state's users table; nullopt for a
// direct run.
Result<std::optional<Principal>> caller_principal(CliContext& ctx);

}  // namespace xc
