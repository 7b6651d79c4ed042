// volume.clone: a new volume made on this host from one of its volumes, for
// `xcloudctl vm clone` and `image capture`: a byte-exact copy, a qcow2
// overlay backed by it (a linked clone) or a standalone qcow2 with its
// backing chain merged in (flatten, for capture). The result is written to
// "<name>.qcow2.part" and renamed only once whole; a failure leaves no file.
// Thread-safe like every method (the target volume's object lock is held).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agent/rpc_service.h"

namespace xc {

enum class CloneMode { kCopy, kOverlay, kFlatten };

// "copy", "overlay", "flatten"; nullopt for anything else.
std::optional<CloneMode> clone_mode_from_name(const std::string& name);

// The qemu-img argv that makes `part` from `source` in `mode` (empty for a
// copy, which is a plain file copy). Pure.
std::vector<std::string> clone_command(CloneMode mode, const std::string& source,
                                       const std::string& part);

// params: {"source", "name", "mode", "domain"?}. `domain` is the domain the
// new volume is for: when it is defined here the volume is in use and the
// call is refused (kAlreadyExists); otherwise a file of that name is a
// leftover of an interrupted clone and is replaced.
Result<nlohmann::json> volume_clone(AgentContext& ctx, const nlohmann::json& params);

}  // namespace xc
