// Checks of a VirtualMachine's guest section that a schema cannot express
// without echoing a secret: a plaintext password is refused, a password hash
// must be crypt(3), SSH keys must be single OpenSSH public keys. Pure.
#pragma once

#include <vector>

#include "common/diagnostic.h"
#include "common/yaml_document.h"

namespace xc {

// `doc` passed the schema; other kinds give no diagnostics. Messages never
// contain the password or hash.
std::vector<Diagnostic> check_guest_section(const YamlDocument& doc);

}  // namespace xc
