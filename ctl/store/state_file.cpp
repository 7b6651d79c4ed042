#include "ctl/store/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>

#include "ctl/store/state_path.h"

namespace xc {
namespace {

// Writable for the effective user (root passes unless the file system is
// read-only). Errors other than a refusal count as writable: SQLite's own
// message then tells.
bool writable(const std::string& path) {
  if (::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) == 0) return true;
  return errno != EACCES && errno != EROFS && errno != EPERM;
}

}  // namespace

Status check_state_file_exists(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == EACCES)
      return error(Code::kPermissionDenied,
                   "state database " + path +
                       ": Permission denied (it belongs to the xcloud service user; operators "
                       "run commands through the controller, xcloudctl serve --socket: set "
                       "XCLOUD_CONTROLLER to its socket)");
    return error(Code::kNotFound,
                 "state database " + path + " does not exist; run 'xcloudctl init' first");
  }
  if (S_ISREG(st.st_mode) && st.st_size == 0) {
    return error(Code::kFailedPrecondition, "state database " + path +
                                                " is empty (not an xcloud state); run 'xcloudctl "
                                                "init' first");
  }
  return {};
}

std::optional<std::string> why_state_read_only(const std::string& path) {
  struct statvfs fs;
  if (::statvfs(path.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0) {
    return "it is on a read-only file system";
  }
  if (!writable(path)) return "the file is read-only";
  std::string dir = state_dir(path);
  if (!writable(dir)) {
    return "its directory " + dir + " is read-only (SQLite keeps " + path + "-wal and " + path +
           "-shm there)";
  }
  return std::nullopt;
}

}  // namespace xc
