// Changes no host can make (a disk that shrinks, a disk's base image that
// changes), found from the manifests and the store alone, so diff and apply
// refuse them before any host is contacted. Pure; safe from any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/planner.h"

namespace xc {

// One message per refused change, by VM:
// `VirtualMachine education/web-1: disks.root size_gib 80 -> 40: disks never shrink`.
// A VM the store does not hold, or whose stored spec cannot be read, has none.
std::vector<std::string> refused_changes(const DesiredState& desired,
                                         const std::map<std::string, StoredVm>& stored);

}  // namespace xc
