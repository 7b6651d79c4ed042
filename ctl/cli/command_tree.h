// The whole xcloudctl command tree, built without running anything: for the
// role matrix test (every command classified) and the README's table.
// Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ctl/cli/cli.h"

namespace xc {

// Adds every command and global option to `app`.
void build_xcloudctl(CLI::App& app, CliContext& ctx);

// Every command's words, parents first: "vm", "vm start", ...
std::vector<std::string> command_paths();

}  // namespace xc
