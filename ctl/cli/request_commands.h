// `xcloudctl request`: tenant users ask for VMs from service offerings, the
// offering's approver approves or rejects, the requester may cancel; an
// approved request is applied as `apply` would (cmd_request.cpp, with the
// steps in request_steps.cpp). CLI wiring; one run per process.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

// request create|list|show|approve|reject|cancel
void add_request_command(CLI::App& app, CliContext& ctx);

}  // namespace xc
