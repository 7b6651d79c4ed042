#include "ctl/cli/plan_printer.h"

#include <ostream>

#include "common/printable.h"

namespace xc {
namespace {

std::string plural(int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string disk_list(const PlanStep& s) {
  std::string out;
  for (const auto& d : s.disks)
    out += (out.empty() ? "" : ", ") + d.name + " " + std::to_string(d.size_gib) + " GiB";
  return out;
}

}  // namespace

std::string destruction_line(const Destruction& d) {
  return "Destroys: " + plural(d.vms, "VM", "VMs") + ", " + plural(d.disks, "disk", "disks") +
         ", " + std::to_string(d.gib) + " GiB";
}

void print_plan(const Plan& plan, std::ostream& out) {
  std::map<StepAction, int> counts;
  for (const auto& s : plan.steps) {
    ++counts[s.action];
    char mark = s.destructive() ? '-' : action_info(s.action).mark;
    if (s.action == StepAction::kEnsureSecurityGroup && s.reason == StepReason::kNew) mark = '+';
    out << mark << " " << printable(describe_step(s));
    if (s.action == StepAction::kMove)
      out << " (" << s.move_mode << ", pool " << s.from_pool << " -> " << s.to_pool << ")";
    else if (s.reason != StepReason::kNone)
      out << " (" << printable(s.reason_text()) << ")";
    out << "\n";
    if (s.destructive())
      out << "      DESTROYS " << s.destroyed_gib() << " GiB"
          << (s.disks.empty() ? "" : ": " + printable(disk_list(s))) << "\n";
    if (s.action == StepAction::kMove && !s.detail.empty())
      out << "      why: " << printable(s.detail) << "\n";
    for (const auto& c : s.changes) out << "      " << printable(c) << "\n";
    for (const auto& c : s.live) out << "      live: " << printable(c) << "\n";
    for (const auto& c : s.restart) out << "      restart: " << printable(c) << "\n";
  }
  for (const auto& u : plan.unplaceable)
    out << "! cannot place VirtualMachine " << printable(object_key(u.tenant, u.name)) << ": "
        << printable(u.reason) << "\n";
  for (const auto& o : plan.orphans)
    out << "? orphan " << printable(o) << " (not declared; --prune deletes it)\n";
  for (const auto& a : plan.addresses_allocated)
    out << "+ allocate " << a.family << " " << printable(a.address) << " to vm \""
        << printable(object_key(a.tenant, a.vm)) << "\" nic " << a.nic << " (network "
        << printable(a.network) << ")\n";
  for (const auto& a : plan.addresses_released)
    out << "~ release " << a.family << " " << printable(a.address) << " of vm \""
        << printable(object_key(a.tenant, a.vm)) << "\" nic " << a.nic << "\n";
  for (const auto& w : plan.warnings) out << "warning: " << printable(w) << "\n";
  for (const auto& e : plan.errors) out << "error: " << printable(e) << "\n";
  out << "Plan: " << counts[StepAction::kCreate] << " to create, " << counts[StepAction::kUpdate]
      << " to update, " << counts[StepAction::kStart] << " to start, " << counts[StepAction::kMove]
      << " to move, " << counts[StepAction::kDelete] + counts[StepAction::kForget] << " to delete, "
      << (counts[StepAction::kAdopt] ? std::to_string(counts[StepAction::kAdopt]) + " to adopt, "
                                     : "")
      << counts[StepAction::kCreateNetwork] << " network changes, "
      << counts[StepAction::kEnsureSecurityGroup] + counts[StepAction::kDeleteSecurityGroup]
      << " security group changes, " << counts[StepAction::kRecord] << " to record, "
      << plan.unchanged.size() << " unchanged.\n";
  Destruction d = plan.destruction();
  if (d.any()) out << destruction_line(d) << "\n";
}

void LineStatus::step_finished(const PlanStep& step, const Status& status) {
  out_ << (status.ok() ? "done: " : "FAILED: ") << printable(describe_step(step))
       << (status.ok() ? "" : ": " + printable(status.message())) << std::endl;
}

void TerminalStatus::step_finished(const PlanStep& step, const Status& status) {
  ++done_;
  if (!status.ok()) ++failed_by_host_[step.host];
  out_ << "\r\033[K" << done_ << "/" << total_ << " steps";
  for (const auto& [host, n] : failed_by_host_) out_ << ", " << host << ": " << n << " failed";
  out_ << std::flush;
}

void TerminalStatus::plan_finished() {
  if (total_ > 0) out_ << "\n";
}

}  // namespace xc
