// How commands open the state: read-only for those that only read, under the
// state lock for those that change it.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "common/time.h"
#include "ctl/audit/audit_record.h"
#include "ctl/cli/cli.h"
#include "ctl/store/state_path.h"
#include "ctl/store/store.h"

namespace xc {
namespace {

std::unique_ptr<Store> open_or_report(CliContext& ctx, const std::string& path, OpenMode mode) {
  auto store = open_store(path, mode);
  if (!store.ok()) {
    print_error(ctx, store.status().message());
    ctx.exit_code = kExitFailure;
    return nullptr;
  }
  return std::move(*store);
}

// "apply", "bill close": the command's words without the program's.
std::string command_words(const CLI::App& cmd) {
  std::string words;
  for (const CLI::App* app = &cmd; app != nullptr && app->get_parent() != nullptr;
       app = app->get_parent()) {
    words = app->get_name() + (words.empty() ? "" : " " + words);
  }
  return words;
}

}  // namespace

Result<std::string> resolve_state_path(const CliContext& ctx) {
  if (!ctx.state_path.empty()) return ctx.state_path;
  return default_state_path(current_state_env());
}

std::unique_ptr<Store> open_state_store(CliContext& ctx) {
  auto path = resolve_state_path(ctx);
  if (!path.ok()) {
    print_error(ctx, path.status().message());
    ctx.exit_code = kExitUsage;
    return nullptr;
  }
  return open_or_report(ctx, *path, OpenMode::kRead);
}

std::unique_ptr<Store> open_state_for_metrics(CliContext& ctx) {
  auto path = resolve_state_path(ctx);
  if (!path.ok()) {
    print_error(ctx, path.status().message());
    ctx.exit_code = kExitUsage;
    return nullptr;
  }
  return open_or_report(ctx, *path, OpenMode::kExisting);
}

std::unique_ptr<Store> open_state_for_change(CliContext& ctx, const CLI::App& cmd) {
  auto path = resolve_state_path(ctx);
  if (!path.ok()) {
    print_error(ctx, path.status().message());
    ctx.exit_code = kExitUsage;
    return nullptr;
  }
  if (!ctx.state_lock.held()) {
    // Before the lock file is made: a missing state or a read-only one is
    // the message the user needs, not the lock file's.
    auto probe = open_or_report(ctx, *path, OpenMode::kExisting);
    if (!probe) return nullptr;
    probe.reset();
    LockHolder me{command_words(cmd), current_identity({}, "", "").actor, ::getpid(),
                  system_now_ms()};
    auto on_wait = [&](const LockHolder& holder) {
      print_error(ctx, "waiting for " + holder.describe(system_now_ms()));
      ctx.err << std::flush;
    };
    auto lock = StateLock::acquire(*path, me, !ctx.no_wait, on_wait, system_now_ms());
    if (!lock.ok()) {
      bool busy = lock.status().code() == Code::kUnavailable;
      print_error(ctx, lock.status().message() + (busy ? "; not waiting (--no-wait)" : ""));
      ctx.exit_code = busy ? kExitBusy : kExitFailure;
      return nullptr;
    }
    ctx.state_lock = std::move(*lock);
  }
  return open_or_report(ctx, *path, OpenMode::kExisting);
}

}  // namespace xc
