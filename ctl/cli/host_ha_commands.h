// The HA commands under `xcloudctl host`: fence and evacuate (cmd_host_ha.cpp).
// Registration only; called once while the command tree is built.
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/cli/cli.h"

namespace xc {

void add_host_ha_commands(CLI::App& host, CliContext& ctx);

}  // namespace xc
