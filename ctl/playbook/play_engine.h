// Runs a playbook's steps in order from a given step, stopping at the first
// failure: each step audited at its start and end, the run's state saved
// before and after each, so a later run can resume at the failed step. The
// world (child xcloudctl processes, checks, the terminal, the store) comes
// through PlayWorld; the engine does not print. One thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ctl/playbook/playbook.h"
#include "ctl/playbook/run_state.h"
#include "ctl/playbook/step_commands.h"

namespace xc {

class PlayWorld {
 public:
  virtual ~PlayWorld() = default;
  // Runs `xcloudctl --state STATE ARGS...` (no shell), its output shown
  // under the step's prefix as it comes; its exit code.
  virtual Result<int> run_xcloudctl(const PlaybookStep& step,
                                    const std::vector<std::string>& args) = 0;
  // precheck: each host answers its agent.
  virtual Status hosts_answer(const std::vector<std::string>& hosts) = 0;
  // migrate: the moves of the step's VMs to where its manifests place them;
  // an error names each VM that cannot move and why.
  virtual Result<std::vector<PlannedMove>> plan_migrate(const PlaybookStep& step) = 0;
  // One try of a check, at most `timeout`.
  virtual Status check(const StepCheck& check, std::chrono::seconds timeout) = 0;
  virtual void sleep(std::chrono::milliseconds d) = 0;
  virtual int64_t now_ms() = 0;
  // cutover: the operator's typed yes (or --yes).
  virtual bool confirm(const PlaybookStep& step) = 0;
  // One audit record of the step: action "step-start" (ok) or "step" with
  // the result.
  virtual Status audit(const PlaybookStep& step, const std::string& action, const Status& result,
                       const std::string& message) = 0;
  virtual Status save(const PlayRunState& state) = 0;
  // A line for the operator (the step's progress), unescaped: the world escapes it.
  virtual void say(const std::string& line) = 0;
};

struct PlayOutcome {
  bool ok = true;
  size_t failed_at = 0;  // with !ok: the step that failed (0-based)
  Status error;          // with !ok: why
};

// Runs steps `start` .. end. `state` carries the digest, file and values;
// next and status are kept up to date through world.save(). A save or audit
// failure stops the run as a failed step would.
PlayOutcome run_playbook(const Playbook& pb, size_t start, PlayRunState state, PlayWorld& world);

// Tries `check` until it holds or `timeout` passed, `interval` apart.
Status check_until(PlayWorld& world, const StepCheck& check, std::chrono::seconds timeout,
                   std::chrono::seconds interval);

}  // namespace xc
