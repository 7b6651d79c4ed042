// What the HA decision works from, read from the store: every host with its
// health (the heartbeat's snapshot), its fence command and fence record, the
// pools' sharedStorage and policies, the placement groups, and every placed
// VM with its `ha` policy and its stored DomainSpec. Not thread-safe (one Store).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ctl/ha/ha_decision.h"
#include "ctl/store/store.h"

namespace xc {

// The store's meta key holding when `host` was last fenced (milliseconds).
std::string fenced_meta_key(const std::string& host);
// The store's meta key naming the host a VM was restarted away from by HA,
// until that host's old copy is known to be gone.
std::string restarted_meta_key(const std::string& tenant, const std::string& name);
inline constexpr const char* kRestartedMetaPrefix = "ha.restarted.";

struct HaInventory {
  HaWorld world;
  std::map<std::string, std::vector<std::string>> fence;  // host -> the fence argv
  std::map<std::string, nlohmann::json> domains;          // "tenant/name" -> stored DomainSpec JSON
};

Result<HaInventory> load_ha_inventory(Store& store);

// `spec.ha` of a stored or written VirtualMachine manifest is "restart".
bool manifest_wants_ha(const nlohmann::json& manifest);

}  // namespace xc
