// Where an Image's backing file may be: only inside the hosts' image
// directory, so a manifest cannot make /etc/shadow or another VM's disk the
// base of a new VM. Checked when manifests are validated (the text) and again
// by the agent (after resolving symbolic links).
#pragma once

#include <string>
#include <string_view>

namespace xc {

inline constexpr const char* kDefaultImageDir = "/var/lib/xcloud/images";

// Why `source` cannot be an image file in `image_dir`, or "" when it can: it
// must be an absolute path without empty, "." or ".." components or control
// characters, strictly below `image_dir`.
std::string image_source_problem(std::string_view source, std::string_view image_dir);

}  // namespace xc
