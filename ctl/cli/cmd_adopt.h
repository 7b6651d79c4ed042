// `xcloudctl adopt`: manifests for the libvirt domains of a host that xcloud
// does not own. Registered by cli.cpp; declared apart from cli.h so that
// adding it rebuilds only cli.cpp.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

void add_adopt_command(CLI::App& app, CliContext& ctx);

}  // namespace xc
