// The agent's own check of a base image path sent by a client: the text must
// name a file in the image directory (common/image_source.h), and so must the
// path once symbolic links are resolved, so a link in the image directory
// cannot lead to /etc/shadow either.
#pragma once

#include <string>

#include "common/status.h"

namespace xc {

// OK when `path` is inside `image_dir` before and after resolving symbolic
// links (of the parts that exist: a simulated host has no image files).
Status check_image_file(const std::string& path, const std::string& image_dir);

}  // namespace xc
