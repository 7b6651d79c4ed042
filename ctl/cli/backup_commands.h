// The backup schedule's command, beside `backup run|list|...`
// (cmd_backup.cpp registers it). CLI wiring; not thread-safe.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

// backup schedule [--now]: what the BackupPolicies owe, or one round of it.
void add_backup_schedule_command(CLI::App& backup, CliContext& ctx);

}  // namespace xc
