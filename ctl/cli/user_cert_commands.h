// `xcloudctl user cert` and `user revoke-cert`: operators' client
// certificates from the cloud's CA (for the supervision API, `serve --api`)
// and the CA's revocation list. CLI wiring; one run per process.
#pragma once

#include "ctl/cli/cli.h"

namespace xc {

// Adds `cert` and `revoke-cert` under the `user` command.
void add_user_cert_commands(CLI::App& user, CliContext& ctx);

}  // namespace xc
