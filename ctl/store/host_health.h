// A host's health as its stored snapshot (hosts.facts_json) records it, and
// the one way a contact changes it: the last contact, since when the host has
// been unreachable, and the last error (kept after the host is back). Also
// the domain state a lifecycle event implies. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace xc {

// What a contact with a host's agent found.
struct HostContact {
  bool reachable = false;
  std::string error;  // when not reachable
};

enum class HealthChange {
  kNone,
  kUnreachable,  // reachable (or never contacted) before, unreachable now
  kReady,        // unreachable (or never contacted) before, reachable now
};

// Records `contact` at `now_ms` in `snapshot` (an object; facts and domains
// are left alone) and says how the host's state changed.
HealthChange record_contact(nlohmann::json& snapshot, const HostContact& contact, int64_t now_ms);

// Sets the state of `domain` in the snapshot's domain list; false when the
// domain is not listed or already in that state.
bool set_domain_state(nlohmann::json& snapshot, const std::string& domain,
                      const std::string& state);

}  // namespace xc
