// Helpers shared by the audit command files (audit_commands.cpp,
// audit_key_commands.cpp); not for other commands. Not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ctl/audit/audit_seal.h"
#include "ctl/cli/cli.h"
#include "ctl/store/store.h"

namespace xc::audit_cli {

// Prints "xcloudctl: MESSAGE" and sets the exit code.
void fail(CliContext& ctx, const Status& status, int exit_code = kExitFailure);

// The SM self-test; on failure reports it and returns false.
bool self_test_passes(CliContext& ctx);

// $XCLOUD_AUDIT_CHECKPOINTS, else <state dir>/audit-checkpoints.jsonl: where
// checkpoints go by default.
Result<std::string> default_checkpoint_path(const CliContext& ctx);

// The controller's signing key from $XCLOUD_AUDIT_KEY (an SM2 private key
// PEM) with the default checkpoint file; nullopt when it is not set.
std::optional<Result<SealKey>> configured_seal_key(const CliContext& ctx);

Result<std::string> read_text_file(const std::string& path, const std::string& what);

void add_chain_commands(CLI::App& audit, CliContext& ctx);  // verify, checkpoint, keygen

}  // namespace xc::audit_cli
