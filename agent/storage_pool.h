// The agent's libvirt storage pool (a "dir" pool over storage_dir) and its
// volumes. All calls go through libvirt so test:/// hosts simulate storage.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "agent/rpc_service.h"

namespace xc {

// Defines, builds and starts the pool if needed. Idempotent.
Status ensure_storage_pool(AgentContext& ctx);
Result<nlohmann::json> storage_pool_info(AgentContext& ctx);

// Makes libvirt see files written behind its back (a copied or cloned
// volume). Best effort; nothing to do on a simulated host.
void refresh_storage_pool(AgentContext& ctx);

// Volume names: [a-z0-9][a-z0-9._-]*, at most 200 characters, no "..".
bool valid_volume_name(const std::string& name);

struct VolumeRequest {
  std::string name;
  int64_t size_gib = 0;
  std::string backing;                   // absolute path of a base image, or empty
  bool create = true;                    // false: the volume must exist (resize)
  std::string backing_format = "qcow2";  // of the backing file: qcow2 or raw
  std::string backing_sha256 = "";       // checked before the volume is created, when set
};

// The libvirt volume XML of a new qcow2 volume, over `backing` (read as
// `backing_format`, qcow2 or raw) when it is not empty. Pure.
std::string volume_xml(const std::string& file, uint64_t capacity_bytes, const std::string& backing,
                       const std::string& backing_format);

// Creates the volume if missing; grows it if smaller. Returns
// {"name","path","capacityBytes","action":"created|resized|unchanged"}.
Result<nlohmann::json> ensure_volume(AgentContext& ctx, const VolumeRequest& req);
// Deletes a volume; with wipe, overwrites its contents first. Missing is ok.
Result<nlohmann::json> delete_volume(AgentContext& ctx, const std::string& name, bool wipe);

}  // namespace xc
