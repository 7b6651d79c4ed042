// What the manifests ask of the hosts: each VirtualMachine as a portable
// DomainSpec (attached Volumes become its extra disks), each Network, and the
// scheduler's view of every VM. Pure; built once per command.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/domain_spec.h"
#include "common/manifest_validator.h"
#include "ctl/reconcile/ip_allocation.h"
#include "ctl/reconcile/scheduler.h"

namespace xc {

struct DesiredVm {
  const Object* object = nullptr;
  DomainSpec spec;   // accelerators' PCI addresses are chosen per host later
  std::string hash;  // of the VM's manifest and its attached volumes
  VmDemand demand;   // current_host is filled in by the planner
  nlohmann::json manifest;
  // The unmanaged domain this VM takes over (spec.adopted is set then).
  std::optional<AdoptedFrom> adopted_from = std::nullopt;
};

struct DesiredNetwork {
  const Object* object = nullptr;
  nlohmann::json params;  // network.ensure params
};

struct DesiredSecurityGroup {
  const Object* object = nullptr;
  nlohmann::json params;  // securitygroup.ensure params: rules by CIDR, peer groups expanded
  std::string hash;       // of the manifest and params; also the group's record hash
};

struct DesiredState {
  std::vector<DesiredVm> vms;
  std::vector<DesiredNetwork> networks;
  std::vector<DesiredSecurityGroup> security_groups;
  // Every object with its manifest JSON and hash, for the store.
  struct Record {
    const Object* object;
    nlohmann::json manifest;
    std::string hash;
  };
  std::vector<Record> records;
  std::vector<PoolPolicy> pools;
  std::vector<GroupRule> groups;
  std::vector<const Object*> hosts;
};

// `set` must outlive the result. `addresses` are those the allocator gave
// NICs that declare none (plan_addresses); they reach the DomainSpec, the
// VM's hash and the security groups' peers. Fails when a VM cannot be
// expressed on a host (e.g. a volume name too long to be a disk serial).
Result<DesiredState> build_desired_state(const ManifestSet& set,
                                         const AllocatedAddresses& addresses = {});

}  // namespace xc
