// Copying a volume's file host to host: the target's agent fetches it from
// the source's agent (volume.offer, volume.pull) with a client certificate
// made for that one copy, and the controller only watches (volume.pull_status)
// without carrying a byte. The source streams the file and its SHA-256; the
// target keeps the copy only when its own digest is the same.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "ctl/hosts/host_clients.h"
#include "ctl/migrate/disk_copy.h"

namespace xc {

// The copy, or its failure; nothing when a host-to-host copy cannot be had
// here, so the caller copies through the controller instead: a host not
// reached over TLS, no CA at hand, an agent without these methods or with
// no such file, or a target that cannot reach the source. `why_not` then
// says why, when it is worth telling the operator (empty for a host not
// reached over TLS, where host to host was never possible).
std::optional<Result<CopiedFile>> pull_volume_file(
    HostClients& clients, const std::string& from, const std::string& to, const std::string& volume,
    const std::string& ext, const std::function<void(int64_t, int64_t)>& progress,
    std::string& why_not);

}  // namespace xc
