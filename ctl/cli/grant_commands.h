// `xcloudctl grant console|list|revoke`: a tenant's leave for one operator
// (a sysadmin, say) to open one of its VMs' consoles for a while (issue 17:
// a sysadmin opens no tenant console without a tenant grant). CLI wiring;
// one run per process.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

void add_grant_command(CLI::App& app, CliContext& ctx);

}  // namespace xc
