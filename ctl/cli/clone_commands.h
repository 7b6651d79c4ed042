// `xcloudctl vm clone` and `xcloudctl image capture`, added under the `vm`
// and `image` commands (apart from cli.h, which much of ctl/cli includes).
#pragma once

#include <CLI/CLI.hpp>

#include "ctl/cli/cli.h"

namespace xc {

void add_vm_clone_command(CLI::App& vm, CliContext& ctx);
void add_image_capture_command(CLI::App& image, CliContext& ctx);

}  // namespace xc
