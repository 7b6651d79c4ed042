// Finding a stored VM by the name an operator typed, and what reaching it
// needs: its host (as the inventory records it), its libvirt domain name and
// a Host object for HostClients. Used by delete, vm and console. Not
// thread-safe (one Store).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/model.h"
#include "ctl/cli/cli.h"
#include "ctl/hosts/host_clients.h"
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

// A command's VM, with the state it was found in, held for a change.
struct OpenedVm {
  std::string state_path;
  std::unique_ptr<Store> store;
  VmTarget vm;
};

// Resolves and opens the state for a change (open_state_for_change) and
// finds the VM. On failure prints why, sets the exit code (2 for a state
// path or a VM name that is wrong, else 1) and returns nullopt.
std::optional<OpenedVm> open_vm_for_change(CliContext& ctx, const CLI::App& cmd,
                                           const std::string& name, const std::string& tenant);

// The domain's state on its host ("" when the host does not hold it).
Result<std::string> state_on(HostClients& clients, const std::string& host,
                             const std::string& domain);

// The host's stored snapshot takes the domains its agent lists now, so `get
// vms` shows a change at once. Best effort: a failed call changes nothing.
void refresh_host_domains(Store& store, HostClients& clients, const std::string& host);

// The GiB a VM's disks hold (its volumes included), from its stored domain spec.
int64_t vm_disk_gib(const ResourceRecord& r);

}  // namespace xc
