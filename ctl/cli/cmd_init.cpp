// xcloudctl init: create the state database, or migrate an older one.
#include <CLI/CLI.hpp>

#include "common/printable.h"
#include "ctl/cli/cli.h"
#include "ctl/store/state_path.h"
#include "ctl/store/store.h"

namespace xc {

void add_init_command(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand("init", "Create the state database, or migrate an older one");
  cmd->footer(
      "Examples:\n  xcloudctl init\n  xcloudctl --state /srv/xcloud/state.db init\n\n"
      "The database is --state PATH, else $XCLOUD_STATE, else /var/lib/xcloud/state.db for root\n"
      "and ${XDG_STATE_HOME:-~/.local/state}/xcloud/state.db for other users.");
  cmd->callback([&ctx] {
    auto path = resolve_state_path(ctx);
    if (!path.ok()) {
      print_error(ctx, path.status().message());
      ctx.exit_code = kExitUsage;
      return;
    }
    auto store = open_store(*path, OpenMode::kCreate);
    if (!store.ok()) {
      print_error(ctx, store.status().message());
      ctx.exit_code = kExitFailure;
      return;
    }
    auto version = (*store)->schema_version();
    ctx.out << "state database " << *path << " ready (schema version "
            << (version.ok() ? std::to_string(*version) : "?") << ")\n";
  });
}

std::unique_ptr<Store> open_state_store(CliContext& ctx) {
  auto path = resolve_state_path(ctx);
  if (!path.ok()) {
    print_error(ctx, path.status().message());
    ctx.exit_code = kExitUsage;
    return nullptr;
  }
  auto store = open_store(*path, OpenMode::kExisting);
  if (!store.ok()) {
    print_error(ctx, store.status().message());
    ctx.exit_code = kExitFailure;
    return nullptr;
  }
  return std::move(*store);
}

Result<std::string> resolve_state_path(const CliContext& ctx) {
  if (!ctx.state_path.empty()) return ctx.state_path;
  return default_state_path(current_state_env());
}

}  // namespace xc
