#include "ctl/cli/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>
#include <sstream>

#include "common/build_info.h"
#include "common/printable.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cmd_adopt.h"
#include "ctl/cli/cmd_capacity.h"
#include "ctl/cli/cmd_play.h"
#include "ctl/cli/cmd_sla.h"
#include "ctl/cli/command_tree.h"
#include "ctl/cli/grant_commands.h"
#include "ctl/cli/host_ha_commands.h"
#include "ctl/cli/host_renew_command.h"
#include "ctl/cli/protect_commands.h"
#include "ctl/cli/request_commands.h"
#include "ctl/cli/user_cert_commands.h"
#include "ctl/cli/webhook_commands.h"

namespace xc {

void add_output_option(CLI::App& cmd, std::string& format,
                       const std::vector<std::string>& formats) {
  format = formats.front();
  std::string list;
  for (const auto& f : formats) list += (list.empty() ? "" : "|") + f;
  cmd.add_option("-o,--output", format, "Output format: " + list)
      ->check(CLI::IsMember(formats))
      ->capture_default_str();
}

void build_xcloudctl(CLI::App& app, CliContext& ctx) {
  app.footer(
      "Examples:\n  xcloudctl init\n  xcloudctl validate -f examples/\n\n"
      "Run 'xcloudctl COMMAND --help' for a command's options.");
  app.name("xcloudctl");
  app.require_subcommand(1);
  app.fallthrough();  // --state, --as and --reason work after the command too
  app.set_version_flag("--version", version_line("xcloudctl"));
  app.add_option("--state", ctx.state_path,
                 "State database (default: $XCLOUD_STATE, else /var/lib/xcloud/state.db for "
                 "root, ${XDG_STATE_HOME:-~/.local/state}/xcloud/state.db otherwise)");
  app.add_flag("--no-wait", ctx.no_wait,
               "Fail at once (exit 75) when another command is changing the state, instead of "
               "waiting for it");
  add_validate_command(app, ctx);
  add_init_command(app, ctx);
  add_pki_commands(app, ctx);
  add_reconcile_commands(app, ctx);
  add_adopt_command(app, ctx);
  add_get_command(app, ctx);
  add_describe_command(app, ctx);
  add_delete_command(app, ctx);
  add_audit_commands(app, ctx);
  add_quota_command(app, ctx);
  add_bill_command(app, ctx);
  add_report_command(app, ctx);
  add_vm_command(app, ctx);
  add_console_command(app, ctx);
  add_host_upgrade_command(*app.get_subcommand("host"), ctx);
  add_host_drain_commands(*app.get_subcommand("host"), ctx);
  add_host_ha_commands(*app.get_subcommand("host"), ctx);
  add_host_renew_command(*app.get_subcommand("host"), ctx);
  add_ca_rotate_command(*app.get_subcommand("ca"), ctx);
  add_serve_command(app, ctx);
  add_events_command(app, ctx);
  add_collect_command(app, ctx);
  add_top_command(app, ctx);
  add_sla_command(app, ctx);
  add_capacity_command(app, ctx);
  add_alarms_command(app, ctx);
  add_snapshot_command(app, ctx);
  add_backup_command(app, ctx);
  add_image_command(app, ctx);
  add_play_command(app, ctx);
  add_user_command(app, ctx);
  add_user_cert_commands(*app.get_subcommand("user"), ctx);
  add_login_commands(app, ctx);
  add_request_command(app, ctx);
  add_grant_command(app, ctx);
  add_webhook_command(app, ctx);
}

std::vector<std::string> command_paths() {
  std::ostringstream sink;
  CliContext ctx(sink, sink);
  CLI::App app;
  build_xcloudctl(app, ctx);
  std::vector<std::string> out;
  std::function<void(const CLI::App&, const std::string&)> walk = [&](const CLI::App& a,
                                                                      const std::string& words) {
    for (const CLI::App* sub : a.get_subcommands({})) {
      std::string w = words.empty() ? sub->get_name() : words + " " + sub->get_name();
      out.push_back(w);
      walk(*sub, w);
    }
  };
  walk(app, "");
  return out;
}

int run_xcloudctl(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"xcloudctl: manage an xcloud private cloud from declarative YAML manifests."};
  CliContext ctx(out, err);
  build_xcloudctl(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // Subcommand help arrives here too, as a ParseError with exit code 0.
    if (e.get_exit_code() == 0) {
      app.exit(e, out, err);
      return kExitOk;
    }
    err << "xcloudctl: " << printable(e.what()) << "\nRun 'xcloudctl --help' for usage.\n";
    return kExitUsage;
  }
  // A command that changed the state leaves it sealed, still under its lock.
  if (ctx.state_lock.held()) seal_after_change(ctx);
  return ctx.exit_code;
}

void print_error(CliContext& ctx, std::string_view message) {
  ctx.err << "xcloudctl: " << printable(message) << "\n";
}

void fail(CliContext& ctx, std::string_view message, int exit_code) {
  print_error(ctx, message);
  ctx.exit_code = exit_code;
}

bool confirm_destruction(CliContext& ctx, const std::string& what, bool yes) {
  if (yes) return true;
  if (!isatty(STDIN_FILENO)) {
    ctx.err << "xcloudctl: " << what
            << " and stdin is not a terminal; pass --yes. Nothing was changed\n";
    return false;
  }
  ctx.out << what << ".\nType yes to continue: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "yes") return true;
  ctx.err << "xcloudctl: not confirmed; nothing was changed\n";
  return false;
}

}  // namespace xc
