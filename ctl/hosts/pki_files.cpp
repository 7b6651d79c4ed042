#include "ctl/hosts/pki_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "ctl/store/state_path.h"

namespace xc {

PkiFiles pki_files_for_state(const std::string& state_path) {
  return {state_dir(state_path) + "/pki"};
}

Status make_private_dir(const std::string& dir) {
  std::filesystem::path partial;
  for (const auto& part : std::filesystem::path(dir)) {
    partial /= part;
    // mkdir's mode is narrowed by the umask, never widened: 0700 at most.
    if (::mkdir(partial.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return error(Code::kIo,
                 "cannot create directory " + partial.string() + ": " + std::strerror(errno));
  }
  if (::chmod(dir.c_str(), 0700) != 0) {
    return error(Code::kIo, "cannot make directory " + dir + " private: " + std::strerror(errno));
  }
  return Status::ok_status();
}

}  // namespace xc
