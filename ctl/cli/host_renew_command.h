// `xcloudctl host renew`: agents' certificates renewed without a restart
// (ctl/cli/cmd_host_renew.cpp). CLI wiring.
#pragma once

#include "common/pki.h"
#include "ctl/cli/cli.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/store/store.h"

namespace xc {

// Renews one agent's certificate from `ca` (with the names of its current
// one) and installs it on the running agent together with `trust_pem`, the
// CA file it trusts from then on; the bundle in pki/hosts/NAME follows and a
// fresh connection proves it. Audited as `action` on the Host. The line to
// print on success.
Result<std::string> renew_agent_certificate(Store& store, const CLI::App& cmd, const PkiFiles& pki,
                                            const TlsIdentity& ca, const HostRecord& host, int days,
                                            const std::string& trust_pem,
                                            const std::string& action);

// Adds `renew` under the `host` command.
void add_host_renew_command(CLI::App& host, CliContext& ctx);

// Adds `rotate` under the `ca` command (ctl/cli/cmd_ca_rotate.cpp).
void add_ca_rotate_command(CLI::App& ca, CliContext& ctx);

}  // namespace xc
