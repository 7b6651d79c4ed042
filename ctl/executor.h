// Runs a plan against the hosts: in parallel across hosts, a bounded number
// of requests per host, and per host in dependency order (networks, deletes,
// VMs, network deletes). Each completed step is handed to the recorder at
// once, so a crash loses at most the steps in flight. Thread-safe inside.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "ctl/host_clients.h"
#include "ctl/plan.h"

namespace xc {

class StepRecorder {
 public:
  virtual ~StepRecorder() = default;
  // Called from worker threads, one call at a time (the executor serializes).
  virtual Status completed(const PlanStep& step, const nlohmann::json& result) = 0;
  virtual void failed(const PlanStep& step, const Status& status) = 0;
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
  bool tty = false;  // redraw one progress line instead of printing a line per step
};

ExecutionResult execute_plan(const Plan& plan, HostClients& clients, StepRecorder& recorder,
                             const ExecutorOptions& options, std::ostream& progress);

std::string describe_step(const PlanStep& step);

}  // namespace xc
