// Scratch files and directories in the image store (".download-*",
// ".import-*", ".ova-*", ".capture-*") are held with flock(LOCK_EX) by the
// process writing them for as long as it needs them. One that can be locked
// has lost its owner (Ctrl-C, kill -9, a power cut) and is removed by the
// next import or capture, which says so. Only entries older than a minute are
// tried, so one just created and not yet locked is never taken.
#pragma once

#include <string>
#include <vector>

#include "common/scratch_hold.h"

namespace xc {

// Removes the store's abandoned scratch entries; their names, for a note.
std::vector<std::string> sweep_abandoned_scratch(const std::string& store_dir);

}  // namespace xc
