// What validate and apply say about HA in a manifest set: a VM with
// `ha: restart` whose disks would not be on shared storage (its pool, or a
// pool it may land in, has no sharedStorage) is not protectable. Warnings, not
// errors: the VM is still created and runs; HA will not restart it. Pure.
#pragma once

#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/manifest_validator.h"

namespace xc {

// Sorted by file, line, column.
std::vector<Diagnostic> ha_warnings(const ManifestSet& set);

// "FILE:LINE:COL: warning: MESSAGE" (user text escaped).
std::string format_warning(const Diagnostic& d);

}  // namespace xc
