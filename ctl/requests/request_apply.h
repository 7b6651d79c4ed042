// Applies an approved request the way `apply` does: every object the state
// records is read back as manifests, the request's change (a new VM, a
// resized or deleted one) is laid over them, and plan_reconcile plans the
// whole (IPAM, placement, quotas against the whole cloud); only the steps
// of the request's VM (and the networks and groups it needs on its host)
// are run. Returns results; never prints. One command thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/manifest_validator.h"
#include "ctl/audit/audit_log.h"
#include "ctl/reconcile/reconcile.h"

namespace xc {

// What a request does to one VM.
struct RequestChange {
  std::string tenant, vm;
  std::optional<nlohmann::json> manifest;  // the VM's manifest; nullopt: delete it
  std::string owner_set;                   // the manifest set the VM is recorded under
};

// Every object the state records, as manifests (VMs as last applied, a
// redacted password hash left out: those VMs' steps are never run here),
// with `change` laid over them. The documents are named "<state>".
ManifestSet state_manifests(const std::vector<ResourceRecord>& records, const RequestChange& change,
                            const PriceCaps& caps);

struct RequestApplied {
  std::string host;  // where the VM runs (create, resize) or ran (delete)
  int steps = 0;
};

// Plans and runs the change. `r.store` and `r.clients` must be set. Any
// refusal (invalid manifests, quota, no host, a step that failed) is an
// error whose message is the reason the request failed; nothing is changed
// on a refusal before the hosts are touched.
Result<RequestApplied> apply_request_change(Reconcile& r, const RequestChange& change,
                                            AuditLog& log, const AuditIdentity& who,
                                            ApplyStatus& status, const PriceCaps& caps);

}  // namespace xc
