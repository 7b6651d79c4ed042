// The agent refuses a TLS private key that anyone but its owner may read,
// write or run, as sshd does with host keys: a key others can read is a key
// others have. Pure function of the file system; safe from any thread.
#pragma once

#include <string>

#include "common/status.h"

namespace xc {

// kFailedPrecondition naming the file and its mode when group or others have
// any permission on it; kNotFound when it cannot be examined.
Status check_private_key_mode(const std::string& path);

}  // namespace xc
