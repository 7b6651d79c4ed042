// Making a new VM from a stored VM's record on that VM's host, shared by
// `vm clone` (disks copied or overlaid on the host) and `backup restore --as`
// (disks rebuilt from a backup): the checks and plan before any host is
// touched, the clean-up of a failed attempt and what the store keeps.
// Not thread-safe (one Store, one HostClients).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/domain_spec.h"
#include "ctl/cli/cli.h"
#include "ctl/cli/clone_plan.h"
#include "ctl/cli/vm_target.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/store/store.h"

namespace xc {

// "<domain>.<disk>" without ".qcow2": the volume name the agent takes.
std::string volume_of(const DomainSpec& spec, const DomainDisk& disk);

// Removes what a failed attempt made on the host: its domain (if defined,
// with its volumes and seed) and the volumes made so far. Best effort: the
// error the operator sees is the one that stopped the attempt.
void discard(HostClients& clients, const std::string& host, const std::string& domain,
             const std::vector<std::string>& volumes);

// Everything apply would store for the new VM (its record in the manifest
// set "vm-clone", placement, addresses, the link of a linked clone, and
// its billing from now), in the audit record's transaction.
Status store_clone(Store& store, const ClonePlan& plan, const std::string& host,
                   const nlohmann::json& link);

// "52:54:00:.. 10.0.0.7, ..." or "no NICs".
std::string addresses_text(const DomainSpec& spec);

// A new VM NAME from `src`'s stored record, planned: SRC's record and spec,
// and the new VM's plan (new MAC, addresses, seed; clone_manifest()).
struct NewVmFrom {
  nlohmann::json src_manifest;
  DomainSpec src_spec;
  ClonePlan plan;
};

// The checks before any host is touched: NAME a DNS label and not taken in
// SRC's tenant, SRC placed on a host with a readable record that may be
// cloned, the plan valid and within the tenant's quotas. On a refusal it
// prints why (messages start with `what`, e.g. "vm clone"), sets the exit
// code (2 for bad usage, else 1) and returns nullopt.
std::optional<NewVmFrom> plan_new_vm(CliContext& ctx, Store& store, const VmTarget& src,
                                     const std::string& name, bool start, const std::string& what);

}  // namespace xc
