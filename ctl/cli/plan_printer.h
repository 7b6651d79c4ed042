// How the CLI shows a plan and an apply's progress: the plan as lines with a
// mark per step (+ create, ~ change, - destroy, > move) and a total of what it
// destroys; progress as one redrawn line on a terminal or a line per step.
// Not thread-safe except ApplyStatus calls, which the executor serializes.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <map>
#include <string>

#include "ctl/reconcile/executor.h"
#include "ctl/reconcile/plan.h"

namespace xc {

void print_plan(const Plan& plan, std::ostream& out);

// "Destroys: 2 VMs, 3 disks, 780 GiB".
std::string destruction_line(const Destruction& d);

// One line per finished step, flushed, so logs survive a kill.
class LineStatus : public ApplyStatus {
 public:
  explicit LineStatus(std::ostream& out) : out_(out) {}
  void plan_started(size_t) override {}
  void step_finished(const PlanStep& step, const Status& status) override;
  void plan_finished() override {}

 private:
  std::ostream& out_;
};

// One progress line redrawn in place, with failures per host.
class TerminalStatus : public ApplyStatus {
 public:
  explicit TerminalStatus(std::ostream& out) : out_(out) {}
  void plan_started(size_t total) override { total_ = total; }
  void step_finished(const PlanStep& step, const Status& status) override;
  void plan_finished() override;

 private:
  std::ostream& out_;
  size_t total_ = 0, done_ = 0;
  std::map<std::string, int> failed_by_host_;
};

}  // namespace xc
