// The xcloudctl command lines a step runs (drain, apply, adopt, migrate,
// precheck's validate) and a one-line summary of what any step does, for the
// run and for the dry-run report alike. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ctl/playbook/playbook.h"

namespace xc {

// A VM a migrate step moves, as planned from its manifests.
struct PlannedMove {
  std::string tenant, name, from_host, to_host;
  std::string mode;  // "live" or "cold"
};

// The argument vectors after "xcloudctl --state STATE", in order: a drain or
// apply is one command, an adopt two (adopt, then apply --adopt), a migrate
// one `vm migrate` per move, a precheck a `validate` of its manifests (none
// without). Other steps run no command.
std::vector<std::vector<std::string>> step_commands(const PlaybookStep& step,
                                                    const std::vector<PlannedMove>& moves);

// What the step does, in one line: "drain host x86-01 (manifests/, 4 at once)".
std::string step_summary(const PlaybookStep& step);

// Whether the step needs the operator's yes first: a drain (a cold move
// stops a running VM) and an apply with `yes` (it may delete VMs or disks),
// which get --yes passed on; a migrate asks when it has VMs to move; and a
// cutover.
bool needs_consent(const PlaybookStep& step);

// What the operator is asked to confirm for the step (unescaped).
std::string consent_question(const PlaybookStep& step);

// "step 3/7 \"web answers\" (verify)"; the name escaped.
std::string step_label(const Playbook& pb, size_t index);

// A command line as shown to the operator, each word shell-quoted as needed.
std::string command_line(const std::vector<std::string>& args);

}  // namespace xc
