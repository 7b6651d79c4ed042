#include "ctl/playbook/play_engine.h"

#include <algorithm>

namespace xc {
namespace {

Status not_confirmed(const PlaybookStep& s) {
  return error(Code::kFailedPrecondition,
               std::string(s.type == StepType::kCutover ? "the cutover" : "the step") +
                   " was not confirmed (type yes, or --yes)");
}

// The commands of an xcloudctl step, one after the other; the first that
// fails fails the step.
Status run_commands(PlayWorld& world, const PlaybookStep& step,
                    const std::vector<std::vector<std::string>>& commands) {
  for (const auto& args : commands) {
    world.say(command_line(args));
    auto code = world.run_xcloudctl(step, args);
    if (!code.ok()) return code.status();
    if (*code != 0)
      return error(Code::kFailedPrecondition,
                   command_line(args) + " exited " + std::to_string(*code));
  }
  return {};
}

Status run_step(PlayWorld& world, const PlaybookStep& s) {
  switch (s.type) {
    case StepType::kPrecheck:
      if (!s.hosts.empty())
        if (Status ok = world.hosts_answer(s.hosts); !ok.ok()) return ok;
      return run_commands(world, s, step_commands(s, {}));
    case StepType::kMigrate: {
      auto moves = world.plan_migrate(s);
      if (!moves.ok()) return moves.status();
      if (moves->empty()) world.say("every VM matching " + s.vms + " is in place");
      if (!moves->empty() && !world.confirm(s)) return not_confirmed(s);
      return run_commands(world, s, step_commands(s, *moves));
    }
    case StepType::kDrain:
    case StepType::kApply:
      // The child gets --yes: the operator gives it here, for the step.
      if (needs_consent(s) && !world.confirm(s)) return not_confirmed(s);
      return run_commands(world, s, step_commands(s, {}));
    case StepType::kAdopt:
      return run_commands(world, s, step_commands(s, {}));
    case StepType::kVerify:
      return check_until(world, s.check, s.timeout, std::chrono::seconds(1));
    case StepType::kWait:
      if (s.check.empty()) {
        world.sleep(s.duration);
        return {};
      }
      return check_until(world, s.check, s.timeout, s.interval);
    case StepType::kCutover:
      world.say(s.text);
      if (!world.confirm(s)) return not_confirmed(s);
      return {};
    case StepType::kNote:
      world.say(s.text);
      return {};
  }
  return error(Code::kInternal, "unknown step type");
}

}  // namespace

Status check_until(PlayWorld& world, const StepCheck& check, std::chrono::seconds timeout,
                   std::chrono::seconds interval) {
  const int64_t deadline = world.now_ms() + timeout.count() * 1000;
  for (;;) {
    // Each try may take what is left, at least a second.
    int64_t left_ms = deadline - world.now_ms();
    Status s =
        world.check(check, std::chrono::seconds(std::max<int64_t>(1, (left_ms + 999) / 1000)));
    if (s.ok()) return s;
    left_ms = deadline - world.now_ms();
    if (left_ms <= 0)
      return error(s.code(), check.describe() + ": not within " + std::to_string(timeout.count()) +
                                 " s (" + s.message() + ")");
    world.sleep(std::min<std::chrono::milliseconds>(interval, std::chrono::milliseconds(left_ms)));
  }
}

PlayOutcome run_playbook(const Playbook& pb, size_t start, PlayRunState state, PlayWorld& world) {
  PlayOutcome out;
  state.steps = pb.steps.size();
  for (size_t i = start; i < pb.steps.size(); ++i) {
    const PlaybookStep& s = pb.steps[i];
    const std::string label = "step " + std::to_string(i + 1) + "/" +
                              std::to_string(pb.steps.size()) + " \"" + s.name + "\" (" +
                              step_type_name(s.type) + ")";
    state.next = i;
    state.status = "running";
    state.updated_ms = world.now_ms();
    Status done = world.save(state);
    if (done.ok()) done = world.audit(s, "step-start", {}, label + ": " + step_summary(s));
    if (done.ok()) {
      world.say("== " + label + ": " + step_summary(s));
      done = run_step(world, s);
      std::string message = label + (done.ok() ? ": ok" : ": " + done.message());
      if (s.type == StepType::kNote) message = label + ": " + s.text;
      Status recorded = world.audit(s, "step", done, message);
      if (done.ok() && !recorded.ok()) done = recorded;
    }
    if (!done.ok()) {
      state.status = "failed";
      state.failed_step = s.name;
      state.error = done.message();
      state.updated_ms = world.now_ms();
      (void)world.save(state);  // the failure stands whatever the save says
      out.ok = false;
      out.failed_at = i;
      out.error = done;
      return out;
    }
  }
  state.next = pb.steps.size();
  state.status = "done";
  state.failed_step.clear();
  state.error.clear();
  state.updated_ms = world.now_ms();
  if (Status saved = world.save(state); !saved.ok()) {
    out.ok = false;
    out.failed_at = pb.steps.size() - 1;
    out.error = saved;
  }
  return out;
}

}  // namespace xc
