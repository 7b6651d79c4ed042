// Names a command refers to (tenants, VMs, hosts, kinds) checked against
// what the state knows, with a "did you mean" for a typo. Not thread-safe
// (uses the caller's Store).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace xc {

class Store;

// Ok when `name` is one of `known`; else kInvalidArgument
// "unknown tenant 'eduction' (did you mean 'education'?)". `what` is the
// noun ("tenant", "VM", "host", "kind").
Status check_known(const std::string& what, const std::string& name,
                   const std::vector<std::string>& known);

// The stored names of one kind ("Tenant" gives tenant paths).
Result<std::vector<std::string>> stored_names(Store& store, const std::string& kind);

// Ok for an empty tenant or a stored one.
Status check_tenant(Store& store, const std::string& tenant);

// `VirtualMachine "web-9" not found in tenant education (did you mean
// 'web-1'?)`, suggesting among `names`.
Status object_not_found(const std::string& kind, const std::string& name, const std::string& tenant,
                        const std::vector<std::string>& names);

}  // namespace xc
