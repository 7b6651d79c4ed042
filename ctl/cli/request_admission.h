// The tenant a `request` command acts on, for the controller's authorize()
// when no --tenant is given: the request's own (approve, reject, cancel,
// show ID), the VM's (create --resize/--delete VM), else the operator's
// scope (create, list). Not thread-safe (one Store).
#pragma once

#include <string>
#include <vector>

#include "ctl/store/store.h"

namespace xc {

std::string request_command_tenant(Store& store, const std::vector<std::string>& argv,
                                   const std::string& words, const std::string& user_scope);

}  // namespace xc
