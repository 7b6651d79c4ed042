// Tenant (VDC) quotas: what each tenant holds, rolled up the tenant tree, and
// the check that refuses a plan taking any tenant past a limit. Quotas count
// allocated resources, so stopped VMs still hold theirs. Everything here but
// stored_allocations/stored_tenants is pure; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/manifest_validator.h"
#include "common/model.h"
#include "common/status.h"
#include "ctl/billing/snapshot_metering.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/plan.h"
#include "ctl/store/store.h"

namespace xc {

// Resource keys: "vcpu", "memoryGiB", "storageGiB.normal", "storageGiB.high",
// "accelerators.<type>", "vms", "networks".
struct TenantUsage {
  std::string tenant;
  std::map<std::string, int64_t> used;  // resource key -> amount; absent means 0
};

// By tenant path.
using UsageMap = std::map<std::string, TenantUsage>;

// What one object holds (a VM with its attached volumes, an unattached
// Volume, a Network). Keyed "Kind tenant/name" in Allocations so that the
// stored state and the manifests can be overlaid object by object.
struct Allocation {
  std::string tenant;
  std::map<std::string, int64_t> used;
};
using Allocations = std::map<std::string, Allocation>;

// "VirtualMachine education/web-1": the Allocations key of an object.
std::string allocation_key(const std::string& kind, const std::string& tenant,
                           const std::string& name);

// What a VM holds: vcpu = cpus, memoryGiB = memory_mib / 1024 rounded up,
// every disk (attached volumes included) by tier, one vm, and `accelerators`
// (type -> count; when empty, the spec's own accelerators are counted).
Allocation vm_allocation(const DomainSpec& spec,
                         const std::map<std::string, int64_t>& accelerators);

// Every allocation the manifests ask for: each VM (from its DomainSpec and
// demand.accelerators), each Volume not attached to a VM, each Network.
Allocations desired_allocations(const DesiredState& desired);

// Snapshot storage is an allocation of its own, "Snapshots tenant/vm", so
// that a manifest's VM (which knows nothing of snapshots) never replaces it.
// It counts in its tier's storageGiB and, for reading only (no quota limits
// it), in "snapshotsGiB".
inline constexpr const char* kSnapshotsKind = "Snapshots";
inline constexpr const char* kSnapshotsResource = "snapshotsGiB";
Allocation snapshot_allocation(const std::string& tenant, const SnapshotStorage& storage);

// Every allocation the state store holds: VirtualMachine records (their
// stored "domain" spec, accelerators from the manifest when it has them),
// unattached Volume records and Network records (from their "manifest"),
// and each VM's snapshot storage (its open snapshot meter intervals).
// A VM record whose domain spec cannot be read is skipped and named in
// `warnings` when given.
Result<Allocations> stored_allocations(Store& store, std::vector<std::string>* warnings = nullptr);

// Each tenant's own usage (not rolled up).
UsageMap own_usage(const Allocations& allocations);
// compute_usage(d) == own_usage(desired_allocations(d)).
UsageMap compute_usage(const DesiredState& desired);
// Adds each tenant's usage to every ancestor: "education/schools" also counts
// in "education". Ancestors without usage of their own appear too.
UsageMap roll_up(const UsageMap& own);
// roll_up(compute_usage(desired)).
UsageMap rolled_up_usage(const DesiredState& desired);

// "education/schools" -> "education"; "education" -> "".
std::string parent_tenant(const std::string& tenant);

// A tenant's limits as resource key -> limit (only the limits it sets), in
// the order of quota_resource_order().
std::vector<std::pair<std::string, int64_t>> quota_limits(const Quota& quota);
// The quota of a Tenant manifest's JSON form (spec.quota), for stored records.
Quota quota_from_manifest(const nlohmann::json& manifest);

// vcpu, memoryGiB, storageGiB.normal, storageGiB.high, accelerators.<type>
// (kAcceleratorTypes order, then others by name), vms, networks. Sorts `keys`.
std::vector<std::string> quota_resource_order(std::vector<std::string> keys);

struct TenantQuota {
  std::string tenant;
  std::string display_name;
  Quota quota;
};

// The Tenant objects of a manifest set, by path.
std::vector<TenantQuota> manifest_tenants(const ManifestSet& set);
// The Tenant records of the store, by path.
Result<std::vector<TenantQuota>> stored_tenants(Store& store);

// One message per tenant and resource whose limit the plan would exceed:
// `tenant education/schools: quota exceeded for vcpu: using 392, plan adds 16, limit 400`
// where using = before (rolled up), plan adds = after - before, limit = the
// tenant's own limit. A resource is refused when after > limit and the plan
// adds to it (a plan that only shrinks an over-quota tenant is allowed, so it
// can be brought back under). Both maps rolled up (roll_up). Ordered by
// tenant, then resource in quota_resource_order().
std::vector<std::string> quota_violations(const std::vector<TenantQuota>& tenants,
                                          const UsageMap& after, const UsageMap& before);
std::vector<std::string> quota_violations(const ManifestSet& set, const UsageMap& after,
                                          const UsageMap& before);

// The refusals of a new snapshot of tenant/vm holding `added`, against the
// stored Tenants' limits, as quota_violations words them (empty: it fits).
Result<std::vector<std::string>> check_snapshot_quota(Store& store, const std::string& tenant,
                                                      const std::string& vm,
                                                      const SnapshotStorage& added);

// validate's check of the manifest set on its own (no hosts, no store): each
// declared tenant's rolled-up total over the set's VMs, Volumes and Networks
// against its limits, one error at the limit per resource exceeded:
// `tenant education: the manifests total vcpu 66, above its quota of 64`.
std::vector<Diagnostic> manifest_quota_errors(const ManifestSet& set, const DesiredState& desired);

// The whole check for diff/apply, to run after planning and before any host
// is touched. before = the store's allocations; after = those overlaid with
// the manifests' (object by object) less the VMs the plan prunes. Limits are
// the manifests' Tenants, then stored Tenants the manifests do not declare.
// Returns the refusal messages (empty: the plan fits), or the store's error.
Result<std::vector<std::string>> check_plan_quotas(Store& store, const ManifestSet& set,
                                                   const DesiredState& desired, const Plan& plan);

}  // namespace xc
