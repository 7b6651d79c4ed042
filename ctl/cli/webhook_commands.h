// `xcloudctl webhook deliver|status`: the Webhook subscriptions' delivery
// round by hand and their state (issue 17: change notifications for the
// supervision platform). CLI wiring; one run per process.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

void add_webhook_command(CLI::App& app, CliContext& ctx);

}  // namespace xc
