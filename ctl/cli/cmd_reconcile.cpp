// xcloudctl diff and xcloudctl apply: make the hosts match the manifests.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <set>

#include "common/printable.h"
#include "ctl/billing/price_list_checks.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/image_register.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/move_runner.h"
#include "ctl/cli/plan_printer.h"
#include "ctl/cli/price_caps_option.h"
#include "ctl/ha/ha_warnings.h"
#include "ctl/hosts/pki_files.h"
#include "ctl/images/image_import.h"
#include "ctl/reconcile/reconcile.h"
#include "ctl/store/state_path.h"

namespace xc {
namespace {

struct Options {
  std::vector<std::string> paths;
  std::string caps_file;
  ReconcileOptions reconcile;
  int per_host = 4;
  std::string format;
  bool dry_run = false;
  bool yes = false;
};

void add_common(CLI::App* cmd, Options& o) {
  cmd->add_option("-f,--filename", o.paths, "Manifest file or folder (repeatable)")->required();
  cmd->add_flag("--prune", o.reconcile.plan.prune,
                "Also delete what this manifest set created and no longer declares");
  cmd->add_option("--set", o.reconcile.plan.manifest_set,
                  "Name of this manifest set (what --prune may delete)")
      ->capture_default_str();
  cmd->add_option("--parallel", o.reconcile.parallel, "Hosts worked on at once")
      ->capture_default_str();
  cmd->add_flag("--allow-recreate", o.reconcile.plan.allow_recreate,
                "Recreate a VM that must change host instead of migrating it: DESTROYS its disks");
  cmd->add_flag("--adopt", o.reconcile.plan.adopt,
                "Take over the unmanaged domains VMs name in spec.adoptedFrom (xcloudctl adopt)");
  add_price_caps_option(*cmd, o.caps_file);
}

// Validates, opens the store and the hosts, and plans. Prints what went wrong
// and returns the exit code (0 with `r` ready). With `changing` (apply), the
// state's lock is taken before anything is read, so two applies never plan
// from the same state.
int prepare(CliContext& ctx, const Options& o, Reconcile& r, const CLI::App* changing) {
  std::vector<std::pair<std::string, double>> timings;
  auto last = std::chrono::steady_clock::now();
  auto mark = [&](const char* phase) {
    auto now = std::chrono::steady_clock::now();
    timings.emplace_back(phase, std::chrono::duration<double>(now - last).count());
    last = now;
  };
  auto caps = load_price_caps_option(o.caps_file);
  if (!caps.ok()) {
    print_error(ctx, caps.status().message());
    return kExitUsage;
  }
  r.manifests = load_manifest_set(o.paths, *caps);
  if (!r.manifests.ok()) {
    for (const auto& d : r.manifests.errors) ctx.err << format_diagnostic(d) << "\n";
    ctx.err << r.manifests.errors.size() << " error(s); nothing was changed\n";
    return kExitUsage;
  }
  for (const auto& w : ha_warnings(r.manifests)) ctx.err << format_warning(w) << "\n";
  mark("validate");
  auto state = resolve_state_path(ctx);
  if (!state.ok()) {
    print_error(ctx, state.status().message());
    return kExitUsage;
  }
  r.store = changing ? open_state_for_change(ctx, *changing) : open_state_store(ctx);
  if (!r.store) return ctx.exit_code;
  // Before any host is contacted: PriceLists against closed months and the
  // items in use.
  auto priced = check_price_lists(*r.store, r.manifests);
  if (!priced.ok()) {
    print_error(ctx, priced.status().message() + "; nothing was changed");
    return kExitFailure;
  }
  if (!priced->empty()) {
    for (const auto& d : *priced) ctx.err << format_diagnostic(d) << "\n";
    ctx.err << priced->size() << " error(s); nothing was changed\n";
    return kExitUsage;
  }
  mark("open store, check price lists");
  r.clients = std::make_unique<HostClients>(pki_files_for_state(*state), o.per_host);
  if (changing) {
    Status settled = settle_moves(ctx, *r.store, *r.clients, *changing);
    if (!settled.ok()) {
      print_error(ctx, settled.message() + "; nothing else was changed");
      return kExitFailure;
    }
  } else if (auto moves = r.store->list_moves(); moves.ok()) {
    for (const auto& m : *moves)
      ctx.err << "warning: the move of " << printable(m.tenant + "/" + m.name) << " "
              << printable(m.from_host) << " -> " << printable(m.to_host)
              << " is unfinished; the next apply or 'vm migrate' finishes it\n";
  }
  Status planned = plan_reconcile(r, o.reconcile);
  timings.insert(timings.end(), r.timings.begin(), r.timings.end());
  if (std::getenv("XCLOUD_TIMING"))
    for (const auto& [phase, seconds] : timings)
      ctx.err << "timing: " << phase << " " << seconds << " s\n";
  if (!planned.ok() && !r.adoption_refusals.empty()) {
    for (const auto& d : r.adoption_refusals) ctx.err << format_diagnostic(d) << "\n";
    ctx.err << r.adoption_refusals.size() << " error(s); nothing was changed\n";
    return kExitUsage;
  }
  if (!planned.ok()) {
    print_error(ctx, planned.message() + "; nothing was changed");
    return planned.code() == Code::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  if (!r.quota_violations.empty()) {
    for (const auto& message : r.quota_violations)
      ctx.err << "error: " << printable(message) << "\n";
    ctx.err << r.quota_violations.size() << " quota violation(s); nothing was changed\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

void add_reconcile_commands(CLI::App& app, CliContext& ctx) {
  auto diff_opts = std::make_shared<Options>();
  auto* diff = app.add_subcommand("diff", "Show what apply would change on the hosts");
  diff->footer(
      "Example:\n  xcloudctl diff -f examples/ --prune\n\n"
      "Marks: + create, ~ change, - destroys data (with its GiB), > move.\n"
      "A change no host can make (a disk smaller than the state records, a disk's base image\n"
      "changed) is refused with exit 2 before any plan is made; apply refuses it the same way.\n"
      "Exit status: 0 no changes, 1 changes, 2 error.");
  add_common(diff, *diff_opts);
  add_output_option(*diff, diff_opts->format, {"text", "json"});
  diff->callback([&ctx, diff_opts] {
    Reconcile r;
    int code = prepare(ctx, *diff_opts, r, nullptr);
    if (code != kExitOk) {
      ctx.exit_code = code;
      return;
    }
    if (diff_opts->format == "json")
      ctx.out << json_text(r.plan.to_json()) << "\n";
    else
      print_plan(r.plan, ctx.out);
    bool broken = !r.plan.errors.empty() || !r.plan.unplaceable.empty();
    ctx.exit_code = broken ? kExitUsage : r.plan.has_changes() ? kExitFailure : kExitOk;
  });

  auto apply_opts = std::make_shared<Options>();
  auto* apply = app.add_subcommand("apply", "Make the hosts match the manifests");
  apply->footer(
      "Examples:\n  xcloudctl apply -f examples/\n  xcloudctl apply -f manifests/ --prune --yes\n\n"
      "A step that destroys data (a VM delete, a disk removed, a recreate, a prune) runs only\n"
      "with --yes or after typing yes on a terminal; without a terminal apply refuses (exit 1).\n"
      "A VM whose placement must change is migrated (> migrate ... (live|cold)): live when it\n"
      "runs and both hosts have one arch, else cold (stopped, disks copied, started there); a\n"
      "cold move needs --yes or a typed yes. --allow-recreate deletes it and creates it blank.\n"
      "A move left unfinished by an earlier run is finished or rolled back first.\n"
      "Changes that need a guest restart are left pending unless --allow-restart is given.\n"
      "A disk smaller than the state records (a shrink) is refused (exit 2) before any host\n"
      "is changed.\n"
      "A VM written by 'xcloudctl adopt' (spec.adoptedFrom) is refused (exit 2) unless --adopt\n"
      "is given; with it, the plan's '+ adopt' step takes the running domain over, no restart.\n"
      "Exit status: 0 done, 1 some step failed, was refused, or a VM could not be placed, 2 "
      "invalid input.");
  add_common(apply, *apply_opts);
  apply->add_flag("--dry-run", apply_opts->dry_run, "Plan and print, change nothing");
  apply->add_flag("--yes,-y", apply_opts->yes, "Run steps that destroy data without asking");
  apply->add_flag("--allow-restart", apply_opts->reconcile.plan.allow_restart,
                  "Restart guests whose change needs it");
  apply->callback([&ctx, apply_opts, apply] {
    Reconcile r;
    const Options& o = *apply_opts;
    ctx.seal_always = true;
    int code = prepare(ctx, o, r, apply);
    if (code != kExitOk) {
      ctx.exit_code = code;
      return;
    }
    print_plan(r.plan, ctx.out);
    if (o.dry_run) {
      ctx.exit_code = r.plan.has_changes() ? kExitFailure : kExitOk;
      return;
    }
    int cold = 0;
    for (const PlanStep* m : r.plan.moves()) cold += m->move_mode == "cold";
    if (cold > 0 && !confirm_destruction(ctx,
                                         "the plan moves " + std::to_string(cold) +
                                             " VM(s) cold (a running VM stops while its disks "
                                             "are copied)",
                                         o.yes)) {
      ctx.exit_code = kExitFailure;
      return;
    }
    Destruction destroys = r.plan.destruction();
    if (destroys.any() &&
        !confirm_destruction(ctx, "the plan destroys data (" + destruction_line(destroys) + ")",
                             o.yes)) {
      ctx.exit_code = kExitFailure;
      return;
    }
    // No change without its audit record: refuse before any host is touched.
    AuditLog log(*r.store);
    Status writable = log.check_writable();
    AuditIdentity who = audit_identity_for(*apply);
    const std::string& set = o.reconcile.plan.manifest_set;
    Status recorded = writable.ok() ? record_objects(log, who, r.desired, set) : writable;
    if (recorded.ok()) recorded = record_addresses(*r.store, r.addresses);
    if (!recorded.ok()) {
      print_error(ctx, recorded.message() + "; nothing was changed");
      ctx.exit_code = kExitFailure;
      return;
    }
    StoreRecorder recorder(log, who, set, r.stored);
    ExecutorOptions exec;
    exec.parallel_hosts = o.reconcile.parallel;
    exec.per_host = o.per_host;
    exec.allow_restart = o.reconcile.plan.allow_restart;
    auto state_path = resolve_state_path(ctx);
    ImageSupplier images(*r.clients, image_store_dir(state_path.ok() ? *state_path : ""));
    exec.images = &images;
    bool tty = isatty(STDOUT_FILENO) && &ctx.out == &std::cout;
    LineStatus lines(ctx.out);
    TerminalStatus terminal(ctx.out);
    // Moves run after the other steps: the targets' networks and groups come first.
    Plan without_moves = r.plan;
    std::erase_if(without_moves.steps,
                  [](const PlanStep& s) { return s.action == StepAction::kMove; });
    ExecutionResult result = execute_plan(without_moves, *r.clients, recorder, exec,
                                          tty ? static_cast<ApplyStatus&>(terminal) : lines);
    std::vector<MoveRequest> moves;
    for (const PlanStep* m : r.plan.moves()) {
      auto request = move_request(r, *m);
      if (request.ok()) {
        moves.push_back(*request);
      } else {
        ++result.failed;
        result.failures.push_back(describe_step(*m) + ": " + request.status().message());
      }
    }
    for (const MoveOutcome& m : run_moves(ctx, state_path.ok() ? *state_path : "", *r.clients, who,
                                          moves, o.reconcile.parallel, &images)) {
      if (m.result.ok()) {
        ++result.done;
      } else {
        ++result.failed;
        result.failures.push_back("migrate VirtualMachine " + m.request.tenant + "/" +
                                  m.request.name + ": " + m.result.status().message());
      }
    }
    if (Status s = report_supplied_images(*r.store, log, who, images, "apply", ctx.out); !s.ok()) {
      ++result.failed;
      result.failures.push_back("audit of the images sent: " + s.message());
    }
    for (const auto& f : result.failures) ctx.err << "error: " << f << "\n";
    for (const auto& w : recorder.warnings()) ctx.err << "warning: " << w << "\n";
    // What the hosts run now, for get and describe.
    std::set<std::string> touched;
    for (const auto& s : r.plan.steps) {
      touched.insert(s.host);
      if (!s.from_host.empty()) touched.insert(s.from_host);
    }
    std::vector<std::string> hosts(touched.begin(), touched.end());
    Status saved =
        save_observed(*r.store, r.desired, observe_hosts(*r.clients, hosts, o.reconcile.parallel));
    if (!saved.ok())
      ctx.err << "error: saving what the hosts run now: " << printable(saved.message()) << "\n";
    ctx.out << "Applied: " << result.done << " done, " << result.failed << " failed";
    if (!r.plan.unplaceable.empty()) ctx.out << ", " << r.plan.unplaceable.size() << " not placed";
    ctx.out << ".\n";
    bool incomplete =
        result.failed > 0 || !r.plan.unplaceable.empty() || !r.plan.errors.empty() || !saved.ok();
    ctx.exit_code = incomplete ? kExitFailure : kExitOk;
  });
}

}  // namespace xc
