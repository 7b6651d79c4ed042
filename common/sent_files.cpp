#include "common/sent_files.h"

#include <cstdlib>

namespace xc {

std::string sent_file_location(const std::string& dir, const std::string& path) {
  if (!path.empty() && path[0] == '/') return dir + "/" + kSentAbsoluteDir + path;
  return dir + "/" + path;
}

std::string readable_path(const std::string& path) {
  const char* dir = std::getenv(kSentFilesEnv);
  if (dir == nullptr || *dir == '\0') return path;
  return sent_file_location(dir, path);
}

}  // namespace xc
