// xcloudctl diff and xcloudctl apply: make the hosts match the manifests.
#include <unistd.h>

#include <iostream>
#include <set>

#include <CLI/CLI.hpp>

#include "ctl/audit_commands.h"
#include "ctl/cli.h"
#include "ctl/price_caps_option.h"
#include "ctl/reconcile.h"

namespace xc {
namespace {

struct Options {
  ReconcileOptions reconcile;
  std::string format;
  bool dry_run = false;
  bool yes = false;
};

void add_common(CLI::App* cmd, Options& o) {
  cmd->add_option("-f,--filename", o.reconcile.paths, "Manifest file or folder (repeatable)")->required();
  cmd->add_flag("--prune", o.reconcile.plan.prune, "Also delete what this manifest set created and no longer declares");
  cmd->add_option("--set", o.reconcile.plan.manifest_set, "Name of this manifest set (what --prune may delete)")
      ->capture_default_str();
  cmd->add_option("--parallel", o.reconcile.parallel, "Hosts worked on at once")->capture_default_str();
  add_price_caps_option(*cmd, o.reconcile.caps_file);
}

}  // namespace

void add_reconcile_commands(CLI::App& app, CliContext& ctx) {
  auto diff_opts = std::make_shared<Options>();
  auto* diff = app.add_subcommand("diff", "Show what apply would change on the hosts");
  diff->footer("Example:\n  xcloudctl diff -f examples/ --prune\n\nExit status: 0 no changes, 1 changes, 2 error.");
  add_common(diff, *diff_opts);
  add_output_option(*diff, diff_opts->format, {"text", "json"});
  diff->callback([&ctx, diff_opts] {
    Reconcile r;
    int code = prepare_reconcile(ctx, diff_opts->reconcile, r);
    if (code != kExitOk) {
      ctx.exit_code = code;
      return;
    }
    if (diff_opts->format == "json") ctx.out << r.plan.to_json().dump(2) << "\n";
    else print_plan(r.plan, ctx.out);
    bool broken = !r.plan.errors.empty() || !r.plan.unplaceable.empty();
    ctx.exit_code = broken ? kExitUsage : r.plan.has_changes() ? kExitFailure : kExitOk;
  });

  auto apply_opts = std::make_shared<Options>();
  auto* apply = app.add_subcommand("apply", "Make the hosts match the manifests");
  apply->footer(
      "Examples:\n  xcloudctl apply -f examples/\n  xcloudctl apply -f manifests/ --prune --yes\n\n"
      "Changes that need a guest restart are left pending unless --allow-restart is given.\n"
      "Exit status: 0 done, 1 some step failed or a VM could not be placed, 2 invalid input.");
  add_common(apply, *apply_opts);
  apply->add_flag("--dry-run", apply_opts->dry_run, "Plan and print, change nothing");
  apply->add_flag("--yes,-y", apply_opts->yes, "Do not ask before deleting");
  apply->add_flag("--allow-restart", apply_opts->reconcile.plan.allow_restart, "Restart guests whose change needs it");
  apply->callback([&ctx, apply_opts, apply] {
    Reconcile r;
    int code = prepare_reconcile(ctx, apply_opts->reconcile, r);
    if (code != kExitOk) {
      ctx.exit_code = code;
      return;
    }
    print_plan(r.plan, ctx.out);
    if (apply_opts->dry_run) {
      ctx.exit_code = r.plan.has_changes() ? kExitFailure : kExitOk;
      return;
    }
    bool deletes = false;
    for (const auto& s : r.plan.steps) deletes |= s.action == StepAction::kDelete;
    if (deletes && !apply_opts->yes && isatty(STDIN_FILENO)) {
      ctx.out << "The plan deletes VMs. Continue? [y/N] " << std::flush;
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != "y" && answer != "yes") {
        ctx.err << "xcloudctl: nothing was changed\n";
        ctx.exit_code = kExitFailure;
        return;
      }
    }
    // No change without its audit record: refuse before any host is touched.
    AuditLog log(*r.store);
    Status writable = log.check_writable();
    AuditIdentity who = audit_identity_for(*apply);
    Status recorded = writable.ok() ? record_objects(log, who, r.desired, apply_opts->reconcile.plan.manifest_set) : writable;
    if (!recorded.ok()) {
      ctx.err << "xcloudctl: " << recorded.message() << "; nothing was changed\n";
      ctx.exit_code = kExitFailure;
      return;
    }
    StoreRecorder recorder(log, who, apply_opts->reconcile.plan.manifest_set, r.stored);
    ExecutorOptions exec;
    exec.parallel_hosts = apply_opts->reconcile.parallel;
    exec.per_host = apply_opts->reconcile.per_host;
    exec.allow_restart = apply_opts->reconcile.plan.allow_restart;
    exec.tty = isatty(STDOUT_FILENO) && &ctx.out == &std::cout;
    ExecutionResult result = execute_plan(r.plan, *r.clients, recorder, exec, ctx.out);
    for (const auto& f : result.failures) ctx.err << "error: " << f << "\n";
    // What the hosts run now, for get and describe.
    std::set<std::string> touched;
    for (const auto& s : r.plan.steps) touched.insert(s.host);
    std::vector<std::string> hosts(touched.begin(), touched.end());
    save_observed(*r.store, r.desired, observe_hosts(*r.clients, hosts, apply_opts->reconcile.parallel));
    ctx.out << "Applied: " << result.done << " done, " << result.failed << " failed";
    if (!r.plan.unplaceable.empty()) ctx.out << ", " << r.plan.unplaceable.size() << " not placed";
    ctx.out << ".\n";
    bool incomplete = result.failed > 0 || !r.plan.unplaceable.empty() || !r.plan.errors.empty();
    ctx.exit_code = incomplete ? kExitFailure : kExitOk;
  });
}

}  // namespace xc
