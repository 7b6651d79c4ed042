#include "ctl/reconcile/executor.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace xc {

ExecutionResult execute_plan(const Plan& plan, HostClients& clients, StepRecorder& recorder,
                             const ExecutorOptions& options, ApplyStatus& status) {
  std::map<std::string, std::vector<const PlanStep*>> by_host;
  for (const auto& s : plan.steps)
    if (s.action != StepAction::kMove) by_host[s.host].push_back(&s);  // ctl/migrate moves VMs
  std::vector<std::string> hosts;
  for (const auto& [h, _] : by_host) hosts.push_back(h);

  ExecutionResult result;
  std::mutex result_mutex;
  status.plan_started(plan.steps.size() - plan.moves().size());

  auto run_step = [&](const PlanStep& step) {
    Status outcome;
    nlohmann::json reply;
    const char* method = action_info(step.action).method;
    if (method && !step.params.is_null()) {
      nlohmann::json params = step.params;
      const bool ensure = std::string(method) == "domain.ensure";
      if (ensure) params = {{"spec", step.params}, {"allow_restart", options.allow_restart}};
      if (ensure && options.images) outcome = options.images->supply(step.host, step.params);
      auto r =
          outcome.ok() ? clients.call(step.host, method, params) : Result<nlohmann::json>(outcome);
      if (r.ok())
        reply = *r;
      else
        outcome = r.status();
    }
    std::lock_guard<std::mutex> lock(result_mutex);
    if (outcome.ok())
      outcome = recorder.completed(step, reply);
    else
      recorder.failed(step, outcome);
    if (outcome.ok()) {
      ++result.done;
    } else {
      ++result.failed;
      result.failures.push_back(describe_step(step) + ": " + outcome.message());
    }
    status.step_finished(step, outcome);
  };

  auto run_host = [&](const std::string& host) {
    const auto& steps = by_host[host];
    for (int phase = 0; phase < 4; ++phase) {
      std::vector<const PlanStep*> batch;
      for (const PlanStep* s : steps)
        if (action_info(s->action).phase == phase) batch.push_back(s);
      std::atomic<size_t> next{0};
      std::vector<std::thread> workers;
      int n = std::min<int>(options.per_host, static_cast<int>(batch.size()));
      for (int w = 0; w < n; ++w)
        workers.emplace_back([&] {
          for (size_t i = next++; i < batch.size(); i = next++) run_step(*batch[i]);
        });
      for (auto& t : workers) t.join();
    }
  };

  std::atomic<size_t> next_host{0};
  std::vector<std::thread> host_workers;
  int n = std::max(1, std::min<int>(options.parallel_hosts, static_cast<int>(hosts.size())));
  for (int w = 0; w < n && !hosts.empty(); ++w)
    host_workers.emplace_back([&] {
      for (size_t i = next_host++; i < hosts.size(); i = next_host++) run_host(hosts[i]);
    });
  for (auto& t : host_workers) t.join();
  status.plan_finished();
  return result;
}

}  // namespace xc
