// diff and apply in-process: manifests written to a temp dir, a real SQLite
// store, and simulated hosts behind real RpcServices (tests/support/
// in_process_agent.h). What the CLI does around the engine (confirmations,
// printing) is not here; the engine's results are what the tests check.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/price_caps.h"
#include "ctl/reconcile/reconcile.h"
#include "tests/support/in_process_agent.h"
#include "tests/support/temp_dir.h"

namespace xc::test {

// Zone gov, pools p1 (x86-01, x86-02) and p2 (x86-03), tenant education
// allowed in both, image uos-20, a price list. VMs come from the test.
inline std::string base_cloud(const std::string& tenant_pools = "[p1, p2]") {
  return R"(apiVersion: xcloud/v1
kind: Zone
metadata: {name: gov}
spec: {displayName: Gov}
---
apiVersion: xcloud/v1
kind: Pool
metadata: {name: p1}
spec: {zone: gov, cpuOvercommit: 1.0, policy: spread}
---
apiVersion: xcloud/v1
kind: Pool
metadata: {name: p2}
spec: {zone: gov, cpuOvercommit: 1.0, policy: spread}
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: x86-01}
spec: {pool: p1, address: "127.0.0.1:1", transport: tls}
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: x86-02}
spec: {pool: p1, address: "127.0.0.1:2", transport: tls}
---
apiVersion: xcloud/v1
kind: Host
metadata: {name: x86-03}
spec: {pool: p2, address: "127.0.0.1:3", transport: tls}
---
apiVersion: xcloud/v1
kind: Tenant
metadata: {name: education}
spec:
  displayName: Education
  zones: [gov]
  pools: )" +
         tenant_pools + R"(
  quota: {vcpu: 64, memoryGiB: 256, storageGiB: {normal: 4000, high: 1000}, vms: 20, networks: 4}
---
apiVersion: xcloud/v1
kind: Image
metadata: {name: uos-20}
spec: {arch: x86_64, os: UOS 20, format: qcow2, source: /var/lib/xcloud/images/uos-20.qcow2, visibility: global}
---
apiVersion: xcloud/v1
kind: PriceList
metadata: {name: caps}
spec:
  currency: CNY
  effectiveFrom: "2026-01-01"
  timeZone: Asia/Shanghai
  prices: {vcpu: 12, memory: 20, storage-normal: "0.3", storage-high: "0.6"}
)";
}

// A VM of tenant education with a 40 GiB root disk, in `pool`.
inline std::string vm(const std::string& name, const std::string& pool = "p1", int cpus = 2,
                      int memory_gib = 4) {
  return "---\napiVersion: xcloud/v1\nkind: VirtualMachine\nmetadata: {name: " + name +
         ", tenant: education, labels: {system: portal}}\nspec:\n  cpus: " + std::to_string(cpus) +
         "\n  memoryGiB: " + std::to_string(memory_gib) +
         "\n  image: uos-20\n  disks:\n    - {name: root, sizeGiB: 40, tier: normal}\n"
         "  placement: {zone: gov, pool: " +
         pool + "}\n  power: running\n";
}

// A Volume of `size_gib` attached to `vm_name`.
inline std::string volume(const std::string& name, const std::string& vm_name, int size_gib,
                          const std::string& pool = "p1") {
  return "---\napiVersion: xcloud/v1\nkind: Volume\nmetadata: {name: " + name +
         ", tenant: education}\nspec: {sizeGiB: " + std::to_string(size_gib) +
         ", tier: normal, attachTo: " + vm_name + ", placement: {zone: gov, pool: " + pool + "}}\n";
}

// Records what an apply reported.
class RecordingStatus : public ApplyStatus {
 public:
  void plan_started(size_t total) override { total_ = total; }
  void step_finished(const PlanStep& step, const Status& status) override {
    lines.push_back((status.ok() ? "done: " : "FAILED: ") + describe_step(step));
  }
  void plan_finished() override {}
  std::vector<std::string> lines;

