#include "ctl/executor.h"

#include <atomic>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>

namespace xc {
namespace {

int phase_of(StepAction a) {
  switch (a) {
    case StepAction::kCreateNetwork: return 0;
    case StepAction::kEnsureSecurityGroup: return 0;  // domain.ensure needs the group filters
    case StepAction::kDelete: return 1;
    case StepAction::kDeleteNetwork: return 3;
    case StepAction::kDeleteSecurityGroup: return 3;
    default: return 2;
  }
}

const char* method_of(StepAction a) {
  switch (a) {
    case StepAction::kCreateNetwork: return "network.ensure";
    case StepAction::kDeleteNetwork: return "network.delete";
    case StepAction::kEnsureSecurityGroup: return "securitygroup.ensure";
    case StepAction::kDeleteSecurityGroup: return "securitygroup.delete";
    case StepAction::kDelete: return "domain.delete";
    case StepAction::kRecord: return nullptr;
    default: return "domain.ensure";
  }
}

class Progress {
 public:
  Progress(std::ostream& out, size_t total, bool tty) : out_(out), total_(total), tty_(tty) {}

  void step_done(const PlanStep& step, const Status& status) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++done_;
    if (!status.ok()) ++failed_by_host_[step.host];
    if (tty_) {
      out_ << "\r\033[K" << done_ << "/" << total_ << " steps";
      for (const auto& [host, n] : failed_by_host_) out_ << ", " << host << ": " << n << " failed";
      out_ << std::flush;
    } else {
      out_ << (status.ok() ? "done: " : "FAILED: ") << describe_step(step)
           << (status.ok() ? "" : ": " + status.message()) << std::endl;  // flushed: logs survive a kill
    }
  }
  void finish() {
    if (tty_ && total_ > 0) out_ << "\n";
  }

 private:
  std::ostream& out_;
  size_t total_;
  bool tty_;
  size_t done_ = 0;
  std::map<std::string, int> failed_by_host_;
  std::mutex mutex_;
};

}  // namespace

std::string describe_step(const PlanStep& step) {
  std::string key = step.tenant.empty() ? step.name : step.tenant + "/" + step.name;
  return std::string(step_action_name(step.action)) + " " + kind_name(step.kind) + " " + key + " on " + step.host;
}

ExecutionResult execute_plan(const Plan& plan, HostClients& clients, StepRecorder& recorder,
                             const ExecutorOptions& options, std::ostream& out) {
  std::map<std::string, std::vector<const PlanStep*>> by_host;
  for (const auto& s : plan.steps) by_host[s.host].push_back(&s);
  std::vector<std::string> hosts;
  for (const auto& [h, _] : by_host) hosts.push_back(h);

  ExecutionResult result;
  std::mutex result_mutex;
  Progress progress(out, plan.steps.size(), options.tty);

  auto run_step = [&](const PlanStep& step) {
    Status status;
    nlohmann::json reply;
    const char* method = method_of(step.action);
    if (method && !step.params.is_null()) {
      nlohmann::json params = step.params;
      if (std::string(method) == "domain.ensure") params = {{"spec", step.params}, {"allow_restart", options.allow_restart}};
      auto r = clients.call(step.host, method, params);
      if (r.ok()) reply = *r;
      else status = r.status();
    }
    std::lock_guard<std::mutex> lock(result_mutex);
    if (status.ok()) status = recorder.completed(step, reply);
    else recorder.failed(step, status);
    if (status.ok()) {
      ++result.done;
    } else {
      ++result.failed;
      result.failures.push_back(describe_step(step) + ": " + status.message());
    }
    progress.step_done(step, status);
  };

  auto run_host = [&](const std::string& host) {
    const auto& steps = by_host[host];
    for (int phase = 0; phase < 4; ++phase) {
      std::vector<const PlanStep*> batch;
      for (const PlanStep* s : steps)
        if (phase_of(s->action) == phase) batch.push_back(s);
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
  progress.finish();
  return result;
}

}  // namespace xc
