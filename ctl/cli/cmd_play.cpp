// xcloudctl play FILE [--dry-run] [--resume] [--set NAME=VALUE]: runs a
// playbook's steps in order (ctl/playbook/), or prints what each would do.
// CLI wiring; one run per process.
#include "ctl/cli/cmd_play.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>

#include "common/printable.h"
#include "common/sent_files.h"
#include "common/shell_quote.h"
#include "common/time.h"
#include "ctl/cli/audit_commands.h"
#include "ctl/cli/json_yaml.h"
#include "ctl/cli/play_planning.h"
#include "ctl/cli/play_world.h"
#include "ctl/playbook/playbook_parse.h"
#include "ctl/playbook/playbook_vars.h"

namespace xc {
namespace {

using nlohmann::json;

struct PlayOptions {
  std::string file, output = "table";
  std::vector<std::string> sets;
  bool dry_run = false, resume = false, restart = false, yes = false;
};

// What to look at before --resume, by the kind of step that failed.
std::string next_hint(const PlaybookStep& s, const Status& why) {
  if (needs_consent(s) && why.code() == Code::kFailedPrecondition &&
      why.message().find("was not confirmed") != std::string::npos)
    return "confirm the step: type yes at the prompt, or pass --yes";
  switch (s.type) {
    case StepType::kPrecheck:
      return "make the named hosts answer (xcloudctl get hosts -o wide) or fix the manifests";
    case StepType::kMigrate:
    case StepType::kDrain:
      return "the VMs not moved are named above with why; 'xcloudctl get vms' shows where each "
             "runs; free capacity or fix the manifests";
    case StepType::kAdopt:
    case StepType::kApply:
      return "read the command's error above; 'xcloudctl diff -f " + s.manifests +
             "' shows what is left to do";
    case StepType::kVerify:
    case StepType::kWait:
      return "bring up what the check names (" + s.check.describe() + ")";
    case StepType::kCutover:
      break;  // only fails unconfirmed (above)
    case StepType::kNote:
      return "the audit log could not be written; check the state database";
  }
  return "";
}

std::string resume_command(const PlayOptions& o) {
  std::string out = "xcloudctl play " + shell_word(o.file) + " --resume";
  for (const auto& s : o.sets) out += " --set " + shell_word(s);
  return out;
}

// The dry run: what each step will do, the moves planned for migrate and
// drain steps with what a change board signs off. Exit 1 when a move is
// impossible or cannot be planned.
void dry_run(CliContext& ctx, const Playbook& pb, const PlayOptions& o) {
  json steps = json::array();
  bool blocked = false;
  for (size_t i = 0; i < pb.steps.size(); ++i) {
    const PlaybookStep& s = pb.steps[i];
    json step = {{"index", i + 1},
                 {"name", s.name},
                 {"type", step_type_name(s.type)},
                 {"does", step_summary(s)},
                 {"commands", json::array()},
                 {"report", json::array()}};
    std::vector<PlannedMove> moves;
    if (s.type == StepType::kMigrate || s.type == StepType::kDrain) {
      auto plan = plan_step_moves(ctx, s);
      if (!plan.ok()) {
        step["report"].push_back("! cannot plan: " + plan.status().message());
        blocked = true;
      } else {
        moves = plan->moves;
        step["vms"] = plan->vms;
        for (const auto& line : plan->report) step["report"].push_back(line);
        blocked |= !plan->stuck.empty();
      }
    }
    for (const auto& args : step_commands(s, moves)) step["commands"].push_back(command_line(args));
    steps.push_back(step);
  }
  json params = json::object();
  for (const auto& [k, v] : pb.values) params[k] = v;
  json report = {{"playbook", pb.name}, {"file", pb.file}, {"sm3", pb.digest},
                 {"params", params},    {"steps", steps},  {"ready", !blocked}};
  if (o.output == "json") {
    ctx.out << json_text(report) << "\n";
  } else if (o.output == "yaml") {
    ctx.out << json_to_yaml(report);
  } else {
    ctx.out << "Playbook " << printable(pb.name) << " (" << printable(pb.file) << ", SM3 "
            << pb.digest << ")\n";
    if (!pb.description.empty()) ctx.out << printable(pb.description) << "\n";
    for (const auto& [k, v] : pb.values)
      ctx.out << "  parameter " << k << " = " << printable(v) << "\n";
    for (size_t i = 0; i < pb.steps.size(); ++i) {
      const json& st = steps[i];
      ctx.out << "\n"
              << step_label(pb, i) << "\n  " << printable(st["does"].get<std::string>()) << "\n";
      for (const auto& c : st["commands"])
        ctx.out << "  runs: " << printable(c.get<std::string>()) << "\n";
      for (const auto& r : st["report"]) ctx.out << "  " << printable(r.get<std::string>()) << "\n";
    }
    ctx.out << "\nDry run: nothing was changed. "
            << (blocked ? "Some step cannot run as planned (marked !)."
                        : "Every step can run as planned.")
            << "\nApproved by: ____________________  Date: ____________\n";
  }
  ctx.exit_code = blocked ? kExitFailure : kExitOk;
}

void run_play(CliContext& ctx, const PlayOptions& o, const CLI::App& cmd) {
  if (o.resume && o.restart)
    return fail(ctx, "play: --resume and --restart exclude each other", kExitUsage);
  auto values = parse_set_options(o.sets);
  if (!values.ok()) return fail(ctx, "play: " + values.status().message(), kExitUsage);
  PlaybookParse parsed = load_playbook(o.file, *values);
  if (!parsed.playbook) {
    for (const auto& d : parsed.errors) ctx.err << format_diagnostic(d) << "\n";
    return fail(ctx, std::to_string(parsed.errors.size()) + " error(s); nothing was run",
                kExitUsage);
  }
  const Playbook& pb = *parsed.playbook;
  if (o.dry_run) return dry_run(ctx, pb, o);

  auto state = resolve_state_path(ctx);
  if (!state.ok()) return fail(ctx, state.status().message(), kExitUsage);
  // One playbook at a time per state (its own lock file, STATE.play.lock):
  // each step's command takes the state's lock for its own change.
  LockHolder me{"play", current_identity({}, "", "").actor, ::getpid(), system_now_ms()};
  auto playing = StateLock::acquire(*state + ".play", me, false, nullptr, system_now_ms());
  if (!playing.ok())
    return fail(ctx, "play: another playbook is running: " + playing.status().message(), kExitBusy);
  auto store = open_state_for_metrics(ctx);
  if (!store) return;
  std::error_code ec;
  // Through the controller the command runs elsewhere: the name as typed.
  std::string abs = std::getenv(kSentFilesEnv) != nullptr
                        ? o.file
                        : std::filesystem::absolute(o.file, ec).lexically_normal().string();
  auto stored = load_run_state(*store, pb.digest);
  auto last = last_digest_of(*store, abs);
  if (!stored.ok() || !last.ok())
    return fail(ctx, (!stored.ok() ? stored.status() : last.status()).message(), kExitFailure);
  auto start = start_step(pb, *stored, *last, o.resume, o.restart);
  if (!start.ok()) return fail(ctx, "play: " + start.status().message(), kExitUsage);

  PlayRunState run;
  run.digest = pb.digest;
  run.file = abs;
  run.values = std::map<std::string, std::string>(pb.values.begin(), pb.values.end());
  ctx.out << "Playbook " << printable(pb.name) << ": " << pb.steps.size() << " step(s)"
          << (*start > 0 ? ", resuming at " + step_label(pb, *start) : "") << "\n";
  CliPlayWorld world(ctx, pb, *state, *store, audit_identity_for(cmd), o.yes);
  PlayOutcome outcome = run_playbook(pb, *start, run, world);
  if (!outcome.ok) {
    const PlaybookStep& s = pb.steps[outcome.failed_at];
    print_error(ctx, "play " + pb.file + ": " + step_label(pb, outcome.failed_at) +
                         " failed: " + outcome.error.message());
    ctx.err << "Next: " << printable(next_hint(s, outcome.error))
            << "; the steps before it are done.\n"
            << "Then continue from this step: " << printable(resume_command(o)) << "\n";
    ctx.exit_code = kExitFailure;
    return;
  }
  ctx.out << "Playbook " << printable(pb.name) << " done: " << pb.steps.size() - *start
          << " step(s) run" << (*start > 0 ? " (resumed)" : "") << ".\n";
}

}  // namespace

void add_play_command(CLI::App& app, CliContext& ctx) {
  auto o = std::make_shared<PlayOptions>();
  auto* cmd = app.add_subcommand("play", "Run a playbook: an operation in ordered, audited steps");
  cmd->add_option("FILE", o->file, "The playbook (YAML, kind: Playbook)")->required();
  cmd->add_flag("--dry-run", o->dry_run,
                "Print what each step will do, with the planned moves; change nothing");
  cmd->add_flag("--resume", o->resume, "Continue a stopped run from the step that failed");
  cmd->add_flag("--restart", o->restart, "Start from step 1 even though a run stopped");
  cmd->add_option("--set", o->sets, "A parameter, NAME=VALUE (repeatable, at most 32)");
  cmd->add_flag("--yes,-y", o->yes,
                "Confirm without asking the steps that stop or may delete: drain, migrate, apply "
                "with yes, cutover");
  add_output_option(*cmd, o->output, {"table", "json", "yaml"});
  cmd->footer(
      "Examples:\n  xcloudctl play playbooks/drain-host.yaml --set host=x86-01 --dry-run\n"
      "  xcloudctl play playbooks/drain-host.yaml --set host=x86-01\n"
      "  xcloudctl play playbooks/drain-host.yaml --set host=x86-01 --resume\n\n"
      "Steps: precheck, migrate, drain, adopt, apply (each runs the xcloudctl command it names,\n"
      "as a child with the same --state), verify (a TCP port answers, or a command over SSH\n"
      "exits 0), wait, cutover and note. A drain, a migrate that moves VMs, an apply with yes\n"
      "and a cutover ask for a typed yes first (or --yes). Each step is audited\n"
      "at its start and end; the run stops at the first failure and says what to do next;\n"
      "--resume continues from that step if the file is unchanged (SM3) and the --set values\n"
      "are the same. -o applies to --dry-run. Exit codes: 0 done (dry run: every step can run),\n"
      "1 a step failed (dry run: some step cannot run as planned), 2 bad playbook or usage.");
  cmd->callback([&ctx, o, cmd] { run_play(ctx, *o, *cmd); });
}

}  // namespace xc
