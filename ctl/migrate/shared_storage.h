// Whether two hosts keep their disks on one shared storage: both hosts'
// pools name the same `sharedStorage` (one pool, or two pools mounting the
// same directory). A move between them copies nothing and deletes nothing:
// the source's disk files ARE the target's. Reads the store only.
#pragma once

#include <string>

#include "ctl/store/store.h"

namespace xc {

// The shared directory, or "" when the two hosts do not share one.
Result<std::string> shared_storage_between(Store& store, const std::string& from,
                                           const std::string& to);

}  // namespace xc
