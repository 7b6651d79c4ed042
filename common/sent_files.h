// Where the controller puts the manifest files an operator's command sends
// with -f, and where the command then reads them. The controller writes them
// under a private directory and names it to the command in XCLOUD_SENT_FILES;
// a path keeps the name the operator typed, so errors say FILE:LINE:COL as
// typed, whether relative ("m/vms.yaml") or absolute ("/srv/m/vms.yaml").
#pragma once

#include <string>

#include "common/status.h"

namespace xc {

inline constexpr const char* kSentFilesEnv = "XCLOUD_SENT_FILES";
// Absolute paths live under DIR/.abs: a relative path may not start there.
inline constexpr const char* kSentAbsoluteDir = ".abs";

// The file for `path` (as typed) under the sent-files directory `dir`.
std::string sent_file_location(const std::string& dir, const std::string& path);

// Where this process reads `path`: under XCLOUD_SENT_FILES when the
// controller set it, else `path` itself.
std::string readable_path(const std::string& path);

// A file too large to send (an image, a package) travels over the socket as
// the operator's open descriptor instead: the command holds it as fd 3 and
// XCLOUD_PASSED_FILE names it as typed.
inline constexpr const char* kPassedFileEnv = "XCLOUD_PASSED_FILE";
inline constexpr int kPassedFileFd = 3;

// Where this process reads the local file `path`: when it is the passed
// file, a copy made in the command's own directory (XCLOUD_SENT_FILES,
// removed after the command) so tools that open names (qemu-img) read it;
// else `path` itself. kFailedPrecondition when the copy would not fit there.
Result<std::string> local_file_for(const std::string& path);

}  // namespace xc
