// `xcloudctl vm clone`, before any host is touched: the clone's DomainSpec,
// hash and addresses, built exactly as apply builds a VM (the state's stored
// objects stand in for the operator's manifests), and the tenant quota check.
// Reads the store only; one call per command.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/domain_spec.h"
#include "ctl/reconcile/ip_allocation.h"
#include "ctl/store/store.h"

namespace xc {

struct ClonePlan {
  DomainSpec spec;          // generation 1, MAC from the name, IPAM's addresses
  std::string hash;         // what apply computes for the same manifest
  nlohmann::json manifest;  // the clone's manifest, as stored and printed
  nlohmann::json record;    // the VM record: {"manifest", "domain"} (secrets redacted)
  AddressPlan addresses;    // the allocations to store (added only)
  std::vector<std::string> quota_violations;  // non-empty: refused, nothing may change
};

// `manifest` is the clone's VirtualMachine manifest (clone_manifest()).
// kInvalidArgument when the stored objects and the manifest do not validate
// together (each error in the message); kFailedPrecondition when a subnet
// is full; other codes are store errors.
Result<ClonePlan> plan_clone(Store& store, const nlohmann::json& manifest);

// The linked clones of tenant/name the store knows (linked_clones_of).
Result<std::vector<std::string>> stored_linked_clones(Store& store, const std::string& tenant,
                                                      const std::string& name);

}  // namespace xc
