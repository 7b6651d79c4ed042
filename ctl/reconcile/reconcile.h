// The engine behind diff and apply: read every host, read the store, plan,
// check quotas; and the recorder that writes completed steps to the store.
// Returns results and never prints: ctl/cli renders them. Used by one command
// thread (the recorder is called by the executor one step at a time).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/manifest_validator.h"
#include "common/time.h"
#include "ctl/audit/audit_log.h"
#include "ctl/hosts/host_clients.h"
#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/executor.h"
#include "ctl/reconcile/observed_state.h"
#include "ctl/reconcile/plan.h"
#include "ctl/reconcile/planner.h"
#include "ctl/store/store.h"

namespace xc {

// Everything one diff or apply works from. The caller fills `manifests`,
// `store` and `clients`; plan_reconcile fills the rest.
struct Reconcile {
  ManifestSet manifests;
  DesiredState desired;
  std::unique_ptr<Store> store;
  std::unique_ptr<HostClients> clients;
  std::vector<ObservedHost> observed;
  std::map<std::string, StoredVm> stored;
  AddressPlan addresses;  // allocated before the desired state is built; apply stores it
  Plan plan;
  std::vector<std::string> quota_violations;  // non-empty: the plan is refused whole
  std::vector<Diagnostic> adoption_refusals;  // non-empty: refused whole (kInvalidArgument)
  std::vector<std::pair<std::string, double>> timings;  // phase, seconds
};

struct ReconcileOptions {
  PlanOptions plan;
  int parallel = 32;
  Clock now = system_now_ms;
};

// Reads the store, allocates the addresses NICs leave empty, builds the
// desired state, observes the hosts, saves what they report and plans.
// kInvalidArgument when the manifests ask for a change no host can make (a
// disk shrink: refused_changes), cannot be expressed on a host or declare an
// address another NIC holds; kFailedPrecondition when a subnet is full; any
// other error is a store that failed: a failed read is never planned as
// "nothing stored". A VM naming an unmanaged domain (adoptedFrom) without
// --adopt, or a domain that is not there, fills adoption_refusals and fails
// with kInvalidArgument.
Status plan_reconcile(Reconcile& r, const ReconcileOptions& options);

// The stored Volumes by the VM they are attached to.
using VolumesByVm = std::map<ObjectKey, std::vector<ResourceKey>>;

// Writes each completed step to the store and its audit record in the same
// transaction; a failed step gets an "error" record. Meter instants never go
// back: a clock behind the last recorded instant is clamped to it, audited,
// and reported in warnings().
class StoreRecorder : public StepRecorder {
 public:
  StoreRecorder(AuditLog& log, AuditIdentity who, std::string manifest_set,
                const std::map<std::string, StoredVm>& before, Clock now = system_now_ms)
      : log_(log),
        who_(std::move(who)),
        set_(std::move(manifest_set)),
        before_(before),
        now_(std::move(now)) {}
  Status completed(const PlanStep& step, const nlohmann::json& result) override;
  void failed(const PlanStep& step, const Status& status) override;
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  AuditRecord record_for(const PlanStep& step) const;
  Result<int64_t> meter_now(const PlanStep& step);
  AuditLog& log_;
  AuditIdentity who_;
  std::string set_;
  const std::map<std::string, StoredVm>& before_;
  Clock now_;
  std::optional<int64_t> last_meter_ms_;  // read from the store once, then kept
  std::optional<VolumesByVm> volumes_;    // read at the first pruned VM
  std::vector<std::string> warnings_;
};

// Records every non-VM object of the manifests in the store, with one audit
// record for each that is new or changed (one transaction).
Status record_objects(AuditLog& log, const AuditIdentity& who, const DesiredState& desired,
                      const std::string& manifest_set, const Clock& now = system_now_ms);

// Writes the plan's address allocations (releases first) in one transaction.
// Apply calls it before any host is touched; diff never does.
Status record_addresses(Store& store, const AddressPlan& addresses);

Result<std::map<std::string, StoredVm>> stored_vms(Store& store);
// The addresses of stored VMs as last applied, declared ones included
// (plan_addresses' `elsewhere`).
std::vector<AddressAllocation> stored_vm_addresses(const std::map<std::string, StoredVm>& stored);
Result<std::map<std::string, StoredGroup>> stored_security_groups(Store& store);

// Stores each host's facts and domains as last seen (on every contact).
Status save_observed(Store& store, const DesiredState& desired,
                     const std::vector<ObservedHost>& observed, const Clock& now = system_now_ms);

Result<VolumesByVm> volumes_by_vm(Store& store);

// Deletes the store records of `volumes` (absent ones are fine): they were
// deleted with their VM (domain.delete removes a VM's volumes).
Status forget_volumes(Store& store, const std::vector<ResourceKey>& volumes);
// The same for the tenant's Volumes attached to `vm`.
Status forget_attached_volumes(Store& store, const std::string& tenant, const std::string& vm);

// The VM's metered record for a completed step: what the host holds now. A
// resize that waits for a guest restart keeps the running size.
nlohmann::json metered_record(const PlanStep& step, const nlohmann::json& reply);

}  // namespace xc
