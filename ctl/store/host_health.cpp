#include "ctl/store/host_health.h"

namespace xc {

HealthChange record_contact(nlohmann::json& snapshot, const HostContact& contact, int64_t now_ms) {
  if (!snapshot.is_object()) snapshot = nlohmann::json::object();
  const bool was_unreachable = snapshot.contains("unreachableSinceMs");
  const bool was_contacted = snapshot.value("contactedAtMs", int64_t{0}) > 0;
  if (contact.reachable) {
    snapshot["contactedAtMs"] = now_ms;
    snapshot.erase("unreachableSinceMs");
    return was_unreachable || !was_contacted ? HealthChange::kReady : HealthChange::kNone;
  }
  snapshot["lastError"] = contact.error;
  snapshot["lastErrorAtMs"] = now_ms;
  if (was_unreachable) return HealthChange::kNone;
  snapshot["unreachableSinceMs"] = now_ms;
  return HealthChange::kUnreachable;
}

bool set_domain_state(nlohmann::json& snapshot, const std::string& domain,
                      const std::string& state) {
  if (!snapshot.is_object() || !snapshot.contains("domains") || !snapshot["domains"].is_array())
    return false;
  bool changed = false;
  for (auto& d : snapshot["domains"])
    if (d.is_object() && d.value("domain", "") == domain && d.value("state", "") != state) {
      d["state"] = state;
      changed = true;
    }
  return changed;
}

}  // namespace xc
