// Every declared host as reachable with room to spare (256 CPUs, 2 TiB, no
// accelerators): the planner tests' view of the hosts. Pure; header only.
#pragma once

#include <vector>

#include "ctl/reconcile/desired_state.h"
#include "ctl/reconcile/observed_state.h"

namespace xc::test {

inline std::vector<ObservedHost> roomy_hosts(const DesiredState& desired) {
  std::vector<ObservedHost> out;
  for (const Object* h : desired.hosts) {
    ObservedHost o;
    o.name = h->meta.name;
    o.reachable = true;
    o.facts = {{"arch", h->meta.name.rfind("kp-", 0) == 0 ? "aarch64" : "x86_64"},
               {"cpu", {{"count", 256}}},
               {"memoryKiB", int64_t{1} << 31},
               {"accelerators", nlohmann::json::array()}};
    o.parsed = host_facts_from_json(o.facts);
    out.push_back(o);
  }
  return out;
}

}  // namespace xc::test
