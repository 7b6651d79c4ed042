#include "agent/private_key_mode.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace xc {

Status check_private_key_mode(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return error(Code::kNotFound, "key " + path + ": " + std::strerror(errno));
  }
  mode_t mode = info.st_mode & 07777;
  if ((mode & 077) == 0) return Status::ok_status();
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
  return error(Code::kFailedPrecondition,
               "key " + path + " has mode " + octal +
                   ": a private key must not be open to group or others (chmod 600 " + path + ")");
}

}  // namespace xc
