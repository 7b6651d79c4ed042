// The shared front half of diff and apply: validate the manifests, open the
// store, read every host, and plan. Also the recorder that writes completed
// steps to the store. Used by one command thread (the recorder is called by
// the executor one step at a time).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/manifest_validator.h"
#include "ctl/audit_log.h"
#include "ctl/cli.h"
#include "ctl/desired_state.h"
#include "ctl/executor.h"
#include "ctl/host_clients.h"
#include "ctl/observed_state.h"
#include "ctl/plan.h"
#include "ctl/planner.h"
#include "ctl/store.h"

namespace xc {

struct ReconcileOptions {
  std::vector<std::string> paths;
  std::string caps_file;
  PlanOptions plan;
  int parallel = 32;
  int per_host = 4;
};

struct Reconcile {
  ManifestSet manifests;
  DesiredState desired;
  std::unique_ptr<Store> store;
  std::unique_ptr<HostClients> clients;
  std::vector<ObservedHost> observed;
  std::map<std::string, StoredVm> stored;
  Plan plan;
};

// Prints errors itself; returns the exit code to use when it fails (2 for bad
// input, 1 for an unusable store or host setup), or 0 with `out` filled.
int prepare_reconcile(CliContext& ctx, const ReconcileOptions& options, Reconcile& out);

void print_plan(const Plan& plan, std::ostream& out);

// Writes each completed step to the store and its audit record in the same
// transaction; a failed step gets an "error" record.
class StoreRecorder : public StepRecorder {
 public:
  StoreRecorder(AuditLog& log, AuditIdentity who, std::string manifest_set, const std::map<std::string, StoredVm>& before)
      : log_(log), who_(std::move(who)), set_(std::move(manifest_set)), before_(before) {}
  Status completed(const PlanStep& step, const nlohmann::json& result) override;
  void failed(const PlanStep& step, const Status& status) override;

 private:
  AuditRecord record_for(const PlanStep& step) const;
  AuditLog& log_;
  AuditIdentity who_;
  std::string set_;
  const std::map<std::string, StoredVm>& before_;
};

// Records every non-VM object of the manifests in the store, with one audit
// record for each that is new or changed (one transaction).
Status record_objects(AuditLog& log, const AuditIdentity& who, const DesiredState& desired,
                      const std::string& manifest_set);

std::map<std::string, StoredVm> stored_vms(Store& store);
std::map<std::string, StoredGroup> stored_security_groups(Store& store);

// Stores each host's facts and domains as last seen (on every contact).
Status save_observed(Store& store, const DesiredState& desired, const std::vector<ObservedHost>& observed);

}  // namespace xc
