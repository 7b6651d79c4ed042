// Finding a stored VM by the name an operator typed, and what reaching it
// needs: its host (as the inventory records it), its libvirt domain name and
// a Host object for HostClients. Used by delete, vm and console. Not
// thread-safe (one Store).
#pragma once

#include <string>
#include <vector>

#include "common/model.h"
#include "ctl/store/store.h"

namespace xc {

struct VmTarget {
  ResourceRecord record;
  std::string host;    // "" when not placed
  std::string domain;  // libvirt domain name
};

// The libvirt domain name of a stored VM: from its stored DomainSpec, else
// from its tenant and name (the same rule).
std::string domain_of(const ResourceRecord& r);

// A Host object for HostClients: the host's applied manifest (its SSH user,
// port, command and keys), else what the store observed of it (an enrolled
// host not yet applied).
Object host_object(Store& store, const HostRecord& h);

// The VM named `name` (in `tenant` when given). Not found: kNotFound with
// `VM "NAME" not found (did you mean 'web-1'?)`; in several tenants:
// kInvalidArgument listing them (choose with --tenant).
Result<VmTarget> find_vm(Store& store, const std::string& name, const std::string& tenant);

}  // namespace xc
