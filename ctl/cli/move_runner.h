// Running a plan's moves from the CLI (apply, host drain): the journal's
// unfinished moves settled first, then the moves, several at once, each
// worker with its own store connection, one line per phase and per result.
// Called from the command's thread; the workers it starts print under a lock.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "ctl/cli/cli.h"
#include "ctl/migrate/vm_move.h"
#include "ctl/reconcile/reconcile.h"

namespace xc {

// Finishes or rolls back the moves an earlier run left in the journal, before
// anything is planned (a half-moved VM would otherwise look like a duplicate).
// Prints one "journal: ..." line per move.
Status settle_moves(CliContext& ctx, Store& store, HostClients& clients, const CLI::App& cmd);

// The move for a plan step: the VM's stored spec (what runs), its domain name.
Result<MoveRequest> move_request(const Reconcile& r, const PlanStep& step);

struct MoveOutcome {
  MoveRequest request;
  Result<MoveResult> result = error(Code::kInternal, "not run");
};

// Runs the moves, up to `parallel` at once, each worker on its own connection
// to the state database at `state_path`. Prints "[k/N] done: ..." or
// "[k/N] FAILED: ..." as each ends. `images` (may be null) sends a target
// the store's images it lacks; the caller reports what it sent.
std::vector<MoveOutcome> run_moves(CliContext& ctx, const std::string& state_path,
                                   HostClients& clients, const AuditIdentity& who,
                                   const std::vector<MoveRequest>& moves, int parallel,
                                   ImageSupplier* images);

}  // namespace xc
