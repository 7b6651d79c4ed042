// The xcloudctl command line: CLI11 wiring and the exit-code contract.
// The only layer that prints. Not thread-safe; one run per process.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace CLI {
class App;
}

namespace xc {

class Store;

// Exit codes scripts can trust.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // failed, or `diff` found changes
inline constexpr int kExitUsage = 2;    // bad usage or invalid input
inline constexpr int kExitInterrupted = 130;

struct CliContext {
  std::ostream& out;
  std::ostream& err;
  int exit_code = kExitOk;
  std::string state_path;  // --state, else XCLOUD_STATE, else the default
};

// Parses argv, runs one command, returns the process exit code.
int run_xcloudctl(int argc, char** argv, std::ostream& out, std::ostream& err);

// Each command file registers itself on the app.
void add_validate_command(CLI::App& app, CliContext& ctx);
void add_init_command(CLI::App& app, CliContext& ctx);
void add_pki_commands(CLI::App& app, CliContext& ctx);
void add_reconcile_commands(CLI::App& app, CliContext& ctx);
void add_get_command(CLI::App& app, CliContext& ctx);
void add_describe_command(CLI::App& app, CliContext& ctx);
void add_delete_command(CLI::App& app, CliContext& ctx);
void add_quota_command(CLI::App& app, CliContext& ctx);
void add_bill_command(CLI::App& app, CliContext& ctx);
// `bill close` and `bill adjust`, under the `bill` command.
void add_bill_close_commands(CLI::App& bill, CliContext& ctx);
void add_report_command(CLI::App& app, CliContext& ctx);

// --state, else $XCLOUD_STATE, else the default for this user.
Result<std::string> resolve_state_path(const CliContext& ctx);

// The existing state database; on failure prints why, sets the exit code
// (2 when no path can be chosen, 1 when it cannot be opened) and returns null.
std::unique_ptr<Store> open_state_store(CliContext& ctx);

// Prints "xcloudctl: MESSAGE" on stderr. Messages carry users' text (names,
// file names, hosts' answers), so it is escaped: one error stays one line.
void print_error(CliContext& ctx, std::string_view message);

// Consent to a step that destroys data: true with --yes (`yes`) or when the
// operator types "yes" on a terminal; without a terminal it refuses. `what`
// says what would be destroyed ("the plan destroys data (Destroys: ...)").
// On refusal it prints why; the caller changes nothing and exits 1.
bool confirm_destruction(CliContext& ctx, const std::string& what, bool yes);

// Adds "-o/--output" restricted to `formats`; the first is the default.
void add_output_option(CLI::App& cmd, std::string& format, const std::vector<std::string>& formats);

}  // namespace xc
