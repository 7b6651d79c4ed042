// Runs a plan against the hosts: in parallel across hosts, a bounded number
// of requests per host, and per host in dependency order (networks and
// groups, deletes, VMs, group deletes). Each completed step is handed to the
// recorder at once, so a crash loses at most the steps in flight. Progress
// goes to an ApplyStatus (the CLI renders it); the executor never prints.
// Thread-safe inside; recorder and status calls are serialized.
#pragma once

#include <string>
#include <vector>

#include "ctl/hosts/host_clients.h"
#include "ctl/images/image_supply.h"
#include "ctl/reconcile/plan.h"

namespace xc {

class StepRecorder {
 public:
  virtual ~StepRecorder() = default;
  // Called from worker threads, one call at a time (the executor serializes).
  virtual Status completed(const PlanStep& step, const nlohmann::json& result) = 0;
  virtual void failed(const PlanStep& step, const Status& status) = 0;
};

// What an apply reports as it goes (ninja's BuildStatus is the model).
class ApplyStatus {
 public:
  virtual ~ApplyStatus() = default;
  virtual void plan_started(size_t total_steps) = 0;
  virtual void step_finished(const PlanStep& step, const Status& status) = 0;
  virtual void plan_finished() = 0;
};

struct ExecutionResult {
  int done = 0;
  int failed = 0;
  std::vector<std::string> failures;  // "create VirtualMachine t/n on h: message"
};

struct ExecutorOptions {
  int parallel_hosts = 32;
  int per_host = 4;
  bool allow_restart = false;
  // When set, a domain.ensure first sends the host the store's images it lacks.
  ImageSupplier* images = nullptr;
};

// kMove steps are skipped: ctl/migrate runs them (two hosts, a journal).
ExecutionResult execute_plan(const Plan& plan, HostClients& clients, StepRecorder& recorder,
                             const ExecutorOptions& options, ApplyStatus& status);

}  // namespace xc
