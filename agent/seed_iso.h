// The NoCloud seed as an ISO 9660 image (volume id "cidata", Rock Ridge and
// Joliet so the files keep their exact lowercase names), built in memory with
// libisofs. Deterministic: the same seed gives the same bytes. Thread-safe.
#pragma once

#include <string>

#include "common/nocloud_seed.h"
#include "common/status.h"

namespace xc {

inline constexpr const char* kSeedVolumeId = "cidata";

// The image's bytes; kInternal when libisofs fails.
Result<std::string> build_seed_iso(const NoCloudSeed& seed);

// One file of a seed image at `iso_path` ("user-data"), at most `limit`
// bytes; kNotFound when there is no image or no such file in it.
Result<std::string> read_seed_iso_file(const std::string& iso_path, const std::string& name,
                                       size_t limit);

}  // namespace xc
