// A change of one user's record, as every `user` command makes it: the state
// opened for change with the users' tables beside it, and the change written
// with its audit record (kind User). CLI helpers; one run per process.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ctl/access/access_store.h"
#include "ctl/cli/cli.h"
#include "ctl/store/records.h"
#include "ctl/store/store.h"

namespace xc {

struct OpenedUsers {
  std::unique_ptr<Store> store;
  std::unique_ptr<AccessStore> access;
};

// The state (for change: under the state lock) and its users' tables; both
// null after printing why.
OpenedUsers open_users(CliContext& ctx, const CLI::App& cmd, bool change);

// Runs `change`, then appends `record` with the outcome: result ok or error,
// message `note` (and the error after it). The users' tables have a
// connection of their own, which cannot join the audit log's transaction:
// the change comes first, so a record never claims a change that did not
// happen. On failure prints why and sets the exit code (2 for a missing,
// taken or refused name).
void audited_access_change(CliContext& ctx, OpenedUsers& o, AuditRecord record,
                           const std::string& note, const std::function<Status()>& change);

// Runs `change` on the user, then writes its audit record (kind User) with
// the outcome. The users' tables have a connection of their own, which
// cannot join the audit log's transaction: the change comes first, so a
// record never claims a change that did not happen. On failure prints why
// and sets the exit code (2 for a missing, taken or refused name).
void audited_user_change(CliContext& ctx, const CLI::App& cmd, OpenedUsers& o,
                         const std::string& name, const std::string& action,
                         const std::function<Status()>& change);

}  // namespace xc
