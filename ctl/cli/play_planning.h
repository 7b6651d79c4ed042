// What a playbook's migrate or drain step would move, planned by the same
// planner and scheduler as `host drain` and `apply` (capacity, quotas,
// anti-affinity, arch), with the facts a change board signs: each VM's
// target, mode, arch, disk size and copy estimate, shared storage, the
// targets' load after the moves. Reads hosts and the state; changes nothing
// but the hosts' last-seen facts. One command thread.
#pragma once

#include <string>
#include <vector>

#include "ctl/cli/cli.h"
#include "ctl/playbook/playbook.h"
#include "ctl/playbook/step_commands.h"

namespace xc {

struct StepMovePlan {
  size_t vms = 0;                   // the VMs the step concerns
  std::vector<PlannedMove> moves;   // each VM that moves, and where
  std::vector<std::string> stuck;   // "tenant/name: why it cannot move"
  std::vector<std::string> report;  // the lines of the dry-run report, unescaped
};

// Plans a migrate (the VMs matching step.vms, placed as step.manifests says)
// or a drain (every VM of step.host) step. Errors: manifests that do not
// load (printed as FILE:LINE:COL on ctx.err), a state or host that cannot be
// read, quotas the plan would break.
Result<StepMovePlan> plan_step_moves(CliContext& ctx, const PlaybookStep& step);

}  // namespace xc
