// `xcloudctl host renew`: agents' certificates renewed without a restart
// (ctl/cli/cmd_host_renew.cpp). CLI wiring.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

// Adds `renew` under the `host` command.
void add_host_renew_command(CLI::App& host, CliContext& ctx);

}  // namespace xc
