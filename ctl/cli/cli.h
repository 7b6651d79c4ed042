// The xcloudctl command line: CLI11 wiring and the exit-code contract.
// The only layer that prints. Not thread-safe; one run per process.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ctl/store/state_lock.h"

namespace CLI {
class App;
}

namespace xc {

class Store;

// Exit codes scripts can trust.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // failed, or `diff` found changes
inline constexpr int kExitUsage = 2;    // bad usage or invalid input
// `audit verify`: the chain is intact but records after the last checkpoint
// are not yet sealed (nothing proves they were not cut off or rewritten).
inline constexpr int kExitUnsealed = 3;
// Another command is changing the state and --no-wait was given
// (sysexits' EX_TEMPFAIL: try again later).
inline constexpr int kExitBusy = 75;
inline constexpr int kExitInterrupted = 130;

struct CliContext {
  CliContext(std::ostream& out_stream, std::ostream& err_stream)
      : out(out_stream), err(err_stream) {}

  std::ostream& out;
  std::ostream& err;
  int exit_code = kExitOk;
  std::string state_path;  // --state, else XCLOUD_STATE, else the default
  bool no_wait = false;    // --no-wait: fail at once when the state is locked
  // Held from open_state_for_change() until the process ends; the audit
  // chain is sealed before it is released.
  StateLock state_lock;
  bool seal_always = false;  // apply: seal after every run, not only when due
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
void add_vm_command(CLI::App& app, CliContext& ctx);
// `vm migrate`, under the `vm` command.
void add_vm_migrate_command(CLI::App& vm, CliContext& ctx);
void add_console_command(CLI::App& app, CliContext& ctx);
// `host upgrade`, under the `host` command (made by add_pki_commands).
void add_host_upgrade_command(CLI::App& host, CliContext& ctx);
// `host maintenance` and `host drain`, under the `host` command.
void add_host_drain_commands(CLI::App& host, CliContext& ctx);
// `serve` and `heartbeat`.
void add_serve_command(CLI::App& app, CliContext& ctx);
// `events` and `events pull`.
void add_events_command(CLI::App& app, CliContext& ctx);
// `collect` and `top`.
void add_collect_command(CLI::App& app, CliContext& ctx);
void add_top_command(CLI::App& app, CliContext& ctx);
// `alarms` and its subcommands; the operator's changes (ack, assign, ...) under it.
void add_alarms_command(CLI::App& app, CliContext& ctx);
void add_alarm_action_commands(CLI::App& alarms, CliContext& ctx);
// `user` and its subcommands (ctl/access/).
void add_user_command(CLI::App& app, CliContext& ctx);
// `login` and `logout` (their work is the controller's: ctl/cli/operator_login.h).
void add_login_commands(CLI::App& app, CliContext& ctx);

// --state, else $XCLOUD_STATE, else the default for this user.
Result<std::string> resolve_state_path(const CliContext& ctx);

// The existing state database, for a command that only reads it (read-only
// when the file or its directory is). On failure prints why, sets the exit
// code (2 when no path can be chosen, 1 when it cannot be opened) and
// returns null.
std::unique_ptr<Store> open_state_store(CliContext& ctx);

// The existing state database for a command that changes it or the hosts
// (`cmd` names it in the lock): takes the state's lock first, waiting for
// another such command ("waiting for the apply by alice (pid 1234) started
// 12:03:05") or, with --no-wait, failing with kExitBusy. Null after
// printing why, as open_state_store.
std::unique_ptr<Store> open_state_for_change(CliContext& ctx, const CLI::App& cmd);

// The existing state database, writable, for `collect`: without the state
// lock, which guards manifests and hosts (an apply may hold it for minutes),
// not the metric tables; SQLite serializes the writes themselves. Null after
// printing why, as open_state_store.
std::unique_ptr<Store> open_state_for_metrics(CliContext& ctx);

// After a command that changed the state, with the signing key configured
// ($XCLOUD_AUDIT_KEY): appends a signed checkpoint of the audit chain's head
// when one is due (always after apply; else every 1000 records or hourly).
// A failure is a warning: the change itself is done.
void seal_after_change(CliContext& ctx);

// Prints "xcloudctl: MESSAGE" on stderr. Messages carry users' text (names,
// file names, hosts' answers), so it is escaped: one error stays one line.
void print_error(CliContext& ctx, std::string_view message);

// print_error, then `exit_code` is the command's exit code.
void fail(CliContext& ctx, std::string_view message, int exit_code);

// Consent to a step that destroys data: true with --yes (`yes`) or when the
// operator types "yes" on a terminal; without a terminal it refuses. `what`
// says what would be destroyed ("the plan destroys data (Destroys: ...)").
// On refusal it prints why; the caller changes nothing and exits 1.
bool confirm_destruction(CliContext& ctx, const std::string& what, bool yes);

// Adds "-o/--output" restricted to `formats`; the first is the default.
void add_output_option(CLI::App& cmd, std::string& format, const std::vector<std::string>& formats);

}  // namespace xc
