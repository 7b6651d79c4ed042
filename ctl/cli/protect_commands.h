// The data-protection commands: `snapshot` (cmd_snapshot.cpp) and `backup`
// (cmd_backup.cpp). Registered by cli.cpp. CLI wiring; not thread-safe.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

// snapshot create|list|revert|delete VM [NAME]
void add_snapshot_command(CLI::App& app, CliContext& ctx);
// backup run|list|verify|restore|prune
void add_backup_command(CLI::App& app, CliContext& ctx);
// image import FILE (cmd_image.cpp)
void add_image_command(CLI::App& app, CliContext& ctx);

}  // namespace xc
