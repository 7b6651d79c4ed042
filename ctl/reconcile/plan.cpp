#include "ctl/reconcile/plan.h"

namespace xc {
namespace {

// Indexed by StepAction; the static_assert below keeps the two in step.
constexpr ActionInfo kActions[] = {
    {"create-network", 0, "network.ensure", '+'},
    {"ensure-securitygroup", 0, "securitygroup.ensure", '~'},
    {"delete", 1, "domain.delete", '-'},
    {"forget", 1, nullptr, '-'},
    {"migrate", 2, nullptr, '>'},
    {"create", 2, "domain.ensure", '+'},
    {"update", 2, "domain.ensure", '~'},
    {"start", 2, "domain.ensure", '~'},
    {"record", 2, nullptr, '~'},
    {"adopt", 2, "domain.adopt", '+'},
    {"delete-securitygroup", 3, "securitygroup.delete", '-'},
};
static_assert(std::size(kActions) == static_cast<size_t>(StepAction::kDeleteSecurityGroup) + 1);

}  // namespace

const ActionInfo& action_info(StepAction a) {
  return kActions[static_cast<size_t>(a)];
}

const char* step_action_name(StepAction a) {
  return action_info(a).name;
}

const char* step_reason_text(StepReason r) {
  switch (r) {
    case StepReason::kNone:
      return "";
    case StepReason::kNew:
      return "new";
    case StepReason::kRulesChanged:
      return "rules changed";
    case StepReason::kNeededByVm:
      return "needed by a VM on this host";
    case StepReason::kPruned:
      return "pruned: no longer declared";
    case StepReason::kOrphan:
      return "pruned: orphan";
    case StepReason::kGoneFromHost:
      return "pruned: already gone from the host";
    case StepReason::kDuplicate:
      return "duplicate";
    case StepReason::kRecreate:
      return "recreated elsewhere (--allow-recreate)";
    case StepReason::kPlacementChanged:
      return "placement no longer valid";
    case StepReason::kDefinitionDrift:
      return "drift: definition changed outside xcloud";
    case StepReason::kResizeDrift:
      return "drift: resized outside xcloud";
    case StepReason::kPowerDrift:
      return "drift: stopped outside xcloud";
    case StepReason::kRestartPending:
      return "restart pending: applying it";
    case StepReason::kAlreadyOnHost:
      return "already on the host; recording it";
    case StepReason::kRestartApplied:
      return "restart applied: billing the new size";
  }
  return "";
}

bool PlanStep::ends_vm() const {
  if (kind != Kind::kVirtualMachine) return false;
  if (action == StepAction::kForget) return true;
  return action == StepAction::kDelete &&
         (reason == StepReason::kPruned || reason == StepReason::kOrphan);
}

bool PlanStep::destructive() const {
  if (kind != Kind::kVirtualMachine) return false;
  return action == StepAction::kDelete || (action == StepAction::kUpdate && !disks.empty());
}

int64_t PlanStep::destroyed_gib() const {
  int64_t gib = 0;
  for (const auto& d : disks) gib += d.size_gib;
  return gib;
}

std::string PlanStep::reason_text() const {
  std::string text = step_reason_text(reason);
  if (reason == StepReason::kPowerDrift && !detail.empty())
    return "drift: " + detail + " outside xcloud";
  if (reason == StepReason::kDuplicate && !detail.empty())
    return text + " (also on " + detail + ")";
  if (!detail.empty()) return text.empty() ? detail : text + " (" + detail + ")";
  return text;
}

Destruction Plan::destruction() const {
  Destruction d;
  for (const auto& s : steps) {
    if (!s.destructive()) continue;
    if (s.action == StepAction::kDelete) ++d.vms;
    d.disks += static_cast<int>(s.disks.size());
    d.gib += s.destroyed_gib();
  }
  return d;
}

std::vector<const PlanStep*> Plan::moves() const {
  std::vector<const PlanStep*> out;
  for (const auto& s : steps)
    if (s.action == StepAction::kMove) out.push_back(&s);
  return out;
}

std::string describe_step(const PlanStep& step) {
  std::string text = std::string(step_action_name(step.action)) + " " + kind_name(step.kind) + " " +
                     step.key().str();
  if (step.action == StepAction::kMove) return text + " " + step.from_host + " -> " + step.host;
  return text + " on " + step.host;
}

nlohmann::json Plan::to_json() const {
  auto steps_json = nlohmann::json::array();
  for (const auto& s : steps) {
    nlohmann::json j = {{"action", step_action_name(s.action)},
                        {"kind", kind_name(s.kind)},
                        {"tenant", s.tenant},
                        {"name", s.name},
                        {"host", s.host}};
    if (s.action == StepAction::kMove)
      j.update({{"fromHost", s.from_host},
                {"fromPool", s.from_pool},
                {"toPool", s.to_pool},
                {"mode", s.move_mode}});
    if (!s.changes.empty()) j["changes"] = s.changes;
    if (!s.live.empty()) j["live"] = s.live;
    if (!s.restart.empty()) j["restart"] = s.restart;
    if (s.reason != StepReason::kNone) j["reason"] = s.reason_text();
    if (s.destructive()) j["destroysGiB"] = s.destroyed_gib();
    if (!s.disks.empty()) {
      auto disks = nlohmann::json::array();
      for (const auto& d : s.disks) disks.push_back({{"name", d.name}, {"sizeGiB", d.size_gib}});
      j["disks"] = disks;
    }
    steps_json.push_back(j);
  }
  auto unplaceable_json = nlohmann::json::array();
  for (const auto& u : unplaceable)
    unplaceable_json.push_back({{"tenant", u.tenant}, {"name", u.name}, {"reason", u.reason}});
  auto addresses = [](const std::vector<AddressAllocation>& list) {
    auto out = nlohmann::json::array();
    for (const auto& a : list)
      out.push_back({{"tenant", a.tenant},
                     {"vm", a.vm},
                     {"nic", a.nic},
                     {"family", a.family},
                     {"network", a.network},
                     {"address", a.address}});
    return out;
  };
  Destruction d = destruction();
  return {{"steps", steps_json},
          {"addresses",
           {{"allocated", addresses(addresses_allocated)},
            {"released", addresses(addresses_released)}}},
          {"unchanged", unchanged},
          {"unplaceable", unplaceable_json},
          {"warnings", warnings},
          {"errors", errors},
          {"orphans", orphans},
          {"destroys", {{"vms", d.vms}, {"disks", d.disks}, {"gib", d.gib}}}};
}

}  // namespace xc
