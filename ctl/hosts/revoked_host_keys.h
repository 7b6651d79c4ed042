// Host keys a known_hosts file marks `@revoked`. libssh skips marker lines,
// so a revoked key followed by a plain entry for it would be trusted: the SSH
// transport asks here first. A revoked key is refused for every host, whatever
// other lines say. Pure function of the file; safe from any thread.
#pragma once

#include <libssh/libssh.h>

#include <string>

namespace xc {

// Whether `key` appears on a `@revoked` line of the known_hosts file at
// `path` (false when the file is missing or has no such line).
bool host_key_is_revoked(const std::string& path, ssh_key key);

}  // namespace xc