 private:
  size_t total_ = 0;
};

struct ApplyResult {
  Status planned;
  Plan plan;
  ExecutionResult executed;
  std::vector<std::string> warnings;
  bool quota_refused = false;  // the plan took a tenant past a quota: nothing ran
};

class ApplyHarness {
 public:
  // `storage`: host -> its agent's storageDir, for hosts that share one
  // (a pool's sharedStorage); the others have their own.
  explicit ApplyHarness(const std::map<std::string, std::string>& storage = {}) {
    for (const char* h : {"x86-01", "x86-02", "x86-03"}) {
      testing::TestHostOptions options;
      if (auto it = storage.find(h); it != storage.end()) options.storage_dir = it->second;
      fleet.add(h, options);
    }
    auto opened = open_store(dir.path("state.db"), OpenMode::kCreate);
    REQUIRE_MESSAGE(opened.ok(), opened.status().message());
    opened->reset();  // created; each run opens its own, as the CLI does
  }

  // The store a run uses; tests may wrap it (a StoreWrapper that fails reads).
  std::function<std::unique_ptr<Store>(std::unique_ptr<Store>)> wrap_store =
      [](std::unique_ptr<Store> s) { return s; };

  // Plans `yaml` as `diff` does.
  ApplyResult diff(const std::string& yaml, PlanOptions options = {}) {
    return run(yaml, options, false);
  }
  // Plans and executes everything, as `apply --yes` does (moves excluded: the
  // CLI refuses them before this point).
  ApplyResult apply(const std::string& yaml, PlanOptions options = {}) {
    return run(yaml, options, true);
  }

  std::unique_ptr<Store> open() {
    auto opened = open_store(dir.path("state.db"), OpenMode::kExisting);
    REQUIRE_MESSAGE(opened.ok(), opened.status().message());
    return std::move(*opened);
  }
  std::vector<std::string> domains(const std::string& host) {
    std::vector<std::string> out;
    auto reply = fleet.call(host, "domains.list");
    for (const auto& d : reply["result"]["managed"])
      out.push_back(d.value("vmName", d.value("name", "")));
    return out;
  }

  TempDir dir;
  testing::InProcessFleet fleet;
  int64_t now = 1'790'000'000'000;  // 2026-09-21, moved by tests

 private:
  ApplyResult run(const std::string& yaml, PlanOptions options, bool execute) {
    {
      std::ofstream out(dir.path("cloud.yaml"));
      out << yaml;
    }
    ApplyResult result;
    Reconcile r;
    r.manifests = load_manifest_set({dir.path("cloud.yaml")}, builtin_price_caps());
    REQUIRE_MESSAGE(r.manifests.ok(),
                    (r.manifests.errors.empty() ? "" : r.manifests.errors.front().message));
    r.store = wrap_store(open());
    r.clients = std::make_unique<HostClients>(fleet.connector(), 4);
    ReconcileOptions ro;
    ro.plan = options;
    ro.now = [this] { return now; };
    result.planned = plan_reconcile(r, ro);
    result.plan = r.plan;
    result.quota_refused = !r.quota_violations.empty();
    if (!execute || !result.planned.ok() || result.quota_refused) return result;
    AuditLog log(*r.store, [this] { return now; });
    AuditIdentity who{"ops", "", "", "test", "xcloudctl apply"};
    Status recorded = record_objects(log, who, r.desired, options.manifest_set, ro.now);
    REQUIRE_MESSAGE(recorded.ok(), recorded.message());
    Status addressed = record_addresses(*r.store, r.addresses);
    REQUIRE_MESSAGE(addressed.ok(), addressed.message());
    StoreRecorder recorder(log, who, options.manifest_set, r.stored, ro.now);
    RecordingStatus status;
    ExecutorOptions exec;
    exec.allow_restart = options.allow_restart;
    result.executed = execute_plan(r.plan, *r.clients, recorder, exec, status);
    result.warnings = recorder.warnings();
    return result;
  }
};

}  // namespace xc::test
