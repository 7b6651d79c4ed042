#include "ctl/plan.h"

namespace xc {

const char* step_action_name(StepAction a) {
  switch (a) {
    case StepAction::kCreateNetwork: return "create-network";
    case StepAction::kDelete: return "delete";
    case StepAction::kCreate: return "create";
    case StepAction::kUpdate: return "update";
    case StepAction::kStart: return "start";
    case StepAction::kRecord: return "record";
    case StepAction::kDeleteNetwork: return "delete-network";
    case StepAction::kEnsureSecurityGroup: return "ensure-securitygroup";
    case StepAction::kDeleteSecurityGroup: return "delete-securitygroup";
  }
  return "?";
}

nlohmann::json Plan::to_json() const {
  auto steps_json = nlohmann::json::array();
  for (const auto& s : steps) {
    nlohmann::json j = {{"action", step_action_name(s.action)}, {"kind", kind_name(s.kind)},
                        {"tenant", s.tenant}, {"name", s.name}, {"host", s.host}};
    if (!s.changes.empty()) j["changes"] = s.changes;
    if (!s.live.empty()) j["live"] = s.live;
    if (!s.restart.empty()) j["restart"] = s.restart;
    if (!s.reason.empty()) j["reason"] = s.reason;
    steps_json.push_back(j);
  }
  auto unplaceable_json = nlohmann::json::array();
  for (const auto& u : unplaceable)
    unplaceable_json.push_back({{"tenant", u.tenant}, {"name", u.name}, {"reason", u.reason}});
  return {{"steps", steps_json}, {"unchanged", unchanged}, {"unplaceable", unplaceable_json},
          {"warnings", warnings}, {"errors", errors}, {"orphans", orphans}};
}

}  // namespace xc
