// xcloudctl audit ...: list, verify, checkpoint, keygen, export, prune and
// note, plus the global --as/--reason options every audited command records.
// CLI wiring only; one run per process, not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ctl/audit/audit_record.h"
#include "ctl/cli/cli.h"

namespace CLI {
class App;
}

namespace xc {

// Registers `audit` and its subcommands on the root app, and the global
// options --as USER and --reason TICKET (unless the app already has them).
void add_audit_commands(CLI::App& app, CliContext& ctx);

// Who is running `cmd` (any command of the app): the OS user, --as and
// --reason from the root app when present, this host, and the redacted
// command line of this process. For every command that writes records.
AuditIdentity audit_identity_for(const CLI::App& cmd);

}  // namespace xc
