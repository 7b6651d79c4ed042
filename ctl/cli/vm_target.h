// Finding a stored VM by the name an operator typed, and what reaching it
// needs: its host (as the inventory records it), its libvirt domain name and
// a Host object for HostClients. Used by delete, vm and console. Not
// thread-safe (one Store).
#pragma once

#include <string>
#include <vector>

#include "common/model.h"
#include "ctl/hosts/host_object.h"
#include "ctl/store/inventory.h"
#include "ctl/store/store.h"

namespace xc {

struct VmTarget {
  ResourceRecord record;
  std::string host;    // "" when not placed
  std::string domain;  // libvirt domain name
};

// The VM named `name` (in `tenant` when given). Not found: kNotFound with
// `VM "NAME" not found (did you mean 'web-1'?)`; in several tenants:
// kInvalidArgument listing them (choose with --tenant).
Result<VmTarget> find_vm(Store& store, const std::string& name, const std::string& tenant);

}  // namespace xc
