// `xcloudctl play FILE` (ctl/playbook/): registered by cli.cpp. Declared
// apart from cli.h so that adding it rebuilds only cli.cpp.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

void add_play_command(CLI::App& app, CliContext& ctx);

}  // namespace xc
